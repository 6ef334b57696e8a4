import assert from 'node:assert/strict';
import { beforeAll, describe, test } from '@jest/globals';

import { LoadOptionsContext } from 'n8n-core';
import { Workflow } from 'n8n-workflow';
import type { ILoadOptionsFunctions, INode, INodeListSearchResult, INodeType, IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import type { Sandbox } from '../../sandbox';
import { NODE_TYPE } from '../harness/run-workflow';
import type { Harness } from '../harness/run-workflow';
import { useK2 } from '../support/fixture';
import { ScimClient } from '../support/scim-client';

type Search = (this: ILoadOptionsFunctions, filter?: string, paginationToken?: string) => Promise<INodeListSearchResult>;

describe('list search: the user and group pickers', () => {
	const k2 = useK2({ reset: 'stats' });
	let sandbox: Sandbox;
	let harness: Harness;
	let context: ILoadOptionsFunctions;
	/** A new editor request: what K2 accepts is learned again (per context, as per run). */
	let newContext: () => ILoadOptionsFunctions;
	let methods: Record<string, Search>;

	beforeAll(async () => {
		({ sandbox, harness } = k2);
		const scim = new ScimClient(sandbox);
		for (let i = 0; i < 130; i++) await scim.createUser(`staff${String(i).padStart(3, '0')}@example.com`);
		await scim.createUser('ada@example.com', { displayName: 'Ada Lovelace' });
		await scim.createUser('quote"and\\back@example.com');
		await scim.createGroup('Finance');
		await scim.createGroup('Finance Approvers');
		await scim.createGroup('Engineering');

		// What n8n's editor does for a resource locator: a LoadOptionsContext on the node, with its credential.
		const node: INode = {
			id: 'k2',
			name: 'K2 SCIM',
			type: NODE_TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
			credentials: { k2ScimOAuth2Api: { id: 'k2', name: 'K2' } },
		};
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: harness.nodeTypes });
		const additionalData = { credentialsHelper: harness.credentials, currentNodeParameters: {} } as unknown as IWorkflowExecuteAdditionalData;
		newContext = () => new LoadOptionsContext(workflow, node, additionalData, 'parameters.user');
		context = newContext();
		methods = (harness.nodeTypes.getByNameAndVersion(NODE_TYPE, 1) as INodeType).methods!.listSearch as unknown as Record<string, Search>;
	});

	test('searchUsers pages through all users 100 at a time', async () => {
		const first = await methods.searchUsers.call(context);
		assert.equal(first.results.length, 100);
		assert.equal(first.paginationToken, '101');
		const second = await methods.searchUsers.call(context, undefined, first.paginationToken as string);
		assert.equal(second.results.length, 32);
		assert.equal(second.paginationToken, undefined);
		assert.equal(sandbox.stats().byRoute['GET /Users'], 2);
	});

	test('searchUsers matches typed text anywhere in the username or display name', async () => {
		const { results } = await methods.searchUsers.call(context, 'ada');
		assert.equal(results.length, 1);
		assert.equal(results[0].name, 'Ada Lovelace (ada@example.com)');
		const { results: staff } = await methods.searchUsers.call(context, 'staff12');
		assert.deepEqual(staff.map((r) => r.name), Array.from({ length: 10 }, (_, i) => `staff12${i}@example.com`));
		const escaped = await methods.searchUsers.call(context, 'quote"and\\');
		assert.deepEqual(escaped.results.map((r) => r.name), ['quote"and\\back@example.com']);
	});

	test('searchGroups filters by display name prefix and returns IDs as values', async () => {
		const { results, paginationToken } = await methods.searchGroups.call(context, 'Fin');
		assert.deepEqual(results.map((r) => r.name).sort(), ['Finance', 'Finance Approvers']);
		assert.equal(paginationToken, undefined);
		for (const result of results) {
			const group = (await new ScimClient(sandbox).request('GET', `/Groups/${result.value}`)).body;
			assert.equal(group.displayName, result.name);
		}
		const all = await methods.searchGroups.call(context, '');
		assert.equal(all.results.length, 3);
	});

	test('typed text in the middle of a name finds it: "aff12" and "Lovelace" for users, "Approvers" for groups', async () => {
		const middle = await methods.searchUsers.call(context, 'aff12');
		assert.deepEqual(middle.results.map((r) => r.name), Array.from({ length: 10 }, (_, i) => `staff12${i}@example.com`));
		const byDisplayName = await methods.searchUsers.call(context, 'Lovelace');
		assert.deepEqual(byDisplayName.results.map((r) => r.name), ['Ada Lovelace (ada@example.com)']);
		const groups = await methods.searchGroups.call(context, 'Approvers');
		assert.deepEqual(groups.results.map((r) => r.name), ['Finance Approvers']);
		assert.deepEqual(sandbox.stats().byStatus, { 200: 3 });
	});

	test('a server without "co" or "or" (400 invalidFilter) gets a prefix search instead', async () => {
		sandbox.setFilterOperators(['eq', 'sw', 'and']);
		try {
			// Each editor request is its own context, as in n8n: each asks K2 once.
			const users = await methods.searchUsers.call(newContext(), 'staff12');
			assert.equal(users.results.length, 10);
			const groups = await methods.searchGroups.call(newContext(), 'Fin');
			assert.deepEqual(groups.results.map((r) => r.name).sort(), ['Finance', 'Finance Approvers']);
			assert.deepEqual(sandbox.stats().byStatus, { 200: 2, 400: 2 }, 'one refused contains-search, then the prefix search, per picker');
			// Prefix only: text from the middle finds nothing there, and says so by an empty list, not an error.
			assert.deepEqual((await methods.searchUsers.call(newContext(), 'aff12')).results, []);
		} finally {
			sandbox.setFilterOperators(undefined);
		}
	});
});
