import assert from 'node:assert/strict';
import { beforeAll, describe, test } from '@jest/globals';

import type { Sandbox } from '../../sandbox';
import { runNode } from '../harness/run-workflow';
import type { Harness } from '../harness/run-workflow';
import { useK2 } from '../support/fixture';
import type { ScimClient } from '../support/scim-client';

const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const byName = (value: string) => ({ __rl: true, mode: 'displayName', value });
const fromList = (value: string) => ({ __rl: true, mode: 'list', value });

describe('Group: create, get, get many, rename, delete', () => {
	const k2 = useK2({ reset: 'stats' });
	let sandbox: Sandbox;
	let harness: Harness;
	let scim: ScimClient;
	const users: Record<string, string> = {};

	const run = (parameters: Record<string, unknown>, items?: Array<Record<string, unknown>>, continueOnFail = false) =>
		runNode(harness, { parameters: { resource: 'group', ...parameters } as never, items, credentialId: 'k2', continueOnFail });
	const writes = () => {
		const { byMethod } = sandbox.stats();
		return (byMethod.POST ?? 0) + (byMethod.PATCH ?? 0) + (byMethod.PUT ?? 0) + (byMethod.DELETE ?? 0);
	};

	beforeAll(async () => {
		({ sandbox, harness, scim } = k2);
		for (const name of ['ada', 'grace', 'linus']) users[name] = (await scim.createUser(`${name}@example.com`)).id;
	});

	test('Create makes the group with its external ID and members given by userName', async () => {
		const { output, error } = await run({
			operation: 'create',
			displayName: 'Finance',
			memberReference: 'userName',
			members: 'ada@example.com, grace@example.com',
			additionalFields: { externalId: 'fin-1' },
		});
		assert.equal(error, undefined);
		assert.equal(output!.length, 1);
		const group = output![0].json;
		assert.equal(group.displayName, 'Finance');
		assert.equal(group.externalId, 'fin-1');
		assert.equal(group.memberCount, 2);
		assert.equal(group.membersTruncated, false);
		const stored = await scim.request('GET', `/Groups/${group.id}`);
		assert.equal(stored.status, 200);
		assert.equal(stored.body.externalId, 'fin-1');
		assert.deepEqual(stored.body.members.map((m: { value: string }) => m.value).sort(), [users.ada, users.grace].sort());
		assert.equal(sandbox.stats().byRoute['POST /Groups'], 1);
	});

	test('Create with an empty display name fails before any request', async () => {
		const { output, error } = await run({ operation: 'create', displayName: '  ' });
		assert.equal(output, undefined);
		assert.match(error!.message, /Display Name/);
		assert.equal(sandbox.stats().total, 0);
	});

	test('Create with more than 100 members creates the group, then adds them 100 per PATCH', async () => {
		const ids: string[] = [];
		for (let i = 0; i < 150; i++) ids.push((await scim.createUser(`bulk-${i}@example.com`)).id);
		sandbox.resetStats();
		const { output, error } = await run({ operation: 'create', displayName: 'Everyone', members: ids.join(',') });
		assert.equal(error, undefined);
		assert.equal(sandbox.stats().byRoute['POST /Groups'], 1);
		assert.equal(sandbox.stats().byRoute['PATCH /Groups/:id'], 2);
		// Reads cap at 100 members: check each user's membership with a members filter.
		const groupId = output![0].json.id as string;
		assert.equal(output![0].json.membersTruncated, true);
		let found = 0;
		for (const id of ids) {
			const { body } = await scim.request('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${id}"`)}&excludedAttributes=members`);
			if (body.Resources.some((g: { id: string }) => g.id === groupId)) found++;
		}
		assert.equal(found, 150);
	});

	test('Get finds the group by ID, by display name and from the list, with its members', async () => {
		const seeded = await scim.createGroup('Engineering', [users.linus]);
		for (const group of [byId(seeded.id), byName('engineering'), fromList(seeded.id)]) {
			const { output, error } = await run({ operation: 'get', group });
			assert.equal(error, undefined);
			assert.equal(output![0].json.id, seeded.id);
			assert.equal(output![0].json.displayName, 'Engineering');
			assert.deepEqual(output![0].json.members, [{ id: users.linus, display: 'linus@example.com' }]);
		}
		const raw = await run({ operation: 'get', group: byId(seeded.id), simplify: false });
		assert.deepEqual(raw.output![0].json.schemas, ['urn:ietf:params:scim:schemas:core:2.0:Group']);
	});

	test('Get of an unknown ID or name says what was not found', async () => {
		const missing = await run({ operation: 'get', group: byId('00000000-0000-0000-0000-000000000000') });
		assert.match(missing.error!.message, /group "00000000-0000-0000-0000-000000000000" was not found/);
		const unnamed = await run({ operation: 'get', group: byName('No Such Group') }, undefined, true);
		assert.match(String(unnamed.output![0].json.error), /No K2 group named "No Such Group"/);
	});

	test('Get Many lists, filters by display name or SCIM filter, and limits', async () => {
		await scim.createGroup('Eng Platform');
		await scim.createGroup('Eng Apps');
		const all = await run({ operation: 'getMany', returnAll: true });
		const names = all.output!.map((i) => i.json.displayName);
		for (const name of ['Finance', 'Engineering', 'Eng Platform', 'Eng Apps']) assert.ok(names.includes(name), name);

		const exact = await run({ operation: 'getMany', returnAll: true, filters: { displayName: 'eng apps' } });
		assert.deepEqual(exact.output!.map((i) => i.json.displayName), ['Eng Apps']);

		const raw = await run({ operation: 'getMany', returnAll: true, filters: { raw: 'displayName sw "Eng "' } });
		assert.deepEqual(raw.output!.map((i) => i.json.displayName).sort(), ['Eng Apps', 'Eng Platform']);

		const limited = await run({ operation: 'getMany', returnAll: false, limit: 2 });
		assert.equal(limited.output!.length, 2);

		const names_only = await run({ operation: 'getMany', returnAll: true, filters: { displayName: 'Finance' }, options: { includeMembers: false } });
		assert.equal(names_only.output![0].json.members, undefined);
		assert.equal(names_only.output![0].json.externalId, 'fin-1');
	});

	test('Rename changes the display name; a name in use is a clear 409', async () => {
		const group = await scim.createGroup('Legal');
		const { output, error } = await run({ operation: 'rename', group: byId(group.id), newDisplayName: 'Legal & Compliance' });
		assert.equal(error, undefined);
		assert.equal(output![0].json.displayName, 'Legal & Compliance');
		assert.equal((await scim.request('GET', `/Groups/${group.id}`)).body.displayName, 'Legal & Compliance');
		assert.equal(sandbox.stats().byRoute['PATCH /Groups/:id'], 1);

		const clash = await run({ operation: 'rename', group: byId(group.id), newDisplayName: 'Finance' });
		assert.equal(clash.error!.httpCode, '409');
		assert.match(clash.error!.message, /A group named "Finance" already exists/);
		assert.equal((await scim.request('GET', `/Groups/${group.id}`)).body.displayName, 'Legal & Compliance');
	});

	test('Delete removes the group and keeps its members', async () => {
		const group = await scim.createGroup('Temp', [users.ada]);
		sandbox.resetStats();
		const { output, error } = await run({ operation: 'delete', group: byName('Temp') });
		assert.equal(error, undefined);
		assert.deepEqual(output![0].json, { id: group.id, deleted: true });
		assert.equal((await scim.request('GET', `/Groups/${group.id}`)).status, 404);
		assert.equal((await scim.request('GET', `/Users/${users.ada}`)).status, 200);
		assert.equal(sandbox.stats().byRoute['DELETE /Groups/:id'], 1);
		assert.equal(writes(), 1);
	});
});
