// Another execution creates the same group between our lookup and our create: Create or Update
// answers K2's 409 by looking the group up and updating it; plain Create reports the 409. Both
// races are real: a loopback proxy in front of the sandbox seeds the group just before our POST
// reaches K2, or holds two executions' lookups until both have asked, so both see no group.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, test } from '@jest/globals';

import { count, useK2 } from '../support/fixture';
import { connectThrough, startScimProxy } from '../support/scim-proxy';

/** Forwards to `target`, after awaiting `state.before(method, url)` when set. */
async function hookingProxy(target: string) {
	const state: { before?: (method: string, url: string) => Promise<void> } = {};
	const proxy = await startScimProxy(target);
	proxy.before = async (_route, request) => {
		await state.before?.(request.method, request.url);
	};
	return Object.assign(proxy, { state });
}

const isGroupCreate = (method: string, url: string) => method === 'POST' && /\/Groups$/.test(url);
const isGroupLookup = (method: string, url: string) => method === 'GET' && /\/Groups\?filter=/.test(url);

describe('Group create racing another execution', () => {
	const k2 = useK2({ reset: 'stats' });
	let proxy: Awaited<ReturnType<typeof hookingProxy>>;
	const users: string[] = [];
	const run = (parameters: Record<string, unknown>, continueOnFail = false) =>
		k2.run({ resource: 'group', memberReference: 'id', ...parameters }, undefined, { credentialId: 'proxied', continueOnFail });
	const groupsNamed = async (name: string) =>
		(await k2.scim.request('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.Resources ?? [];
	const membersOf = (group: { members?: Array<{ value: string }> }) => (group.members ?? []).map((m) => m.value).sort();

	beforeAll(async () => {
		for (let i = 0; i < 6; i++) users.push((await k2.scim.createUser(`race${i}@example.com`)).id);
		proxy = await hookingProxy(k2.sandbox.scimBaseUrl);
		await connectThrough(k2, proxy, 'proxied', 'K2 through a racing proxy');
	});
	afterAll(async () => proxy?.close());
	beforeEach(() => {
		proxy.state.before = undefined;
	});

	/** The next group POST finds `name` already created (with `members`) by someone else. */
	const seedBeforeCreate = (name: string, members: string[]) => {
		let seeded = false;
		proxy.state.before = async (method, url) => {
			if (seeded || !isGroupCreate(method, url)) return;
			seeded = true;
			await k2.scim.createGroup(name, members);
		};
	};

	test('Create or Update: a 409 on the first create becomes an update of the group the other execution made', async () => {
		seedBeforeCreate('Raced Upsert', [users[0]]);
		const { output, error } = await run({
			operation: 'createOrUpdate',
			displayName: 'Raced Upsert',
			members: `${users[0]}, ${users[1]}, ${users[2]}`,
			additionalFields: { externalId: 'race-1' },
		});
		assert.equal(error, undefined, error?.message);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 2, 'the seed, then our create, which K2 refused with 409');
		const found = await groupsNamed('Raced Upsert');
		assert.equal(found.length, 1, 'no duplicate');
		assert.deepEqual(membersOf(found[0]), [users[0], users[1], users[2]].sort(), 'our members were added, theirs kept');
		assert.equal(found[0].externalId, 'race-1');
		assert.equal(output!.length, 1);
		assert.deepEqual(
			{ ...output![0].json, added: (output![0].json.added as string[]).sort() },
			{ status: 'updated', id: found[0].id, displayName: 'Raced Upsert', externalId: 'race-1', added: [users[1], users[2]].sort(), alreadyMembers: [users[0]] },
		);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1, 'members and External ID in one PATCH');
	});

	test('Create or Update: when the group made by the other execution already holds our members, nothing more is written', async () => {
		seedBeforeCreate('Raced Same', [users[3]]);
		const { output, error } = await run({ operation: 'createOrUpdate', displayName: 'Raced Same', members: users[3] });
		assert.equal(error, undefined, error?.message);
		assert.equal(output![0].json.status, 'unchanged');
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 0);
	});

	test('plain Create reports the 409 clearly, and does not touch the other execution\'s group', async () => {
		seedBeforeCreate('Raced Create', [users[0]]);
		const { output, error } = await run({ operation: 'create', displayName: 'Raced Create', members: users[1] });
		assert.equal(output, undefined);
		assert.equal(error?.message, 'A group named "Raced Create" already exists in K2');
		assert.equal((error as unknown as { httpCode?: string }).httpCode, '409');
		const found = await groupsNamed('Raced Create');
		assert.equal(found.length, 1);
		assert.deepEqual(membersOf(found[0]), [users[0]]);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 0);

		const kept = await run({ operation: 'create', displayName: 'Raced Create', members: users[1] }, true);
		assert.match(String(kept.output![0].json.error), /already exists in K2/);
		assert.equal(kept.output![0].json.status, '409');
	});

	/** Holds the first `n` group lookups until all `n` have arrived: each execution sees no group. */
	const holdLookups = (n: number) => {
		const state = { held: 0 };
		let waiting: Array<() => void> = [];
		proxy.state.before = async (method, url) => {
			if (!isGroupLookup(method, url) || state.held >= n) return;
			state.held++;
			await new Promise<void>((resolve) => {
				waiting.push(resolve);
				if (waiting.length === n) {
					for (const release of waiting) release();
					waiting = [];
				}
			});
		};
		return state;
	};

	test('two executions create the same new group at once: one group, both succeed, every member of both is in it', async () => {
		const held = holdLookups(2);
		const [a, b] = await Promise.all([
			run({ operation: 'createOrUpdate', displayName: 'Raced Pair', members: `${users[0]}, ${users[1]}` }),
			run({ operation: 'createOrUpdate', displayName: 'Raced Pair', members: `${users[4]}, ${users[5]}` }),
		]);
		assert.equal(a.error, undefined, a.error?.message);
		assert.equal(b.error, undefined, b.error?.message);
		assert.equal(held.held, 2);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 2, 'both sent a create; K2 took one');
		const found = await groupsNamed('Raced Pair');
		assert.equal(found.length, 1, 'no duplicate');
		assert.deepEqual(membersOf(found[0]), [users[0], users[1], users[4], users[5]].sort());
		assert.deepEqual([a.output![0].json.status, b.output![0].json.status].sort(), ['created', 'updated']);
		assert.equal(a.output![0].json.id, found[0].id);
		assert.equal(b.output![0].json.id, found[0].id);
	});

	test('six executions, one member each, create the same new group at once: one group with all six', async () => {
		holdLookups(6);
		const runs = await Promise.all(users.map((member) => run({ operation: 'createOrUpdate', displayName: 'Raced Six', members: member })));
		for (const r of runs) assert.equal(r.error, undefined, r.error?.message);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 6);
		const found = await groupsNamed('Raced Six');
		assert.equal(found.length, 1, 'no duplicate');
		assert.deepEqual(membersOf(found[0]), [...users].sort(), 'no membership lost');
		const statuses = runs.map((r) => r.output![0].json.status).sort();
		assert.deepEqual(statuses, ['created', 'updated', 'updated', 'updated', 'updated', 'updated']);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 5, 'the five that lost the race each added their member');
	});
});
