import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import { count, useK2, writes } from '../support/fixture';

/** A Sync node reading an HR export's columns. */
function syncParameters(syncOptions: IDataObject = {}, extra: IDataObject = {}) {
	return {
		resource: 'user',
		operation: 'sync',
		matchOn: 'userName',
		userName: '={{ $json.mail }}',
		additionalFields: {
			givenName: '={{ $json.first }}',
			externalId: '={{ $json.employeeId }}',
			department: '={{ $json.dept }}',
			email: '={{ $json.email }}',
		},
		syncOptions,
		...extra,
	};
}

function employees(n: number, change: (i: number) => IDataObject = () => ({})): IDataObject[] {
	return Array.from({ length: n }, (_, i) => ({
		mail: `emp${String(i).padStart(4, '0')}@example.com`,
		first: `First${i}`,
		employeeId: `E${i}`,
		dept: i % 2 ? 'Sales' : 'Finance',
		...change(i),
	}));
}

describe('User > Sync reconciles K2 to the input', () => {
	const k2 = useK2({ reset: 'data' });

	test('first sync creates with one POST per user; a re-sync writes nothing; a change costs one PATCH', async () => {
		const first = await k2.run(syncParameters(), employees(5));
		assert.equal(first.error, undefined);
		assert.deepEqual(first.output!.map((item) => item.json.action), ['created', 'created', 'created', 'created', 'created']);
		assert.deepEqual(first.output!.map((item) => item.pairedItem), [0, 1, 2, 3, 4].map((item) => ({ item })));
		assert.equal(count(k2.sandbox, 'POST /Users'), 5);
		assert.equal(count(k2.sandbox, 'GET /Users'), 1, 'one listing page');
		assert.equal((await k2.scim.findUser('emp0003@example.com')).externalId, 'E3');

		k2.sandbox.resetStats();
		const again = await k2.run(syncParameters(), employees(5));
		assert.ok(again.output!.every((item) => item.json.action === 'unchanged'));
		assert.equal(writes(k2.sandbox), 0);
		assert.equal(k2.sandbox.stats().total, 1, 'only the listing');

		k2.sandbox.resetStats();
		const changed = await k2.run(syncParameters(), employees(5, (i) => (i === 2 ? { dept: 'Legal' } : {})));
		assert.deepEqual(changed.output!.map((item) => item.json.action), ['unchanged', 'unchanged', 'updated', 'unchanged', 'unchanged']);
		assert.equal(writes(k2.sandbox), 1);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		assert.deepEqual(changed.output![2].json.changedAttributes, [
			'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
		]);
	});

	test('Match On External ID: a changed username is an update of the same user; an item without one is an error', async () => {
		const first = await k2.run(syncParameters({}, { matchOn: 'externalId' }), employees(3));
		assert.deepEqual(first.output!.map((item) => item.json.action), ['created', 'created', 'created']);
		const id = (await k2.scim.findUser('emp0001@example.com')).id;

		k2.sandbox.resetStats();
		const renamed = employees(3, (i) => (i === 1 ? { mail: 'renamed@example.com' } : {}));
		const run = await k2.run(syncParameters({}, { matchOn: 'externalId' }), [...renamed, { mail: 'x@example.com', first: 'X', dept: 'IT' }], {
			continueOnFail: true,
		});
		assert.deepEqual(run.output!.slice(0, 3).map((item) => item.json.action), ['unchanged', 'updated', 'unchanged']);
		assert.deepEqual(run.output![1].json.changedAttributes, ['userName']);
		assert.equal(run.output![1].json.id, id);
		assert.match(String(run.output![3].json.error), /External ID is missing/);
		assert.equal(writes(k2.sandbox), 1, 'one PATCH, no create');
		assert.equal((await k2.scim.findUser('renamed@example.com')).id, id);
	});

	test('Dry Run reports creates and updates and sends no write', async () => {
		await k2.run(syncParameters(), employees(3));
		k2.sandbox.resetStats();
		const dry = await k2.run(
			syncParameters({ dryRun: true, deprovision: 'deactivate' }),
			[...employees(2, (i) => (i === 1 ? { first: 'Renamed' } : {})), { mail: 'new@example.com', first: 'New', employeeId: 'E99', dept: 'IT' }],
		);
		assert.equal(writes(k2.sandbox), 0);
		const actions = dry.output!.map((item) => `${item.json.type ?? 'user'}:${item.json.action}`);
		assert.deepEqual(actions, ['user:unchanged', 'user:update', 'user:create', 'deprovision:deactivate']);
		assert.deepEqual(dry.output![1].json.changedAttributes, ['name.givenName']);
		assert.equal(dry.output![3].json.userName, 'emp0002@example.com');
	});

	test('deprovisioning deactivates missing users in scope only, once, and the safety limit stops it', async () => {
		await k2.run(syncParameters(), employees(4));
		await k2.scim.createUser('admin@example.com');
		k2.sandbox.resetStats();
		const run = await k2.run(syncParameters({ deprovision: 'deactivate' }), employees(2));
		const deprovisioned = run.output!.filter((item) => item.json.type === 'deprovision');
		assert.deepEqual(deprovisioned.map((item) => [item.json.userName, item.json.action]), [
			['emp0002@example.com', 'deactivated'],
			['emp0003@example.com', 'deactivated'],
		]);
		assert.equal((await k2.scim.findUser('emp0003@example.com')).active, false);
		assert.equal((await k2.scim.findUser('admin@example.com')).active, true, 'no externalId: not in scope');
		k2.sandbox.resetStats();
		await k2.run(syncParameters({ deprovision: 'deactivate' }), employees(2));
		assert.equal(writes(k2.sandbox), 0, 'already inactive users are not written again');

		k2.sandbox.resetStats();
		const limited = await k2.run(syncParameters({ deprovision: 'delete', maxDeprovisions: 1 }), employees(1));
		assert.match(limited.error!.message, /Sync stopped: 3 K2 users would be deleted, more than the limit of 1/);
		assert.equal(writes(k2.sandbox), 0, 'nothing written when the limit is exceeded');
	});

	test('group memberships: 250 members in batched PATCHes, exact removals beyond the first 100, idempotent', async () => {
		const input = employees(250, (i) => ({ groups: i < 3 ? 'Everyone, Sales' : 'Everyone' }));
		const parameters = syncParameters({}, { groupNames: '={{ $json.groups }}' });
		const first = await k2.run(parameters, input);
		assert.equal(first.error, undefined);
		const groupItems = first.output!.filter((item) => item.json.type === 'group');
		assert.deepEqual(groupItems.map((item) => [item.json.displayName, item.json.action, (item.json.membersAdded as string[]).length]), [
			['Everyone', 'created', 250],
			['Sales', 'created', 3],
		]);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 2);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 4, '250 members: 3 PATCHes of at most 100; Sales: 1');
		const member200 = await k2.scim.findUser('emp0200@example.com');
		assert.deepEqual(member200.groups.map((g: { display: string }) => g.display), ['Everyone']);

		k2.sandbox.resetStats();
		await k2.run(parameters, input);
		assert.equal(writes(k2.sandbox), 0, 'a second run with the same input writes nothing');

		k2.sandbox.resetStats();
		const moved = input.map((row, i) => (i === 200 ? { ...row, groups: 'Sales' } : row));
		const third = await k2.run(parameters, moved);
		const everyone = third.output!.find((item) => item.json.displayName === 'Everyone')!;
		assert.deepEqual(everyone.json.membersRemoved, ['emp0200@example.com']);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 2, 'one removal from Everyone, one addition to Sales');
		const after200 = await k2.scim.findUser('emp0200@example.com');
		assert.deepEqual(after200.groups.map((g: { display: string }) => g.display), ['Sales']);
	});

	test("a server that leaves out users' groups: group reads; exact within the first 100 members, a warning beyond", async () => {
		k2.sandbox.setUsersListGroups(false);
		try {
			const input = employees(150, () => ({ groups: 'Everyone' }));
			const parameters = syncParameters({}, { groupNames: '={{ $json.groups }}' });
			await k2.run(parameters, input);

			// emp0010 is among the 100 members a group read shows, emp0140 is not.
			k2.sandbox.resetStats();
			const moved = input.map((row, i) => (i === 10 || i === 140 ? { ...row, groups: 'Sales' } : row));
			const run = await k2.run(parameters, moved);
			assert.equal(run.error, undefined);
			assert.equal(count(k2.sandbox, 'GET /Groups/:id'), 1, 'Everyone is read (Sales does not exist yet)');
			const everyone = run.output!.find((item) => item.json.displayName === 'Everyone')!.json;
			assert.deepEqual(everyone.membersRemoved, ['emp0010@example.com']);
			assert.match(String(everyone.warning), /at most 100 members of a group and does not list users' groups/);
			const sales = run.output!.find((item) => item.json.displayName === 'Sales')!.json;
			assert.deepEqual(sales.membersAdded, ['emp0010@example.com', 'emp0140@example.com']);
		} finally {
			k2.sandbox.setUsersListGroups(true);
		}
		// What K2 holds now, read with the groups attribute back on: the stated limit, made visible.
		const groupsOf = async (userName: string) =>
			((await k2.scim.findUser(userName)).groups ?? []).map((g: { display: string }) => g.display).sort();
		assert.deepEqual(await groupsOf('emp0010@example.com'), ['Sales']);
		assert.deepEqual(await groupsOf('emp0140@example.com'), ['Everyone', 'Sales'], 'the removal beyond 100 was not seen: hence the warning');
		assert.deepEqual(await groupsOf('emp0099@example.com'), ['Everyone']);
	});

	test('interrupted by faults, a re-run converges with no duplicate and every item accounted for', async () => {
		const input = employees(40);
		k2.sandbox.setFaults({ rate: 0.3, kinds: ['drop', '503', '429'], retryAfterSeconds: 0, seed: 5 });
		let firstRun;
		try {
			firstRun = await k2.run(syncParameters(), input, { continueOnFail: true });
		} finally {
			k2.sandbox.setFaults({ rate: 0 });
		}
		assert.equal(firstRun.output!.filter((item) => item.json.type === undefined).length, 40, 'one item per input');
		k2.sandbox.resetStats();
		const rerun = await k2.run(syncParameters(), input);
		assert.equal(rerun.error, undefined);
		const users = await k2.scim.listUsers();
		assert.equal(users.length, 40);
		assert.equal(new Set(users.map((user) => user.userName)).size, 40);
		assert.ok(rerun.output!.every((item) => ['unchanged', 'created'].includes(String(item.json.action))));
	});

	test('bad items come out as errors before any write; the summary option gives one item with counts', async () => {
		const input = [...employees(2), { mail: 'x@example.com', email: 'broken@', first: 'X', employeeId: 'E7', dept: 'IT' }, { mail: '', first: 'NoName', employeeId: 'E8', dept: 'IT' }];
		const run = await k2.run(syncParameters(), input, { continueOnFail: true });
		assert.equal(run.output!.length, 4);
		assert.match(String(run.output![2].json.error), /"broken@" is not a valid email/);
		assert.match(String(run.output![3].json.error), /userName/i);
		assert.equal(count(k2.sandbox, 'POST /Users'), 2);

		// A row with a bad field still names its K2 user: that user is reported, not deprovisioned.
		await k2.run(syncParameters(), employees(3));
		const badRow = employees(2, (i) => (i === 1 ? { email: 'broken@' } : {}));
		const kept = await k2.run(syncParameters({ deprovision: 'deactivate' }), badRow, { continueOnFail: true });
		assert.match(String(kept.output![1].json.error), /"broken@" is not a valid email/);
		assert.deepEqual(kept.output!.filter((item) => item.json.type === 'deprovision').map((item) => item.json.userName), ['emp0002@example.com']);
		assert.equal((await k2.scim.findUser('emp0001@example.com')).active, true);

		await k2.sandbox.reset();
		await k2.run(syncParameters(), employees(2));
		const summary = await k2.run(syncParameters({ output: 'summary' }), employees(3));
		assert.equal(summary.output!.length, 1);
		assert.deepEqual(summary.output![0].json.counts, { unchanged: 2, created: 1 });
		assert.equal((summary.output![0].pairedItem as unknown[]).length, 3);
		// A report a notification node can send as it is.
		assert.equal(summary.output![0].json.report, 'K2 Sync: 3 users in the input: 2 unchanged, 1 created.\nCreated: emp0002@example.com.');
	});
});
