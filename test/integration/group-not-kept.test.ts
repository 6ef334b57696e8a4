// A K2 that keeps users' External IDs but drops groups' (the strict profile's guess): Group >
// Create or Update learns it from K2's answer to its own write, says so, remembers it, and a re-run
// sends no write for it, whether K2 answers a PATCH with the group or with 204 and no body.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import { MAX_RETRIES } from '../../nodes/K2Scim/transport/retry';
import { STRICT_PROFILE } from '../../sandbox/profile';
import { count, useK2, writes } from '../support/fixture';
import { connectThrough, startScimProxy } from '../support/scim-proxy';
import type { ScimProxy } from '../support/scim-proxy';

const groupParameters = (displayName: string, externalId: string, members = '') => ({
	resource: 'group',
	operation: 'createOrUpdate',
	memberReference: 'userName',
	displayName,
	members,
	additionalFields: { externalId },
});

/** What the node remembers between runs (n8n keeps a node's static data under `node:<name>`). */
const remembered = (staticData: IDataObject) => (staticData['node:K2 SCIM'] ?? {}) as IDataObject;

for (const patchAnswer of ['200', '204'] as const) {
	describe(`K2 drops groups' External IDs (PATCH answered with ${patchAnswer})`, () => {
		const k2 = useK2({ profile: { storedAttributes: STRICT_PROFILE.storedAttributes, patchAnswer }, reset: 'data' });

		test('a created group: learned from the create, reported as K2 holds it, and a re-run writes nothing', async () => {
			const staticData: IDataObject = {};
			const created = await k2.run(groupParameters('Finance', 'G-1'), undefined, { staticData });
			assert.equal(created.error, undefined, created.error?.message);
			assert.equal(created.output![0].json.status, 'created');
			assert.equal(created.output![0].json.externalId, null, 'K2 holds no External ID: the output does not claim one');
			assert.deepEqual(Object.keys((remembered(staticData).groupNotKeptByK2 ?? {}) as IDataObject), ['externalId'], 'remembered for the next run');
			assert.equal(remembered(staticData).notKeptByK2, undefined, "users' knowledge untouched");

			k2.sandbox.resetStats();
			const again = await k2.run(groupParameters('Finance', 'G-1'), undefined, { staticData });
			assert.equal(again.error, undefined, again.error?.message);
			assert.equal(again.output![0].json.status, 'unchanged');
			assert.equal(writes(k2.sandbox), 0, 'no PATCH for an External ID K2 does not keep');
		});

		test('an existing group: one PATCH teaches it (from the answer, or one read after a 204), then no more writes', async () => {
			await k2.scim.createGroup('Sales');
			const staticData: IDataObject = {};
			const first = await k2.run(groupParameters('Sales', 'G-2'), undefined, { staticData });
			assert.equal(first.error, undefined, first.error?.message);
			assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1);
			assert.equal(first.output![0].json.status, 'unchanged', 'K2 did not keep it: nothing changed');
			assert.equal(first.output![0].json.externalId, null);
			assert.ok(remembered(staticData).groupNotKeptByK2, 'learned in the first run');

			for (const run of [2, 3]) {
				k2.sandbox.resetStats();
				const again = await k2.run(groupParameters('Sales', 'G-2'), undefined, { staticData });
				assert.equal(again.error, undefined, again.error?.message);
				assert.equal(again.output![0].json.status, 'unchanged', `run ${run}`);
				assert.equal(writes(k2.sandbox), 0, `run ${run}: no write`);
			}
		});

		test('an External ID that went with a member change is learned from one read; members still added', async () => {
			const ada = await k2.scim.createUser('ada@example.com');
			const group = await k2.scim.createGroup('Ops');
			const staticData: IDataObject = {};
			const first = await k2.run(groupParameters('Ops', 'G-3', 'ada@example.com'), undefined, { staticData });
			assert.equal(first.error, undefined, first.error?.message);
			assert.equal(first.output![0].json.status, 'updated');
			assert.deepEqual(first.output![0].json.added, [ada.id]);
			assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1, 'one PATCH for the member and the External ID');
			assert.ok(remembered(staticData).groupNotKeptByK2, 'learned from the read after the PATCH');
			const members = (await k2.scim.request('GET', `/Groups/${group.id}`)).body.members.map((m: { value: string }) => m.value);
			assert.deepEqual(members, [ada.id]);

			k2.sandbox.resetStats();
			const again = await k2.run(groupParameters('Ops', 'G-3', 'ada@example.com'), undefined, { staticData });
			assert.equal(again.output![0].json.status, 'unchanged');
			assert.equal(writes(k2.sandbox), 0);
		});
	});
}

