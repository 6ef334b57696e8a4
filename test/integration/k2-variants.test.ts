// The node against K2s that differ from the RFC where K2's documentation is silent (issue 18):
// one sandbox switch at a time (sandbox/profile.ts), each run in the sandbox as n8n runs it.
// Each test states the harm the switch would do to a node that trusted the RFC.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import type { K2Profile } from '../../sandbox/profile';
import type { K2Fixture } from '../support/fixture';
import { count, useK2, writes } from '../support/fixture';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function syncParameters(syncOptions: IDataObject = {}) {
	return {
		resource: 'user',
		operation: 'sync',
		userName: '={{ $json.mail }}',
		additionalFields: {
			externalId: '={{ $json.employeeId }}',
			givenName: '={{ $json.first }}',
			title: '={{ $json.title }}',
			department: '={{ $json.dept }}',
		},
		syncOptions: { dryRun: false, ...syncOptions },
	};
}

function employees(n: number, change: (i: number) => IDataObject = () => ({})): IDataObject[] {
	return Array.from({ length: n }, (_, i) => ({
		mail: `emp${String(i).padStart(4, '0')}@example.com`,
		employeeId: `E${i}`,
		first: `First${i}`,
		title: 'Engineer',
		dept: 'R&D',
		...change(i),
	}));
}

async function seed(k2: K2Fixture, n: number): Promise<void> {
	for (const person of employees(n)) {
		await k2.scim.createUser(String(person.mail), { externalId: person.employeeId, name: { givenName: person.first } });
	}
	await k2.sandbox.settled();
}

/** useK2 with `profile`; a test may change the profile, the next one starts from `profile` again. */
function useProfile(profile: K2Profile): K2Fixture {
	const k2 = useK2({ profile, reset: 'data' });
	beforeEach(() => k2.sandbox.setProfile(profile));
	return k2;
}

