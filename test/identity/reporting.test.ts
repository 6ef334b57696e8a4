// Class 8: Dry Run, once added in Options, is on. Class 9: Sync says what changes: per-user
// `changes: { path: { from, to } }`, `matchedBy` and `reason`, the same in Dry Run.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from '@jest/globals';

import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { useK2, writes } from '../support/fixture';
import { ENTERPRISE, K2State, syncCase, syncParameters, userItems } from './support';

describe('Identity: the built node description', () => {
	// The package as n8n loads it (npm run build first).
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { K2Scim } = require(path.resolve(__dirname, '../../dist/nodes/K2Scim/K2Scim.node.js'));
	const description: INodeTypeDescription = new K2Scim().description;
	const syncProperties = description.properties.filter((property) => {
		const operations = property.displayOptions?.show?.operation as string[] | undefined;
		return operations?.includes('sync');
	});

	test("Sync's Dry Run option defaults to true: adding it in Options turns it on", () => {
		const options = syncProperties.find((property) => property.name === 'syncOptions');
		assert.ok(options, 'Sync has an Options collection');
		const dryRun = (options.options as INodeProperties[]).find((option) => option.name === 'dryRun');
		assert.ok(dryRun, 'Options has Dry Run');
		assert.equal(dryRun.type, 'boolean');
		assert.equal(dryRun.default, true);
	});

	test('the node is version [1, 2] with 2 the default, and Sync offers Match On "External ID, Then Username"', () => {
		assert.deepEqual(description.version, [1, 2]);
		assert.equal(description.defaultVersion, 2);
		const values = syncProperties
			.filter((property) => property.name === 'matchOn')
			.flatMap((property) => (property.options as Array<{ value: string }>).map((option) => option.value));
		assert.ok(values.includes('externalIdThenUserName'), `Match On values: ${values.join(', ')}`);
	});

	test('Sync Options offers Managed Groups (named, all, list) with named the default, and the list field', () => {
		const options = syncProperties.find((property) => property.name === 'syncOptions')!.options as INodeProperties[];
		const managed = options.find((option) => option.name === 'managedGroups');
		assert.ok(managed, 'Managed Groups option');
		assert.equal(managed.default, 'named');
		assert.deepEqual((managed.options as Array<{ value: string }>).map((option) => option.value).sort(), ['all', 'list', 'named']);
		assert.ok(options.some((option) => option.name === 'managedGroupList'));
	});
});

describe('Identity: Sync says what changes, how each user was matched, and why', () => {
	const k2 = useK2({ reset: 'data' });
	const state = new K2State(k2);

	const parameters = syncParameters({}, {}, { department: '={{ $json.dept }}', givenName: '={{ $json.first }}' });

	test('an update: changes has from (K2, null when absent) and to for each changed path; matchedBy externalId; same in Dry Run', async () => {
		const jane = await k2.scim.createUser('jane@example.com', { externalId: 'E1', title: 'Engineer', name: { givenName: 'Jane' } });
		const items = [{ mail: 'jane@example.com', employeeId: 'E1', title: 'Manager', dept: 'Sales', first: 'Jane' }];
		const expected = {
			title: { from: 'Engineer', to: 'Manager' },
			[`${ENTERPRISE}:department`]: { from: null, to: 'Sales' },
		};
		const { dryRun, result, rerun } = await syncCase(k2, parameters, items);
		for (const [run, action] of [[dryRun, 'update'], [result, 'updated']] as const) {
			const [item] = userItems(run);
			assert.equal(item.action, action);
			assert.deepEqual(item.changes, expected, `${action}: changes`);
			assert.equal(item.matchedBy, 'externalId');
			assert.equal(typeof item.reason, 'string');
			assert.match(String(item.reason), /External ID/i);
		}
		assert.equal((await state.user(jane.id)).title, 'Manager');
		const [unchanged] = userItems(await rerun());
		assert.equal(unchanged.matchedBy, 'externalId');
		assert.deepEqual(unchanged.changes ?? {}, {}, 'an unchanged user has no changes');
	});

	test('a rename: changes.userName from the old to the new name; the reason says renamed', async () => {
		await k2.scim.createUser('jane.smith@example.com', { externalId: 'E1' });
		const items = [{ mail: 'jane.jones@example.com', employeeId: 'E1' }];
		const { dryRun, result } = await syncCase(k2, parameters, items);
		for (const run of [dryRun, result]) {
			const [item] = userItems(run);
			assert.deepEqual(item.changes, { userName: { from: 'jane.smith@example.com', to: 'jane.jones@example.com' } });
			assert.equal(item.matchedBy, 'externalId');
			assert.match(String(item.reason), /renamed/i);
			assert.match(String(item.reason), /jane\.smith@example\.com/);
		}
	});

	test('matched by Username (no External ID in K2, adopted): matchedBy userName, changes.externalId from null', async () => {
		await k2.scim.createUser('bob@example.com');
		const { dryRun, result } = await syncCase(k2, parameters, [{ mail: 'bob@example.com', employeeId: 'E2' }]);
		for (const run of [dryRun, result]) {
			const [item] = userItems(run);
			assert.equal(item.matchedBy, 'userName');
			assert.deepEqual(item.changes, { externalId: { from: null, to: 'E2' } });
			assert.match(String(item.reason), /Username/i);
		}
	});

	test('a create: the reason says no K2 user has this External ID or Username; no matchedBy', async () => {
		const { dryRun, result } = await syncCase(k2, parameters, [{ mail: 'new@example.com', employeeId: 'E9' }]);
		for (const run of [dryRun, result]) {
			const [item] = userItems(run);
			assert.match(String(item.action), /^create/);
			assert.equal(item.matchedBy, undefined);
			assert.match(String(item.reason), /created|create/i);
			assert.match(String(item.reason), /External ID/);
		}
		assert.equal(writes(k2.sandbox), 1);
	});

	test('a reactivation: changes.active false -> true, reason "reactivated"', async () => {
		const ada = await k2.scim.createUser('ada@example.com', { externalId: 'E1' });
		await state.deactivate(ada.id);
		const { dryRun, result } = await syncCase(k2, parameters, [{ mail: 'ada@example.com', employeeId: 'E1' }]);
		for (const run of [dryRun, result]) {
			const [item] = userItems(run);
			assert.deepEqual(item.changes, { active: { from: false, to: true } });
			assert.match(String(item.reason), /reactivated/i);
		}
	});
});
