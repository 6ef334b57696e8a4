// Hostile and careless member changes: the report says exactly what changed, a group is never
// its own member, unknown members cost bounded requests, and text booleans are read as booleans.
import assert from 'node:assert/strict';
import { afterEach, beforeAll, describe, test } from '@jest/globals';

import { count, useK2, writes } from '../support/fixture';
import { assertEachItemOnce, assertPrototypesClean } from './support';

const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const byName = (value: string) => ({ __rl: true, mode: 'displayName', value });

describe('Hostile member changes: exact reports, bounded requests', () => {
	const k2 = useK2({ reset: 'stats' });
	const users: string[] = [];
	const run = (parameters: Record<string, unknown>, items?: Array<Record<string, unknown>>) =>
		k2.run({ resource: 'group', memberReference: 'id', ...parameters }, items, { continueOnFail: true });
	const groupsOf = async (userId: string): Promise<string[]> =>
		((await k2.scim.request('GET', `/Users/${userId}`)).body.groups ?? []).map((g: { value: string }) => g.value);

	beforeAll(async () => {
		for (let i = 0; i < 130; i++) users.push((await k2.scim.createUser(`member${i}@example.com`)).id);
	});
	afterEach(() => assertPrototypesClean('after the case'));

	test('removing non-members reports them as not members, and sends nothing', async () => {
		const group = await k2.scim.createGroup('Remove Check', [users[0]]);
		k2.sandbox.resetStats();
		const { output } = await run({ operation: 'removeMembers', group: byId(group.id), members: `${users[0]}, ${users[1]}, ${users[2]}` });
		assert.deepEqual(output![0].json, { groupId: group.id, groupDisplayName: 'Remove Check', removed: [users[0]], notMembers: [users[1], users[2]] });
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1);
		k2.sandbox.resetStats();
		const again = await run({ operation: 'removeMembers', group: byId(group.id), members: users[0] });
		assert.deepEqual(again.output![0].json.removed, []);
		assert.deepEqual(again.output![0].json.notMembers, [users[0]]);
		assert.equal(writes(k2.sandbox), 0, 'nothing to remove: no PATCH');
	});

	test('adding existing members reports them as already members, and sends nothing', async () => {
		const group = await k2.scim.createGroup('Add Check', [users[0]]);
		k2.sandbox.resetStats();
		const { output } = await run({ operation: 'addMembers', group: byId(group.id), members: users[0] });
		assert.deepEqual(output![0].json, { groupId: group.id, groupDisplayName: 'Add Check', added: [], alreadyMembers: [users[0]] });
		assert.equal(writes(k2.sandbox), 0);
	});

	test('a group given as its own member is refused before any request; the other items go on', async () => {
		const group = await k2.scim.createGroup('Self');
		k2.sandbox.resetStats();
		const alone = await run({ operation: 'addMembers', group: byId(group.id), members: '={{ $json.m }}' }, [{ m: `${users[3]}, ${group.id}` }]);
		assert.match(String(alone.output![0].json.error), /^Members contains the group itself \(".+"\): a group cannot be its own member$/);
		assert.equal(k2.sandbox.stats().total, 0);

		const mixed = await run({ operation: 'addMembers', group: byId(group.id), members: '={{ $json.m }}' }, [{ m: group.id }, { m: users[3] }]);
		assertEachItemOnce(mixed, 2, 'self and valid');
		assert.match(String(mixed.output![0].json.error), /its own member/);
		assert.deepEqual(mixed.output![1].json.added, [users[3]]);
		assert.deepEqual(await groupsOf(users[3]), [group.id]);
		assert.equal((await k2.scim.request('GET', `/Groups/${group.id}`)).body.members.length, 1, 'the group is not in itself');
	});

	test('a group found by display name and given as its own member is refused before any write', async () => {
		const group = await k2.scim.createGroup('Self By Name');
		k2.sandbox.resetStats();
		const { output } = await run({ operation: 'addMembers', group: byName('Self By Name'), members: group.id });
		assert.match(String(output![0].json.error), /its own member/);
		assert.equal(writes(k2.sandbox), 0);
		const upsert = await k2.run({ resource: 'group', operation: 'createOrUpdate', displayName: 'Self By Name', memberReference: 'id', members: group.id }, undefined, { continueOnFail: true });
		assert.match(String(upsert.output![0].json.error), /its own member/);
		assert.equal(writes(k2.sandbox), 0);
	});

	test('10,000 unknown member IDs cost bounded requests, are all named, and the valid item goes on', async () => {
		const group = await k2.scim.createGroup('Unknowns');
		const unknown = Array.from({ length: 10_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
		k2.sandbox.resetStats();
		const started = Date.now();
		const result = await run({ operation: 'addMembers', group: byId(group.id), members: '={{ $json.m }}' }, [{ m: unknown.join(',') }, { m: users[4] }]);
		const { output } = result;
		const ms = Date.now() - started;
		const stats = k2.sandbox.stats();
		assertEachItemOnce(result, 2, '10,000 unknown');
		assert.match(String(output![0].json.error), /^No K2 users with IDs "00000000-0000-4000-8000-000000000000", .* and 9990 more/);
		assert.deepEqual(output![1].json.added, [users[4]]);
		assert.deepEqual(await groupsOf(users[4]), [group.id]);
		// 1 group read + 101 PATCHes (100 refused for unknown members, the last carries the valid one) + 200 lookups of 50 IDs.
		assert.ok(stats.total <= 310, `${stats.total} requests`);
		assert.equal(count(k2.sandbox, 'GET /Users'), 200, '100 refused PATCHes of 100 IDs, each looked up in 2 requests');
		console.log(`10,000 unknown member IDs: ${stats.total} requests (${JSON.stringify(stats.byRoute)}) in ${ms} ms`);
	});

	test('beyond the 100 members K2 shows: exact through users\' groups, "unverified" without them', async () => {
		const group = await k2.scim.createGroup('Big', users.slice(0, 120));
		k2.sandbox.resetStats();
		const { output } = await run({ operation: 'addMembers', group: byId(group.id), members: `${users[110]}, ${users[125]}` });
		assert.deepEqual(output![0].json.added, [users[125]]);
		assert.deepEqual(output![0].json.alreadyMembers, [users[110]], 'member 111 is not in the read, but its groups say so');
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1);

		k2.sandbox.setUsersListGroups(false);
		try {
			const blind = await run({ operation: 'removeMembers', group: byId(group.id), members: `${users[115]}, ${users[126]}` });
			assert.deepEqual(blind.output![0].json.removed, []);
			assert.deepEqual(blind.output![0].json.unverified, [users[115], users[126]], 'state before unknown: sent, and said so');
		} finally {
			k2.sandbox.setUsersListGroups(true);
		}
		assert.ok(!(await groupsOf(users[115])).includes(group.id));
	});

	test('User > Get Many: Active given as the text "false" filters on false', async () => {
		await k2.scim.createUser('inactive@example.com', { active: false });
		k2.sandbox.resetStats();
		const { output } = await k2.run(
			{ resource: 'user', operation: 'getMany', returnAll: true, filters: { active: '={{ $json.a }}' } },
			[{ a: 'false' }, { a: 'TRUE' }],
			{ continueOnFail: true },
		);
		const byItem = (item: number) => output!.filter((o) => (o.pairedItem as { item: number }).item === item).map((o) => o.json.userName);
		assert.deepEqual(byItem(0), ['inactive@example.com']);
		assert.ok(byItem(1).length >= 130 && !byItem(1).includes('inactive@example.com'));
	});

	test('a group named "__proto__" is an ordinary group name: created, matched, no prototype written', async () => {
		const first = await k2.run({ resource: 'group', operation: 'createOrUpdate', displayName: '__proto__', memberReference: 'id', members: users[5] });
		assert.equal(first.output![0].json.status, 'created');
		const second = await k2.run({ resource: 'group', operation: 'createOrUpdate', displayName: '__PROTO__', memberReference: 'id', members: users[5] });
		assert.equal(second.output![0].json.status, 'unchanged');
		assert.deepEqual(second.output![0].json.alreadyMembers, [users[5]]);
	});

	test('Requests in Flight 0, 2.5 or "many" fails the run before any request', async () => {
		const group = await k2.scim.createGroup('In Flight');
		for (const requestsInFlight of [0, 2.5, 'many', 33]) {
			k2.sandbox.resetStats();
			const { error } = await k2.run({ resource: 'group', operation: 'addMembers', group: byId(group.id), memberReference: 'id', members: users[6], options: { requestsInFlight } });
			assert.match(String(error?.message), /^Requests in Flight must be a whole number from 1 to 32, got /, String(requestsInFlight));
			assert.equal(k2.sandbox.stats().total, 0);
		}
	});
});