describe('K2 keeps groups\' External IDs again', () => {
	const k2 = useK2();

	test('a remembered "not kept" is forgotten as soon as a listed group holds one, and compared again', async () => {
		await k2.scim.request('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Legal', externalId: 'L-0' });
		const staticData: IDataObject = { 'node:K2 SCIM': { groupNotKeptByK2: { externalId: '2026-01-01T00:00:00.000Z' } } };
		const run = await k2.run(groupParameters('Legal', 'L-1'), undefined, { staticData });
		assert.equal(run.error, undefined, run.error?.message);
		assert.equal(run.output![0].json.status, 'updated');
		assert.equal(run.output![0].json.externalId, 'L-1');
		assert.equal(remembered(staticData).groupNotKeptByK2, undefined, 'forgotten');
		const read = await k2.scim.request('GET', `/Groups/${run.output![0].json.id}`);
		assert.equal(read.body.externalId, 'L-1');
	});
});

describe('the strict profile (PATCH answered 204, a 500 ms staging lag): learned from a read that waits for the write to show', () => {
	const k2 = useK2({ profile: STRICT_PROFILE, reset: 'data' });

	test("a group's External ID: one PATCH in the first run, none after", async () => {
		await k2.scim.createGroup('Audit');
		await k2.sandbox.settled();
		const staticData: IDataObject = {};
		const first = await k2.run(groupParameters('Audit', 'G-9'), undefined, { staticData });
		assert.equal(first.error, undefined, first.error?.message);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1);
		assert.ok(remembered(staticData).groupNotKeptByK2, 'learned although the first read showed the group from before the write');
		await k2.sandbox.settled();
		k2.sandbox.resetStats();
		const again = await k2.run(groupParameters('Audit', 'G-9'), undefined, { staticData });
		assert.equal(again.output![0].json.status, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
	});

	test("a user's title (Create or Update on a user K2 already had): one PATCH in the first run, none after", async () => {
		await k2.scim.createUser('eve@example.com');
		await k2.sandbox.settled();
		const parameters = { resource: 'user', operation: 'createOrUpdate', userName: 'eve@example.com', additionalFields: { title: 'Auditor' } };
		const staticData: IDataObject = {};
		const first = await k2.run(parameters, undefined, { staticData });
		assert.equal(first.error, undefined, first.error?.message);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		assert.deepEqual(Object.keys((remembered(staticData).notKeptByK2 ?? {}) as IDataObject), ['title']);
		await k2.sandbox.settled();
		k2.sandbox.resetStats();
		const again = await k2.run(parameters, undefined, { staticData });
		assert.equal(again.error, undefined, again.error?.message);
		assert.equal(again.output![0].json.action, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
	});
});

describe('a K2 that keeps External IDs, with a staging lag (PATCH answered 204): a read that shows an earlier write is no proof', () => {
	const k2 = useK2({ profile: { patchAnswer: '204', readAfterWriteLagMs: 1200 } });

	test("another write to the group still in K2's staging when the node looks it up: the External ID is kept, reported and compared again", async () => {
		const ada = await k2.scim.createUser('ada@example.com');
		const group = await k2.scim.createGroup('Payroll');
		await k2.sandbox.settled();
		// Another workflow adds a member just before this one runs: the node's lookup sees the group
		// from before that write, and a read after its own PATCH may show that write but not its own.
		await k2.scim.request('PATCH', `/Groups/${group.id}`, {
			schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
			Operations: [{ op: 'add', path: 'members', value: [{ value: ada.id }] }],
		});
		await new Promise((resolve) => setTimeout(resolve, 300));
		const staticData: IDataObject = {};
		const run = await k2.run(groupParameters('Payroll', 'P-1'), undefined, { staticData });
		assert.equal(run.error, undefined, run.error?.message);
		assert.deepEqual([run.output![0].json.status, run.output![0].json.externalId], ['updated', 'P-1'], 'the output says what K2 holds');
		assert.equal(remembered(staticData).groupNotKeptByK2, undefined, 'K2 keeps groups\' External IDs: nothing learned as dropped');
		await k2.sandbox.settled();
		const read = await k2.scim.request('GET', `/Groups/${group.id}`);
		assert.equal(read.body.externalId, 'P-1', 'K2 holds it');

		// The next run, for a group that holds no External ID yet, still sends one.
		const audit = await k2.scim.createGroup('Audit');
		await k2.sandbox.settled();
		const next = await k2.run(groupParameters('Audit', 'A-1'), undefined, { staticData });
		assert.equal(next.error, undefined, next.error?.message);
		assert.deepEqual([next.output![0].json.status, next.output![0].json.externalId], ['updated', 'A-1']);
		await k2.sandbox.settled();
		assert.equal((await k2.scim.request('GET', `/Groups/${audit.id}`)).body.externalId, 'A-1');
	});

	test("the same for a user's title (Create or Update): another write still in staging does not make it 'not kept'", async () => {
		const eve = await k2.scim.createUser('eve@example.com');
		await k2.sandbox.settled();
		await k2.scim.request('PATCH', `/Users/${eve.id}`, {
			schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
			Operations: [{ op: 'replace', path: 'displayName', value: 'Eve' }],
		});
		await new Promise((resolve) => setTimeout(resolve, 300));
		const staticData: IDataObject = {};
		const parameters = { resource: 'user', operation: 'createOrUpdate', userName: 'eve@example.com', additionalFields: { title: 'Auditor' } };
		const run = await k2.run(parameters, undefined, { staticData });
		assert.equal(run.error, undefined, run.error?.message);
		assert.equal(remembered(staticData).notKeptByK2, undefined, 'K2 keeps titles: nothing learned as dropped');
		await k2.sandbox.settled();
		assert.equal((await k2.scim.request('GET', `/Users/${eve.id}`)).body.title, 'Auditor');
	});

	test('an attribute the resource already held is kept by K2: changing it costs no read and no staging wait', async () => {
		const max = await k2.scim.createUser('max@example.com', { title: 'Clerk' });
		const group = await k2.scim.request('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Treasury', externalId: 'T-0' });
		await k2.sandbox.settled();
		k2.sandbox.resetStats();
		const user = await k2.run({ resource: 'user', operation: 'createOrUpdate', userName: 'max@example.com', additionalFields: { title: 'Treasurer' } });
		assert.equal(user.error, undefined, user.error?.message);
		const renamed = await k2.run(groupParameters('Treasury', 'T-1'));
		assert.equal(renamed.error, undefined, renamed.error?.message);
		assert.deepEqual([renamed.output![0].json.status, renamed.output![0].json.externalId], ['updated', 'T-1']);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id') + count(k2.sandbox, 'PATCH /Groups/:id'), 2);
		assert.equal(count(k2.sandbox, 'GET /Users/:id') + count(k2.sandbox, 'GET /Groups/:id'), 0, 'no read back: K2 held a title and an External ID before');
		await k2.sandbox.settled();
		assert.equal((await k2.scim.request('GET', `/Users/${max.id}`)).body.title, 'Treasurer');
		assert.equal((await k2.scim.request('GET', `/Groups/${group.body.id}`)).body.externalId, 'T-1');
	});
});

