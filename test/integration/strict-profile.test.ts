// The main flows against the strictest plausible K2 (sandbox/profile.ts STRICT_PROFILE: core
// attributes only, `eq` and `and` filters, totalResults of the page, 401 for a wrong token, PATCH
// 204, soft delete, a 500 ms staging lag), as the default sandbox runs them in the other suites.
import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import { STRICT_PROFILE } from '../../sandbox/profile';
import { useK2, writes } from '../support/fixture';

const byName = (value: string) => ({ __rl: true, mode: 'displayName', value });

function syncParameters(syncOptions: IDataObject = {}) {
	return {
		resource: 'user',
		operation: 'sync',
		userName: '={{ $json.mail }}',
		additionalFields: { externalId: '={{ $json.employeeId }}', givenName: '={{ $json.first }}', title: '={{ $json.title }}' },
		groupNames: '={{ $json.groups }}',
		syncOptions: { dryRun: false, ...syncOptions },
	};
}

function employees(n: number, change: (i: number) => IDataObject = () => ({})): IDataObject[] {
	return Array.from({ length: n }, (_, i) => ({
		mail: `s${String(i).padStart(4, '0')}@example.com`,
		employeeId: `S${i}`,
		first: `First${i}`,
		title: 'Engineer',
		groups: i % 2 ? 'Sales' : 'Finance',
		...change(i),
	}));
}

describe('the strict K2 profile', () => {
	const k2 = useK2({ profile: STRICT_PROFILE, reset: 'data' });

	test('Sync with groups over 130 users: created, then a re-run writes nothing; a leaver is deactivated; a rehire is reactivated', async () => {
		const staticData: IDataObject = {};
		const first = await k2.run(syncParameters({ output: 'summary' }), employees(130), { typeVersion: 2, staticData });
		assert.equal(first.error, undefined, first.error?.message);
		assert.equal((first.output![0].json.counts as IDataObject).created, 130);
		assert.deepEqual(first.output![0].json.notKeptByK2, ['title']);
		await k2.sandbox.settled();
		assert.equal((await k2.scim.listUsers()).length, 130);

		k2.sandbox.resetStats();
		const again = await k2.run(syncParameters({ output: 'summary' }), employees(130), { typeVersion: 2, staticData });
		assert.equal(again.error, undefined, again.error?.message);
		assert.equal(writes(k2.sandbox), 0, 'a re-run writes nothing');

		await k2.sandbox.settled();
		const left = await k2.run(syncParameters({ deprovision: 'deactivate' }), employees(129), { typeVersion: 2, staticData });
		assert.equal(left.error, undefined, left.error?.message);
		await k2.sandbox.settled();
		assert.equal((await k2.scim.findUser('s0129@example.com')).active, false);

		const back = await k2.run(syncParameters(), employees(130), { typeVersion: 2, staticData });
		assert.equal(back.error, undefined, back.error?.message);
		assert.equal(back.output!.find((item) => item.json.userName === 's0129@example.com')!.json.action, 'reactivated');
		await k2.sandbox.settled();
		assert.equal((await k2.scim.findUser('s0129@example.com')).active, true);
		assert.equal((await k2.scim.listUsers()).length, 130, 'never a second account');
	});

	test('Create or Update: created, updated, unchanged', async () => {
		const parameters = { resource: 'user', operation: 'createOrUpdate', userName: 'ann@example.com', additionalFields: { externalId: 'A1', givenName: '={{ $json.first }}' } };
		const created = await k2.run(parameters, [{ first: 'Ann' }], { typeVersion: 2 });
		assert.equal(created.output![0].json.action, 'created', created.error?.message);
		await k2.sandbox.settled();
		const updated = await k2.run(parameters, [{ first: 'Anne' }], { typeVersion: 2 });
		assert.equal(updated.output![0].json.action, 'updated', updated.error?.message);
		assert.equal(updated.output![0].json.givenName, 'Anne');
		await k2.sandbox.settled();
		k2.sandbox.resetStats();
		const same = await k2.run(parameters, [{ first: 'Anne' }], { typeVersion: 2 });
		assert.equal(same.output![0].json.action, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
	});

	test('groups: create, add 120 members, remove 30, rename, delete', async () => {
		const ids: string[] = [];
		for (let i = 0; i < 120; i++) ids.push((await k2.scim.createUser(`m${i}@example.com`)).id);
		await k2.sandbox.settled();
		const created = await k2.run({ resource: 'group', operation: 'create', displayName: 'Crew' });
		assert.equal(created.error, undefined, created.error?.message);
		await k2.sandbox.settled();
		const added = await k2.run({ resource: 'group', operation: 'addMembers', group: byName('Crew'), memberReference: 'id', members: '={{ $json.id }}' }, ids.map((id) => ({ id })));
		assert.equal(added.error, undefined, added.error?.message);
		await k2.sandbox.settled();
		const removed = await k2.run({ resource: 'group', operation: 'removeMembers', group: byName('Crew'), memberReference: 'id', members: '={{ $json.id }}' }, ids.slice(90).map((id) => ({ id })));
		assert.equal(removed.error, undefined, removed.error?.message);
		await k2.sandbox.settled();
		// Membership per user (a group read shows at most 100 members).
		const inCrew = [];
		for (const id of ids) {
			const { body } = await k2.scim.request('GET', `/Users/${id}`);
			if ((body.groups ?? []).length) inCrew.push(id);
		}
		assert.deepEqual(inCrew, ids.slice(0, 90));

		const renamed = await k2.run({ resource: 'group', operation: 'rename', group: byName('Crew'), newDisplayName: 'Team' });
		assert.equal(renamed.error, undefined, renamed.error?.message);
		assert.equal(renamed.output![0].json.displayName, 'Team');
		await k2.sandbox.settled();
		const deleted = await k2.run({ resource: 'group', operation: 'delete', group: byName('Team') });
		assert.equal(deleted.error, undefined, deleted.error?.message);
	});
});
