import assert from 'node:assert/strict';
import { beforeAll, describe, test } from '@jest/globals';

import type { Sandbox } from '../../sandbox';
import { runNode } from '../harness/run-workflow';
import type { Harness } from '../harness/run-workflow';
import { useK2 } from '../support/fixture';
import type { ScimClient } from '../support/scim-client';

const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const byName = (value: string) => ({ __rl: true, mode: 'displayName', value });

describe('Group: Add Members and Remove Members, batched per group', () => {
	const k2 = useK2({ reset: 'stats' });
	let sandbox: Sandbox;
	let harness: Harness;
	let scim: ScimClient;
	const ids: string[] = [];
	let staff: string;

	const run = (parameters: Record<string, unknown>, items?: Array<Record<string, unknown>>, continueOnFail = false) =>
		runNode(harness, { parameters: { resource: 'group', ...parameters } as never, items, credentialId: 'k2', continueOnFail });
	const route = (name: string) => sandbox.stats().byRoute[name] ?? 0;

	/** Reads cap members at 100, so membership is checked per user with a members filter. */
	async function memberIdsOf(groupId: string, candidates: string[]): Promise<string[]> {
		const members: string[] = [];
		for (const id of candidates) {
			const filter = encodeURIComponent(`members.value eq "${id}"`);
			const { body } = await scim.request('GET', `/Groups?filter=${filter}&excludedAttributes=members`);
			if (body.Resources.some((g: { id: string }) => g.id === groupId)) members.push(id);
		}
		return members;
	}

	beforeAll(async () => {
		({ sandbox, harness, scim } = k2);
		for (let i = 0; i < 250; i++) ids.push((await scim.createUser(`user${i}@example.com`)).id);
		staff = (await scim.createGroup('All Staff')).id;
	});

	test('250 input items adding one member each to one group are exactly 3 PATCH requests', async () => {
		const { output, error } = await run(
			{ operation: 'addMembers', group: byId(staff), memberReference: 'id', members: '={{ $json.userId }}' },
			ids.map((userId) => ({ userId })),
		);
		assert.equal(error, undefined);
		assert.equal(route('PATCH /Groups/:id'), 3);
		assert.equal(route('GET /Groups/:id'), 1, 'one read of who is a member already');
		assert.equal(sandbox.stats().total, 4, 'no user lookups when members are given by ID');
		assert.equal(output!.length, 250);
		output!.forEach((item, index) => {
			assert.deepEqual(item.json, { groupId: staff, groupDisplayName: 'All Staff', added: [ids[index]], alreadyMembers: [] });
			assert.deepEqual(item.pairedItem, { item: index });
		});
		assert.equal((await memberIdsOf(staff, ids)).length, 250);

		// A read shows 100 of them and says the list is cut.
		const read = await run({ operation: 'get', group: byId(staff) });
		assert.equal(read.output![0].json.memberCount, 100);
		assert.equal(read.output![0].json.membersTruncated, true);
	});

	test('Remove Members: 120 items are 2 PATCH requests and leave the other 130 members', async () => {
		const removed = ids.slice(0, 120);
		const { output, error } = await run(
			{ operation: 'removeMembers', group: byName('all staff'), memberReference: 'id', members: '={{ $json.userId }}' },
			removed.map((userId) => ({ userId })),
		);
		assert.equal(error, undefined);
		assert.equal(route('PATCH /Groups/:id'), 2);
		assert.equal(route('GET /Groups'), 1, 'one lookup of the display name for all 120 items');
		assert.deepEqual(output![0].json, { groupId: staff, groupDisplayName: 'All Staff', removed: [ids[0]], notMembers: [] });
		const left = await memberIdsOf(staff, ids);
		assert.equal(left.length, 130);
		assert.ok(removed.every((id) => !left.includes(id)));
	});

	test('members given by userName are looked up once each, and items for different groups go to their own group', async () => {
		const a = (await scim.createGroup('Team A')).id;
		const b = (await scim.createGroup('Team B')).id;
		sandbox.resetStats();
		const { output, error } = await run(
			{ operation: 'addMembers', group: '={{ { __rl: true, mode: "displayName", value: $json.team } }}', memberReference: 'userName', members: '={{ $json.users }}' },
			[
				{ team: 'Team A', users: 'user1@example.com, user2@example.com' },
				{ team: 'Team B', users: ['USER2@example.com'] },
				{ team: 'Team A', users: 'user3@example.com' },
			],
		);
		assert.equal(error, undefined);
		assert.equal(route('PATCH /Groups/:id'), 2, 'one PATCH per group');
		assert.equal(route('GET /Users'), 3, 'one lookup per distinct userName (case-insensitive)');
		assert.equal(route('GET /Groups'), 2);
		assert.deepEqual(output!.map((i) => i.json.added), [[ids[1], ids[2]], [ids[2]], [ids[3]]]);
		assert.deepEqual((await memberIdsOf(a, ids.slice(0, 5))).sort(), [ids[1], ids[2], ids[3]].sort());
		assert.deepEqual(await memberIdsOf(b, ids.slice(0, 5)), [ids[2]]);
	});

	test('an unknown userName fails its item before any write; with Continue On Fail the others go through', async () => {
		const group = (await scim.createGroup('Ghosts')).id;
		const params = { operation: 'addMembers', group: byId(group), memberReference: 'userName', members: '={{ $json.u }}' };
		const items = [{ u: 'user10@example.com' }, { u: 'ghost@example.com' }, { u: 'user11@example.com' }];

		sandbox.resetStats();
		const failed = await run(params, items);
		assert.match(failed.error!.message, /No K2 user with userName "ghost@example.com"/);
		assert.equal(route('PATCH /Groups/:id'), 0, 'nothing written when the run stops');

		sandbox.resetStats();
		const { output, error } = await run(params, items, true);
		assert.equal(error, undefined);
		assert.equal(output!.length, 3);
		assert.deepEqual(output![0].json.added, [ids[10]]);
		assert.match(String(output![1].json.error), /No K2 user with userName "ghost@example.com"/);
		assert.deepEqual(output![1].pairedItem, { item: 1 });
		assert.deepEqual(output![2].json.added, [ids[11]]);
		assert.equal(route('PATCH /Groups/:id'), 1);
		assert.deepEqual((await memberIdsOf(group, ids.slice(9, 13))).sort(), [ids[10], ids[11]].sort());
	});

	test('an unknown user ID fails only the item that gave it', async () => {
		const group = (await scim.createGroup('Mixed')).id;
		sandbox.resetStats();
		const { output, error } = await run(
			{ operation: 'addMembers', group: byId(group), memberReference: 'id', members: '={{ $json.id }}' },
			[{ id: ids[20] }, { id: 'no-such-user' }, { id: ids[21] }],
			true,
		);
		assert.equal(error, undefined);
		assert.deepEqual(output![0].json.added, [ids[20]]);
		assert.match(String(output![1].json.error), /No K2 user with ID "no-such-user"/);
		assert.deepEqual(output![2].json.added, [ids[21]]);
		assert.deepEqual((await memberIdsOf(group, ids.slice(19, 23))).sort(), [ids[20], ids[21]].sort());
	});

	test('an empty Members field is an item error; an unknown group fails its items with a clear 404', async () => {
		const { output } = await run(
			{ operation: 'addMembers', group: '={{ { __rl: true, mode: "id", value: $json.g } }}', memberReference: 'id', members: '={{ $json.m }}' },
			[{ g: staff, m: '' }, { g: 'missing-group', m: ids[0] }],
			true,
		);
		assert.match(String(output![0].json.error), /^Members is empty/);
		assert.match(String(output![1].json.error), /group "missing-group" was not found/);
	});
});