describe('K2 keeps only core attributes (title and the enterprise extension dropped)', () => {
	const k2 = useProfile({ storedAttributes: ['userName', 'name', 'displayName', 'emails', 'active', 'externalId', 'members'] });

	test('Sync learns it from the creates, says so once, and a re-run sends no write (120 users)', async () => {
		const staticData: IDataObject = {};
		const first = await k2.run(syncParameters({ output: 'summary' }), employees(120), { typeVersion: 2, staticData });
		assert.equal(first.error, undefined, first.error?.message);
		const summary = first.output![0].json;
		assert.equal((summary.counts as IDataObject).created, 120);
		assert.deepEqual(summary.notKeptByK2, ['title', `${ENTERPRISE}:department`]);

		for (const run of [2, 3]) {
			k2.sandbox.resetStats();
			const again = await k2.run(syncParameters({ output: 'summary' }), employees(120), { typeVersion: 2, staticData });
			assert.equal(again.error, undefined);
			assert.equal(writes(k2.sandbox), 0, `run ${run}: no write for attributes K2 drops`);
			assert.equal((again.output![0].json.counts as IDataObject).unchanged, 120);
			assert.deepEqual(again.output![0].json.notKeptByK2, ['title', `${ENTERPRISE}:department`]);
		}
	});

	test('without remembered knowledge (a manual run), a run learns from its first answers: a handful of PATCHes, not one per user', async () => {
		await seed(k2, 120);
		const run = await k2.run(syncParameters({ output: 'summary', requestsInFlightMode: 'fixed', requestsInFlight: 4 }), employees(120), { typeVersion: 2 });
		assert.equal(run.error, undefined, run.error?.message);
		const patches = count(k2.sandbox, 'PATCH /Users/:id');
		// At most the 4 in flight and the 4 items prepared ahead of a free place, planned before the first answer.
		assert.ok(patches >= 1 && patches <= 8, `the PATCHes planned before the first answer, at most 8 (${patches})`);
		assert.deepEqual(run.output![0].json.notKeptByK2, ['title', `${ENTERPRISE}:department`]);
	});

	test('a change of a kept attribute is still written, and K2 starting to keep title brings it back into the comparison', async () => {
		const staticData: IDataObject = {};
		await k2.run(syncParameters(), employees(3), { typeVersion: 2, staticData });
		k2.sandbox.resetStats();
		const renamed = await k2.run(syncParameters(), employees(3, (i) => (i === 1 ? { first: 'Renamed' } : {})), { typeVersion: 2, staticData });
		assert.deepEqual(renamed.output!.map((item) => item.json.action), ['unchanged', 'updated', 'unchanged']);
		assert.deepEqual(renamed.output![1].json.changedAttributes, ['name.givenName']);

		k2.sandbox.setProfile({});
		const chef = await k2.scim.findUser('emp0000@example.com');
		await k2.scim.request('PATCH', `/Users/${chef.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Chef' }] });
		k2.sandbox.resetStats();
		const kept = await k2.run(syncParameters(), employees(3), { typeVersion: 2, staticData });
		assert.equal(kept.error, undefined);
		// title is compared again (a user holds one): the two without it get it now.
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 3);
		assert.equal((await k2.scim.findUser('emp0002@example.com')).title, 'Engineer');
	});

	test('Create or Update: the second call for the same person writes nothing', async () => {
		const staticData: IDataObject = {};
		const parameters = {
			resource: 'user',
			operation: 'createOrUpdate',
			userName: '={{ $json.mail }}',
			additionalFields: { externalId: '={{ $json.employeeId }}', title: '={{ $json.title }}' },
		};
		const created = await k2.run(parameters, employees(1), { typeVersion: 2, staticData });
		assert.equal(created.output![0].json.action, 'created');
		k2.sandbox.resetStats();
		const again = await k2.run(parameters, employees(1), { typeVersion: 2, staticData });
		assert.equal(again.output![0].json.action, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
	});
});

describe('K2 counts only the page it sent in totalResults', () => {
	const k2 = useProfile({ totalResults: 'page' });

	test('Sync lists every user (250) and creates none of them again: no 409, no duplicate', async () => {
		await seed(k2, 250);
		k2.sandbox.resetStats();
		const run = await k2.run(syncParameters({ output: 'summary' }), employees(250), { typeVersion: 2 });
		assert.equal(run.error, undefined, run.error?.message);
		assert.equal(count(k2.sandbox, 'POST /Users'), 0);
		assert.equal(k2.sandbox.stats().byStatus['409'] ?? 0, 0);
		assert.equal(count(k2.sandbox, 'GET /Users'), 3, 'pages 1-100, 101-200, then the short page 201-250');
		assert.equal((await k2.scim.listUsers()).length, 250);
	});

	test('Get Many with Return All gives all 300 (the last page full: one more page proves the end)', async () => {
		await seed(k2, 300);
		k2.sandbox.resetStats();
		const run = await k2.run({ resource: 'user', operation: 'getMany', returnAll: true });
		assert.equal(run.error, undefined, run.error?.message);
		assert.equal(run.output!.length, 300);
		assert.equal(count(k2.sandbox, 'GET /Users'), 4);
	});
});

describe('K2 ignores startIndex', () => {
	const k2 = useProfile({ startIndex: 'ignored' });

	test('Sync over 150 users stops before any write with a paging error', async () => {
		await seed(k2, 150);
		k2.sandbox.resetStats();
		const run = await k2.run(syncParameters({ deprovision: 'deactivate' }), employees(150, (i) => ({ title: `T${i}` })), { typeVersion: 2 });
		assert.match(String(run.error?.message), /paging is inconsistent.*startIndex ignored/);
		assert.equal(writes(k2.sandbox), 0);
	});
});

describe('K2 answers PATCH with 204 and no body', () => {
	const k2 = useProfile({ patchAnswer: '204' });

	test('Update and Create or Update show the user as written; Deactivate too; a Sync re-run writes nothing', async () => {
		await seed(k2, 2);
		const ann = await k2.scim.findUser('emp0000@example.com');
		const updated = await k2.run({ resource: 'user', operation: 'update', user: { __rl: true, mode: 'id', value: ann.id }, updateFields: { title: 'Chef' } });
		assert.equal(updated.error, undefined, updated.error?.message);
		assert.equal(updated.output![0].json.title, 'Chef');

		const upserted = await k2.run(
			{ resource: 'user', operation: 'createOrUpdate', userName: 'emp0001@example.com', additionalFields: { title: 'Baker' } },
			[{}],
			{ typeVersion: 2 },
		);
		assert.equal(upserted.output![0].json.action, 'updated');
		assert.equal(upserted.output![0].json.title, 'Baker');
		assert.equal((await k2.scim.findUser('emp0001@example.com')).title, 'Baker');

		const deactivated = await k2.run({ resource: 'user', operation: 'deactivate', user: { __rl: true, mode: 'id', value: ann.id } });
		assert.equal(deactivated.output![0].json.active, false);

		await k2.run(syncParameters(), employees(2), { typeVersion: 2 });
		k2.sandbox.resetStats();
		const again = await k2.run(syncParameters(), employees(2), { typeVersion: 2 });
		assert.deepEqual(again.output!.map((item) => item.json.action), ['unchanged', 'unchanged']);
		assert.equal(writes(k2.sandbox), 0);
	});
});

describe('K2 keeps the name of a deleted user (soft delete)', () => {
	const k2 = useProfile({ deleteMode: 'soft' });

	test('a rehire after Sync deleted the user is an item error that says why, not a silent duplicate', async () => {
		await k2.run(syncParameters(), employees(2), { typeVersion: 2 });
		const left = await k2.run(syncParameters({ deprovision: 'delete' }), employees(1), { typeVersion: 2 });
		assert.equal(left.error, undefined, left.error?.message);
		assert.equal((await k2.scim.listUsers()).length, 1);

		const rehired = await k2.run(syncParameters(), employees(2), { typeVersion: 2, continueOnFail: true });
		const item = rehired.output!.find((entry) => entry.pairedItem && (entry.pairedItem as { item: number }).item === 1)!;
		const text = JSON.stringify(item.json);
		assert.match(text, /already exists in K2/);
		assert.match(text, /soft delete/);
		assert.match(text, /Deactivate rather than Delete/);
		assert.equal((await k2.scim.listUsers()).length, 1, 'no second account');
	});
});

describe('K2 shows a write to reads only after a staging lag', () => {
	// Longer than a retry's backoff, so that a re-send would come before the create is readable.
	const k2 = useProfile({ readAfterWriteLagMs: 2000 });

	test('a create whose answer was lost is found after a bounded wait, never sent twice', async () => {
		k2.sandbox.setFaults({ rate: 0.000001, kinds: ['drop-after'], firstOf: ['POST /Users'] });
		const run = await k2.run(
			{ resource: 'user', operation: 'createOrUpdate', userName: 'lagged@example.com', additionalFields: { externalId: 'L1' } },
			[{}],
			{ typeVersion: 2 },
		);
		k2.sandbox.setFaults({ rate: 0 });
		assert.equal(run.error, undefined, run.error?.message);
		assert.equal(run.output![0].json.action, 'created');
		assert.equal(k2.sandbox.stats().faults.byRoute['drop-after POST /Users'], 1, 'the answer to the create was lost');
		assert.equal(count(k2.sandbox, 'POST /Users'), 1, 'not re-sent');
		assert.equal(k2.sandbox.stats().byStatus['409'] ?? 0, 0, 'no re-send collided with it');
		await k2.sandbox.settled();
		assert.equal((await k2.scim.listUsers()).length, 1);
	});
});