describe('a read after a 204 that K2 fails: learning stops there', () => {
	const k2 = useK2({ profile: { patchAnswer: '204' } });

	test('one read (with its retries), not one per staging wait; the write is reported, nothing is learned', async () => {
		await k2.scim.createGroup('Finance');
		k2.sandbox.resetStats();
		k2.sandbox.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 0, only: ['GET /Groups/:id'] });
		const staticData: IDataObject = {};
		const run = await k2.run(groupParameters('Finance', 'F-1'), undefined, { staticData });
		k2.sandbox.setFaults({ rate: 0 });
		assert.equal(run.error, undefined, run.error?.message);
		assert.deepEqual([run.output![0].json.status, run.output![0].json.externalId], ['updated', 'F-1']);
		assert.equal(remembered(staticData).groupNotKeptByK2, undefined);
		assert.equal(count(k2.sandbox, 'GET /Groups/:id'), MAX_RETRIES + 1, 'the read K2 failed is not sent again after each staging wait');
	});
});

describe('a K2 that sends no meta (PATCH answered 204): the read after every staging wait is believed', () => {
	const k2 = useK2({ profile: { storedAttributes: STRICT_PROFILE.storedAttributes, patchAnswer: '204' }, reset: 'data' });
	let proxy: ScimProxy;
	beforeAll(async () => {
		proxy = await startScimProxy(k2.sandbox.scimBaseUrl);
		await connectThrough(k2, proxy, 'no-meta');
		// Every read answered by the proxy: the sandbox's answer without meta.
		proxy.before = async (_route, request) => {
			if (request.method !== 'GET') return;
			const read = await k2.scim.request('GET', request.url.replace(/^\/tokens\/[^/]+\/scim\/v2/, ''));
			const strip = (resource: Record<string, unknown>) => {
				delete resource.meta;
				return resource;
			};
			if (Array.isArray(read.body?.Resources)) read.body.Resources.forEach(strip);
			else if (read.body && typeof read.body === 'object') strip(read.body);
			return { status: read.status, headers: { 'content-type': 'application/scim+json' }, body: JSON.stringify(read.body) };
		};
	});
	afterAll(async () => proxy?.close());

	test("an existing group's External ID K2 drops: one PATCH in the first run, none after", async () => {
		await k2.scim.createGroup('NoMeta');
		const staticData: IDataObject = {};
		const first = await k2.run(groupParameters('NoMeta', 'N-1'), undefined, { staticData, credentialId: 'no-meta' });
		assert.equal(first.error, undefined, first.error?.message);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1);
		assert.ok(remembered(staticData).groupNotKeptByK2, 'learned without meta');
		k2.sandbox.resetStats();
		const again = await k2.run(groupParameters('NoMeta', 'N-1'), undefined, { staticData, credentialId: 'no-meta' });
		assert.equal(again.output![0].json.status, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
	});

	test("a user's External ID K2 keeps: learned as kept from the read, compared again next time", async () => {
		await k2.scim.createUser('meta@example.com');
		const parameters = { resource: 'user', operation: 'createOrUpdate', userName: 'meta@example.com', additionalFields: { externalId: 'M-1' } };
		const staticData: IDataObject = {};
		const first = await k2.run(parameters, undefined, { staticData, credentialId: 'no-meta' });
		assert.equal(first.error, undefined, first.error?.message);
		assert.equal(remembered(staticData).notKeptByK2, undefined, 'kept: nothing remembered');
		const changed = await k2.run({ ...parameters, additionalFields: { externalId: 'M-2' } }, undefined, { staticData, credentialId: 'no-meta' });
		assert.equal(changed.output![0].json.action, 'updated', 'still compared');
		assert.equal((await k2.scim.listUsers()).find((u: { userName: string }) => u.userName === 'meta@example.com')?.externalId, 'M-2');
	});
});
