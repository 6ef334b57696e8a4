// Class 7: a member that vanished. A user is deleted in K2 after Sync listed the users and
// before its group write: the other members are still applied in the same run, the vanished
// one is reported on the group's item, and the run counts as failed.
//
// The deletion happens at an exact point through a forwarding proxy (../support/scim-proxy.ts): the node's
// credential points at the proxy, whose hook deletes the user directly in the sandbox just
// before the first group write (PATCH /Groups/:id or POST /Groups) is forwarded.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, test } from '@jest/globals';

import { count, useK2, writes } from '../support/fixture';
import { connectThrough, startScimProxy } from '../support/scim-proxy';
import type { ScimProxy } from '../support/scim-proxy';
import { groupItem, K2State, noWrites, syncWithGroups } from './support';

const VIA_PROXY = { typeVersion: 2, credentialId: 'via-proxy' };

describe('Identity: a member deleted between Sync listing and the group write', () => {
	const k2 = useK2({ reset: 'data' });
	const state = new K2State(k2);
	let proxy: ScimProxy;
	beforeAll(async () => {
		proxy = await startScimProxy(k2.sandbox.scimBaseUrl);
		await connectThrough(k2, proxy, 'via-proxy');
	});
	afterAll(async () => proxy?.close());
	beforeEach(() => {
		proxy.before = () => undefined;
	});

	/** Deletes `id` in K2 right before the run's first group write reaches the sandbox. */
	function deleteBeforeFirstGroupWrite(id: string): { deleted: () => boolean } {
		let done = false;
		proxy.before = async (route) => {
			if (done || !['PATCH /Groups/:id', 'POST /Groups', 'PUT /Groups/:id'].includes(route)) return;
			done = true;
			const { status } = await k2.scim.request('DELETE', `/Users/${encodeURIComponent(id)}`);
			assert.equal(status, 204, 'the hook deleted the user');
		};
		return { deleted: () => done };
	}

	const staff = [
		{ mail: 'ada@example.com', employeeId: 'E1', groups: 'Sales' },
		{ mail: 'gone@example.com', employeeId: 'E2', groups: 'Sales' },
		{ mail: 'linus@example.com', employeeId: 'E3', groups: 'Sales' },
	];

	async function seedUsers(): Promise<Record<string, string>> {
		const ids: Record<string, string> = {};
		for (const [i, row] of staff.entries()) ids[row.mail] = (await k2.scim.createUser(row.mail, { externalId: `E${i + 1}` })).id;
		return ids;
	}

	test('existing group: the others are added in the same run, the vanished one is reported in membersNotAdded', async () => {
		const ids = await seedUsers();
		const sales = await k2.scim.createGroup('Sales');
		const hook = deleteBeforeFirstGroupWrite(ids['gone@example.com']);
		k2.sandbox.resetStats();

		const result = await k2.run(syncWithGroups(), staff, { ...VIA_PROXY, continueOnFail: true });
		assert.ok(hook.deleted(), 'premise: the user was deleted before the group write');
		assert.deepEqual(await state.membersOf(sales.id), [ids['ada@example.com'], ids['linus@example.com']].sort(), 'the others are members');
		const group = groupItem(result, 'Sales');
		assert.match(JSON.stringify(group.membersNotAdded), /gone@example\.com/);
		assert.ok(!JSON.stringify(group.membersAdded ?? []).includes('gone@example.com'));
		assert.match(JSON.stringify(group), /no longer|not found|does not exist|deleted/i, 'the reason is given');
		assert.equal(count(k2.sandbox, 'POST /Users'), 0, 'the vanished user is not recreated');

		// Converged: the same input without the vanished user writes nothing.
		proxy.before = () => undefined;
		await noWrites(k2, 're-run', () => k2.run(syncWithGroups(), [staff[0], staff[2]], VIA_PROXY));
	});

	test('without Continue On Fail the node fails after the writes, naming the group and why', async () => {
		const ids = await seedUsers();
		const sales = await k2.scim.createGroup('Sales');
		deleteBeforeFirstGroupWrite(ids['gone@example.com']);
		const result = await k2.run(syncWithGroups(), staff, VIA_PROXY);
		assert.ok(result.error, 'the run fails');
		const text = `${result.error.message} ${result.error.description ?? ''}`;
		assert.match(text, /Sales/);
		assert.match(text, /no longer exist|not found|does not exist|deleted/i);
		assert.deepEqual(await state.membersOf(sales.id), [ids['ada@example.com'], ids['linus@example.com']].sort(), 'written before failing');
	});

	test('a group Sync creates: created with the others, the vanished one reported', async () => {
		const ids = await seedUsers();
		deleteBeforeFirstGroupWrite(ids['gone@example.com']);
		const result = await k2.run(syncWithGroups(), staff, { ...VIA_PROXY, continueOnFail: true });
		const sales = (await state.groupsLike('Sales'))[0];
		assert.ok(sales, 'the group exists');
		assert.equal(count(k2.sandbox, 'POST /Groups'), 1, 'one group, not a retry that made two');
		assert.equal((await state.groupsLike('Sales')).length, 1);
		assert.deepEqual(await state.membersOf(sales.id), [ids['ada@example.com'], ids['linus@example.com']].sort());
		assert.match(JSON.stringify(groupItem(result, 'Sales').membersNotAdded), /gone@example\.com/);
	});

	test('control: without the deletion the same run adds all three in one PATCH (the hook is what differs)', async () => {
		const ids = await seedUsers();
		const sales = await k2.scim.createGroup('Sales');
		k2.sandbox.resetStats();
		const result = await k2.run(syncWithGroups(), staff, VIA_PROXY);
		assert.equal(result.error, undefined);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1);
		assert.equal(writes(k2.sandbox), 1);
		assert.deepEqual(await state.membersOf(sales.id), Object.values(ids).sort());
	});
});
