// A group create whose answer is lost after K2 applied it: looked up by display name before any
// re-send, its members still added, and reported once. The loss is real: a loopback proxy in
// front of the sandbox forwards the POST, lets the sandbox apply it, then drops the connection.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from '@jest/globals';

import { count, useK2 } from '../support/fixture';
import { connectThrough, startScimProxy } from '../support/scim-proxy';

/**
 * Forwards to `target`; the next `drops` POSTs to /Groups are applied, then their connection is
 * cut; while `refusePatches` is set, PATCHes are answered 403 without reaching the sandbox.
 */
async function droppingProxy(target: string) {
	const state = { drops: 0, dropped: 0, refusePatches: false };
	const proxy = await startScimProxy(target);
	proxy.before = (_route, request) => {
		if (request.method === 'PATCH' && state.refusePatches) {
			return {
				status: 403,
				headers: { 'content-type': 'application/scim+json' },
				body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403', detail: 'Refused by the test proxy' }),
			};
		}
		if (request.method !== 'POST' || !/\/Groups$/.test(request.url) || state.drops === 0) return;
		state.drops--;
		state.dropped++;
		return 'drop';
	};
	return Object.assign(proxy, { state });
}

describe('Group create with a lost answer', () => {
	const k2 = useK2({ reset: 'stats' });
	let proxy: Awaited<ReturnType<typeof droppingProxy>>;
	const users: string[] = [];

	beforeAll(async () => {
		for (let i = 0; i < 150; i++) users.push((await k2.scim.createUser(`lost${i}@example.com`)).id);
		proxy = await droppingProxy(k2.sandbox.scimBaseUrl);
		await connectThrough(k2, proxy, 'proxied', 'K2 through a dropping proxy');
	});
	afterAll(async () => proxy?.close());

	const groupsNamed = async (name: string) =>
		(await k2.scim.request('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.Resources;

	test('Create: one group, with all its members, reported as created', async () => {
		proxy.state.drops = 1;
		const { output, error } = await k2.run(
			{ resource: 'group', operation: 'create', displayName: 'Lost Create', memberReference: 'id', members: users.slice(0, 3).join(',') },
			undefined,
			{ credentialId: 'proxied' },
		);
		assert.equal(error, undefined, error?.message);
		assert.equal(proxy.state.dropped, 1, 'the answer was really lost');
		assert.equal(count(k2.sandbox, 'POST /Groups'), 1, 'no re-send: the lookup found it');
		const found = await groupsNamed('Lost Create');
		assert.equal(found.length, 1, 'no duplicate');
		assert.equal(output![0].json.id, found[0].id);
		assert.equal(found[0].members.length, 3);
	});

	test('Create or Update: a new group of 150 members, its create lost, ends with all 150 and says created', async () => {
		proxy.state.drops = 1;
		proxy.state.dropped = 0;
		const { output, error } = await k2.run(
			{ resource: 'group', operation: 'createOrUpdate', displayName: 'Lost Upsert', memberReference: 'id', members: '={{ $json.m }}' },
			users.map((m) => ({ m })),
			{ credentialId: 'proxied' },
		);
		assert.equal(error, undefined, error?.message);
		assert.equal(proxy.state.dropped, 1);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 1);
		const found = await groupsNamed('Lost Upsert');
		assert.equal(found.length, 1, 'no duplicate');
		assert.equal(output!.length, 150);
		assert.equal(output![0].json.status, 'created');
		assert.ok(output!.every((o) => o.json.error === undefined));
		for (const id of [users[0], users[99], users[100], users[149]]) {
			const groups = (await k2.scim.request('GET', `/Users/${id}`)).body.groups ?? [];
			assert.ok(groups.some((g: { value: string }) => g.value === found[0].id), `${id} is a member`);
		}
	});

	test('a member PATCH that fails is an error for its items, saying the group exists and what is missing', async () => {
		proxy.state.refusePatches = true;
		try {
			const create = await k2.run(
				{ resource: 'group', operation: 'create', displayName: 'Half Created', memberReference: 'id', members: users.join(',') },
				undefined,
				{ credentialId: 'proxied', continueOnFail: true },
			);
			assert.equal(create.output!.length, 1);
			assert.match(String(create.output![0].json.error), /^150 members not added \(.*\): /);
			assert.match(String(create.output![0].json.description), /^The group was created \(ID .+\)\. No member of this item was added to group "Half Created"\./);

			const upsert = await k2.run(
				{ resource: 'group', operation: 'createOrUpdate', displayName: 'Half Upserted', memberReference: 'id', members: '={{ $json.m }}' },
				users.map((m) => ({ m })),
				{ credentialId: 'proxied', continueOnFail: true },
			);
			const failed = upsert.output!.filter((o) => o.json.error !== undefined);
			assert.equal(failed.length, 50, 'the 50 members beyond the create failed, the 100 in it did not');
			assert.deepEqual(failed.map((o) => (o.pairedItem as { item: number }).item), Array.from({ length: 50 }, (_, i) => 100 + i));
			assert.match(String(failed[0].json.description), /The group was created/);

			const stopped = await k2.run(
				{ resource: 'group', operation: 'createOrUpdate', displayName: 'Half Upserted', memberReference: 'id', members: '={{ $json.m }}' },
				users.map((m) => ({ m })),
				{ credentialId: 'proxied' },
			);
			// Without Continue On Fail the node fails after attempting all items, counting the 50 failures.
			assert.match(String(stopped.error?.message), /^50 of 150 items failed: 1 member not added/);
			assert.match(String(stopped.error?.description), /^Failed: item 100: .*; and 45 more\. The other 100 items were applied\./);
		} finally {
			proxy.state.refusePatches = false;
		}
	});
});
