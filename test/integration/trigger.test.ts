// The K2 SCIM Trigger polled the way n8n polls it (a PollContext from n8n-core, the workflow's
// static data carried from poll to poll) against the sandbox over HTTP, with a real PKCE credential.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import { clearOwnWrites } from '../../nodes/K2Scim/transport/ownWrites';
import type { Sandbox } from '../../sandbox';
import { useK2 } from '../support/fixture';
import type { K2Fixture } from '../support/fixture';
import { connectThrough, startScimProxy } from '../support/scim-proxy';
import type { ScimProxy } from '../support/scim-proxy';
import type { ScimClient } from '../support/scim-client';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ALL = { events: ['userCreated', 'userChanged', 'userDeactivated', 'userReactivated', 'userDeleted', 'groupCreated', 'groupChanged', 'groupDeleted', 'membershipAdded', 'membershipRemoved'] };

describe('K2 SCIM Trigger against the sandbox', () => {
	const k2 = useK2();
	let sandbox: Sandbox;
	let scim: ScimClient;
	let proxy: ScimProxy;

	const events = (result: Awaited<ReturnType<K2Fixture['poll']>>) => (result ? result[0].map((item) => item.json) : []);
	const label = (e: IDataObject) => `${e.event} ${e.event === 'membershipAdded' || e.event === 'membershipRemoved' ? `${e.displayName}/${e.userName}` : (e.userName ?? e.displayName)}`;
	const patch = async (path: string, Operations: unknown[]) => {
		const { status, body } = await scim.request('PATCH', path, { schemas: [PATCH], Operations });
		assert.equal(status, 200, JSON.stringify(body));
	};

	beforeAll(async () => {
		({ sandbox, scim } = k2);
		proxy = await startScimProxy(sandbox.scimBaseUrl);
		await connectThrough(k2, proxy, 'proxied');
	});
	afterAll(async () => proxy?.close());

	test('the first poll records the baseline and emits nothing; no change, no event; each change once, with old and new values', async () => {
		const ada = await scim.createUser('ada@trigger.test', { name: { givenName: 'Ada', familyName: 'Lovelace' }, title: 'Analyst' });
		const bob = await scim.createUser('bob@trigger.test');
		const gone = await scim.createUser('gone@trigger.test');
		const finance = await scim.createGroup('Trigger Finance', [ada.id, gone.id]);
		const old = await scim.createGroup('Trigger Old');
		const staticData: IDataObject = {};

		assert.equal(await k2.poll(ALL, staticData), null, 'baseline');
		const stored = staticData['node:K2 SCIM Trigger'] as IDataObject;
		assert.ok(stored?.snapshot, 'the snapshot is in the node\'s static data');
		assert.equal(await k2.poll(ALL, staticData), null, 'nothing changed');

		sandbox.resetStats();
		await patch(`/Users/${ada.id}`, [
			{ op: 'replace', path: 'title', value: 'Manager' },
			{ op: 'add', path: `${ENTERPRISE}:department`, value: 'Finance' },
		]);
		await patch(`/Users/${bob.id}`, [{ op: 'replace', path: 'active', value: false }]);
		assert.equal((await scim.request('DELETE', `/Users/${gone.id}`)).status, 204);
		const cy = await scim.createUser('cy@trigger.test');
		await patch(`/Groups/${finance.id}`, [
			{ op: 'replace', path: 'displayName', value: 'Trigger Finance & Legal' },
			{ op: 'add', path: 'members', value: [{ value: cy.id }] },
			{ op: 'remove', path: `members[value eq "${ada.id}"]` },
		]);
		assert.equal((await scim.request('DELETE', `/Groups/${old.id}`)).status, 204);
		const fresh = await scim.createGroup('Trigger New', [bob.id]);

		const out = events(await k2.poll(ALL, staticData));
		assert.deepEqual(out.map(label).sort(), [
			'groupChanged Trigger Finance & Legal',
			'groupCreated Trigger New',
			'groupDeleted Trigger Old',
			'membershipAdded Trigger Finance & Legal/cy@trigger.test',
			'membershipAdded Trigger New/bob@trigger.test',
			'membershipRemoved Trigger Finance & Legal/ada@trigger.test',
			'userChanged ada@trigger.test',
			'userCreated cy@trigger.test',
			'userDeactivated bob@trigger.test',
			'userDeleted gone@trigger.test',
		]);
		const changed = out.find((e) => e.event === 'userChanged')!;
		assert.equal(changed.id, ada.id);
		assert.deepEqual(changed.changes, { title: { from: 'Analyst', to: 'Manager' }, department: { from: null, to: 'Finance' } });
		assert.deepEqual(changed.changedAttributes, ['title', 'department']);
		assert.equal((changed.user as IDataObject).givenName, 'Ada');
		const renamed = out.find((e) => e.event === 'groupChanged')!;
		assert.deepEqual(renamed.changes, { displayName: { from: 'Trigger Finance', to: 'Trigger Finance & Legal' } });
		assert.equal(out.find((e) => e.event === 'groupCreated')!.id, fresh.id);
		for (const e of out) assert.match(String(e.detectedAt), /^\d{4}-\d\d-\d\dT/);
		// Reads only: the listing (one page each) and one GET per resource the listing lacked (the deleted user and group).
		assert.equal(sandbox.stats().byRoute['GET /Users/:id'], 1);
		assert.equal(sandbox.stats().byRoute['GET /Groups/:id'], 1);

		assert.equal(await k2.poll(ALL, staticData), null, 'the same changes are not reported twice');
	});

	test('Events selects what comes out; the others are still recorded (not reported later)', async () => {
		const dee = await scim.createUser('dee@trigger.test');
		const staticData: IDataObject = {};
		const only = { events: ['userDeactivated'] };
		assert.equal(await k2.poll(only, staticData), null);
		await patch(`/Users/${dee.id}`, [{ op: 'replace', path: 'active', value: false }, { op: 'replace', path: 'title', value: 'Gone' }]);
		await scim.createUser('eve@trigger.test');
		assert.deepEqual(events(await k2.poll(only, staticData)).map(label), ['userDeactivated dee@trigger.test']);
		assert.equal(await k2.poll(ALL, staticData), null, 'the unselected changes were recorded too');
	});

	test('manual test without a baseline: one sample per selected event from real K2 data; static data untouched', async () => {
		const staticData: IDataObject = {};
		const out = events(await k2.poll({ events: ['userChanged', 'membershipAdded'] }, staticData, { mode: 'manual' }));
		assert.deepEqual(out.map((e) => e.event), ['userChanged', 'membershipAdded']);
		for (const e of out) assert.equal(e.sample, true);
		const users = await scim.listUsers();
		assert.ok(users.some((u) => u.id === out[0].id), 'the sample is a real K2 user');
		assert.equal((staticData['node:K2 SCIM Trigger'] as IDataObject | undefined)?.snapshot, undefined, 'a manual test stores no baseline');
	});

	test('manual test with a baseline: the changes since it, and the baseline stays for the active workflow', async () => {
		const staticData: IDataObject = {};
		await k2.poll(ALL, staticData);
		const before = JSON.stringify(staticData);
		await scim.createUser('manual@trigger.test');
		const out = events(await k2.poll(ALL, staticData, { mode: 'manual' }));
		assert.deepEqual(out.map(label), ['userCreated manual@trigger.test']);
		assert.equal(out[0].sample, undefined);
		assert.equal(JSON.stringify(staticData), before);
		assert.deepEqual(events(await k2.poll(ALL, staticData)).map(label), ['userCreated manual@trigger.test'], 'the active workflow still sees it');
	});

	test('Ignore Own Changes: the K2 SCIM node\'s writes are left out; a later change by someone else is not', async () => {
		clearOwnWrites();
		const fay = await scim.createUser('fay@trigger.test', { title: 'Clerk' });
		const ignoring: IDataObject = {};
		const reporting: IDataObject = {};
		const withOption = { ...ALL, options: { ignoreOwnChangesMinutes: 5 } };
		await k2.poll(withOption, ignoring);
		await k2.poll(ALL, reporting);

		const ran = await k2.run({ resource: 'user', operation: 'update', user: { __rl: true, mode: 'id', value: fay.id }, updateFields: { title: 'Lead' } });
		assert.equal(ran.error, undefined, ran.error?.message);
		const created = await k2.run({ resource: 'user', operation: 'create', userName: 'own@trigger.test', additionalFields: {} });
		assert.equal(created.error, undefined, created.error?.message);

		assert.equal(await k2.poll(withOption, ignoring), null, 'both writes were the package\'s own');
		assert.deepEqual(events(await k2.poll(ALL, reporting)).map(label).sort(), ['userChanged fay@trigger.test', 'userCreated own@trigger.test']);

		// Someone changes the user after the node did: K2's lastModified moves past the node's write.
		await new Promise((resolve) => setTimeout(resolve, 5));
		await patch(`/Users/${fay.id}`, [{ op: 'replace', path: 'title', value: 'Boss' }]);
		const out = events(await k2.poll(withOption, ignoring));
		assert.deepEqual(out.map(label), ['userChanged fay@trigger.test']);
		assert.deepEqual(out[0].changes, { title: { from: 'Lead', to: 'Boss' } });
		clearOwnWrites();
	});

	test('users without their groups: memberships from the groups\' members', async () => {
		sandbox.setUsersListGroups(false);
		try {
			const gil = await scim.createUser('gil@trigger.test');
			const group = await scim.createGroup('Trigger Members');
			const staticData: IDataObject = {};
			await k2.poll(ALL, staticData);
			await patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: gil.id }] }]);
			assert.deepEqual(events(await k2.poll(ALL, staticData)).map(label), ['membershipAdded Trigger Members/gil@trigger.test']);
		} finally {
			sandbox.setUsersListGroups(true);
		}
	});

	test('a failing listing throws the node\'s error with K2\'s detail; nothing is emitted and the snapshot stays', async () => {
		while ((await scim.listUsers()).length <= 100) await scim.createUser(`filler${Math.random().toString(36).slice(2, 8)}@trigger.test`);
		const staticData: IDataObject = {};
		await k2.poll(ALL, staticData, { credentialId: 'proxied' });
		const baseline = JSON.stringify(staticData);
		const victim = (await scim.listUsers())[150 % (await scim.listUsers()).length];
		assert.equal((await scim.request('DELETE', `/Users/${victim.id}`)).status, 204);
		// The second page fails for good (400 is not retried): a partial listing must not read as deletions.
		proxy.before = (route, request) =>
			route === 'GET /Users' && /startIndex=101/.test(request.url)
				? { status: 400, headers: { 'content-type': 'application/scim+json' }, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', detail: 'page two is broken' }) }
				: undefined;
		try {
			await assert.rejects(k2.poll(ALL, staticData, { credentialId: 'proxied' }), (error: Error & { httpCode?: string; description?: string }) => {
				assert.equal(error.constructor.name, 'NodeApiError');
				assert.match(`${error.message} ${error.description}`, /page two is broken/);
				return true;
			});
		} finally {
			proxy.before = () => undefined;
		}
		assert.equal(JSON.stringify(staticData), baseline, 'the snapshot is the one before the failed poll');
		assert.deepEqual(events(await k2.poll(ALL, staticData, { credentialId: 'proxied' })).map((e) => `${e.event} ${e.id}`), [`userDeleted ${victim.id}`]);
	});

	test('a listing that leaves out a user who still exists (moved between pages while read) reports no deletion', async () => {
		while ((await scim.listUsers()).length < 105) await scim.createUser(`filler${Math.random().toString(36).slice(2, 8)}@trigger.test`);
		const staticData: IDataObject = {};
		await k2.poll(ALL, staticData, { credentialId: 'proxied' });
		const hidden = (await scim.listUsers()).at(-1)!;
		let hides = 0;
		// The last page as K2 would send it when a user on it moved to an earlier page (one deleted
		// there) after the node had read that page: the user is in neither.
		proxy.before = async (route, request) => {
			if (route !== 'GET /Users' || !/startIndex=101(&|$)/.test(request.url)) return undefined;
			hides++;
			const { body } = await scim.request('GET', request.url.slice(request.url.indexOf('/Users')));
			body.Resources = body.Resources.filter((user: IDataObject) => user.id !== hidden.id);
			return { status: 200, headers: { 'content-type': 'application/scim+json' }, body: JSON.stringify(body) };
		};
		try {
			assert.equal(await k2.poll(ALL, staticData, { credentialId: 'proxied' }), null);
		} finally {
			proxy.before = () => undefined;
		}
		assert.equal(hides, 2, 'read again once, then left for the next poll');
		assert.equal(await k2.poll(ALL, staticData, { credentialId: 'proxied' }), null, 'and the user is no news after all');
	});
});
