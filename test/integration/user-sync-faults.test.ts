// Sync under lost answers, one retry rule at a time: the sandbox drops the answer of one kind
// of write after applying it (or refuses it for good), and the test checks K2's state directly.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import type { FaultKind } from '../../sandbox';
import { count, useK2 } from '../support/fixture';

function syncParameters(syncOptions: IDataObject = {}) {
	return {
		resource: 'user',
		operation: 'sync',
		matchOn: 'userName',
		userName: '={{ $json.mail }}',
		additionalFields: { externalId: '={{ $json.employeeId }}', department: '={{ $json.dept }}' },
		groupNames: '={{ $json.groups }}',
		syncOptions,
	};
}

const people = (n: number, groups = 'Team', dept = 'Sales') =>
	Array.from({ length: n }, (_, i) => ({ mail: `p${i}@example.com`, employeeId: `E${i}`, dept, groups }));

describe('User > Sync: every write kind survives a lost answer', () => {
	const k2 = useK2({ reset: 'data' });
	beforeEach(() => k2.sandbox.setFaults({ rate: 0 }));
	/** Faults every request of these routes, or only the first `limit` of them. */
	const faultOnly = (only: string[], kinds: FaultKind[] = ['drop-after'], limit?: number) =>
		k2.sandbox.setFaults({ rate: 1, kinds, only, retryAfterSeconds: 0, limit });
	const moved = (n: number) => people(n, 'Team').map((row, i) => (i === 0 ? row : { ...row, groups: 'Other' }));
	const groupNamed = async (name: string) =>
		(await k2.scim.request('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.Resources as any[];
	const memberCount = async (name: string) => {
		const [group] = await groupNamed(name);
		return (await k2.scim.listUsers()).filter((u) => (u.groups ?? []).some((g: any) => g.value === group.id)).length;
	};

	test('group create applied but unanswered: found by displayName, not re-sent, its members added', async () => {
		faultOnly(['POST /Groups'], ['drop-after'], 1);
		const run = await k2.run(syncParameters(), people(3));
		assert.equal(run.error, undefined, run.error?.message);
		const group = run.output!.find((item) => item.json.type === 'group')!.json;
		assert.equal(group.action, 'created');
		assert.deepEqual(group.membersAdded, ['p0@example.com', 'p1@example.com', 'p2@example.com']);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 1, 'the lookup found it: no re-send');
		assert.equal((await groupNamed('Team')).length, 1, 'no duplicate group');
		assert.equal(group.id, (await groupNamed('Team'))[0].id);
		assert.equal(await memberCount('Team'), 3, 'no membership lost');
	});

	test('group create refused (503) then accepted: looked up, found nothing, re-sent once', async () => {
		faultOnly(['POST /Groups'], ['503'], 1);
		const run = await k2.run(syncParameters(), people(2));
		assert.equal(run.error, undefined, run.error?.message);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 2, 'the create was re-sent');
		assert.equal(count(k2.sandbox, 'GET /Groups'), 2, 'the listing, then the lookup before the re-send');
		assert.equal((await groupNamed('Team')).length, 1);
		assert.equal(await memberCount('Team'), 2);
	});

	test('member PATCHes (add and remove) applied but unanswered: re-sent, members exact, nothing reported', async () => {
		await k2.run(syncParameters(), people(3, 'Team'));
		k2.sandbox.resetStats();
		faultOnly(['PATCH /Groups/:id'], ['drop-after'], 2);
		const run = await k2.run(syncParameters(), moved(3));
		assert.equal(run.error, undefined, run.error?.message);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 4, 'Team (remove) and Other (add), each re-sent once');
		assert.deepEqual(run.output!.filter((i) => i.json.type === 'group').map((i) => [i.json.displayName, i.json.action]), [
			['Team', 'updated'],
			['Other', 'created'],
		]);
		assert.equal(await memberCount('Team'), 1);
		assert.equal(await memberCount('Other'), 2);
	});

	test('member PATCH that never gets an answer: a reported membership failure; the re-run finds it applied', async () => {
		await k2.run(syncParameters(), people(3, 'Team'));
		k2.sandbox.resetStats();
		faultOnly(['PATCH /Groups/:id']);
		const failed = await k2.run(syncParameters(), moved(3));
		assert.match(failed.error!.message, /^Sync finished with 2 failure\(s\) \(2 membership\): membership "Team": 2 member\(s\) not removed: .*closed unexpectedly/);
		assert.match(failed.error!.message, /membership "Other": 2 member\(s\) not added/);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 12, '2 groups x (1 + 5 retries)');
		// The writes landed nevertheless (dropped after apply): a clean re-run has nothing to send.
		k2.sandbox.setFaults({ rate: 0 });
		k2.sandbox.resetStats();
		const again = await k2.run(syncParameters(), moved(3));
		assert.equal(again.error, undefined);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 0);
		assert.equal(await memberCount('Other'), 2);
		assert.equal(await memberCount('Team'), 1);
	});

	test('user create and user PATCH applied but unanswered: one user, the change made, no error', async () => {
		faultOnly(['POST /Users'], ['drop-after'], 2);
		const created = await k2.run(syncParameters(), people(2));
		assert.equal(created.error, undefined, created.error?.message);
		assert.deepEqual(created.output!.filter((i) => !i.json.type).map((i) => i.json.action), ['created', 'created']);
		assert.equal(count(k2.sandbox, 'POST /Users'), 2, 'found by the lookup: no re-send');
		k2.sandbox.resetStats();
		faultOnly(['PATCH /Users/:id'], ['drop-after'], 2);
		const updated = await k2.run(syncParameters(), people(2, 'Team', 'Legal'));
		assert.equal(updated.error, undefined, updated.error?.message);
		assert.deepEqual(updated.output!.filter((i) => !i.json.type).map((i) => i.json.action), ['updated', 'updated']);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 4, 'each re-sent once');
		const users = await k2.scim.listUsers();
		assert.equal(users.length, 2);
		assert.ok(users.every((u) => u['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].department === 'Legal'));
	});

	test('deprovision DELETE applied but unanswered: the re-send meets 404, which means deleted', async () => {
		await k2.run(syncParameters(), people(3));
		k2.sandbox.resetStats();
		faultOnly(['DELETE'], ['drop-after'], 2);
		const run = await k2.run(syncParameters({ deprovision: 'delete' }), people(1));
		assert.equal(run.error, undefined, run.error?.message);
		const deprovisions = run.output!.filter((i) => i.json.type === 'deprovision').map((i) => [i.json.userName, i.json.action]);
		assert.deepEqual(deprovisions, [
			['p1@example.com', 'deleted'],
			['p2@example.com', 'deleted'],
		]);
		assert.equal(count(k2.sandbox, 'DELETE /Users/:id'), 4, 'each re-sent once, then 404');
		assert.deepEqual((await k2.scim.listUsers()).map((u) => u.userName), ['p0@example.com']);
	});

	test('User > Delete of an unknown ID throttled first (429): the 404 after it is "not found", never "deleted"', async () => {
		faultOnly(['DELETE'], ['429'], 1);
		const run = await k2.run({ resource: 'user', operation: 'delete', user: { mode: 'id', value: 'no-such-user' } }, [{}], {
			continueOnFail: true,
		});
		assert.equal(count(k2.sandbox, 'DELETE /Users/:id'), 2, 'throttled, then sent again');
		assert.equal(run.output!.length, 1);
		assert.match(String(run.output![0].json.error), /not found/);
		assert.notEqual(run.output![0].json.deleted, true);
	});

	test('deprovision deactivate applied but unanswered: re-sent, inactive, reported deactivated', async () => {
		await k2.run(syncParameters(), people(2));
		k2.sandbox.resetStats();
		faultOnly(['PATCH /Users/:id'], ['drop-after'], 1);
		const run = await k2.run(syncParameters({ deprovision: 'deactivate' }), people(1));
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 2);
		assert.equal(run.error, undefined, run.error?.message);
		assert.deepEqual(run.output!.filter((i) => i.json.type === 'deprovision').map((i) => i.json.action), ['deactivated']);
		assert.equal((await k2.scim.findUser('p1@example.com')).active, false);
	});

	test('writes that fail for good: each in the summary errors with kind, name, reason; the node fails after all writes', async () => {
		await k2.run(syncParameters(), people(3, 'Team'));
		// Group creates, user updates and deprovisions refused for good (429 until the retries run out).
		faultOnly(['POST /Groups', 'PATCH /Users/:id', 'DELETE'], ['429']);
		const input = [...people(2, 'Team, Fresh'), { mail: 'p9@example.com', employeeId: 'E9', dept: 'Sales', groups: 'Team' }];
		input[1].dept = 'Legal';
		const parameters = syncParameters({ deprovision: 'delete', output: 'summary' });
		const failed = await k2.run(parameters, input);
		assert.match(failed.error!.message, /^Sync finished with 3 failure\(s\) \(1 user, 1 group, 1 deprovision\): user "p1@example.com" \(item 1\): .*429/);
		// p1's own write failed, so only p0 was to be added to Fresh.
		assert.match(failed.error!.message, /group "Fresh": The group could not be created, so its 1 member\(s\) were not added/);
		assert.match(failed.error!.message, /deprovision "p2@example.com": Could not be deleted/);
		assert.match(failed.error!.description!, /Everything else was written to K2/);
		// Everything else was attempted and applied: the new user, and its Team membership.
		const p9 = await k2.scim.findUser('p9@example.com');
		assert.deepEqual(p9.groups.map((g: any) => g.display), ['Team']);
		assert.equal((await groupNamed('Fresh')).length, 0);

		// Continue On Fail: the summary lists the same failures; each also comes out as an error item.
		const summaryRun = await k2.run(parameters, input, { continueOnFail: true });
		const summary = summaryRun.output![0].json;
		assert.equal(summary.failed, 3);
		assert.deepEqual(summary.failedByKind, { user: 1, group: 1, membership: 0, deprovision: 1 });
		assert.deepEqual((summary.errors as IDataObject[]).map((e) => [e.kind, e.name, e.item]), [
			['user', 'p1@example.com', 1],
			['deprovision', 'p2@example.com', undefined],
			['group', 'Fresh', undefined],
		]);
		assert.ok((summary.errors as IDataObject[]).every((e) => typeof e.reason === 'string' && String(e.reason).length > 10));
		const errorItems = summaryRun.output!.slice(1);
		assert.deepEqual(errorItems.map((i) => [i.json.type ?? 'user', i.pairedItem]), [
			['user', { item: 1 }],
			['deprovision', []],
			['group', [{ item: 0 }]],
		]);
		assert.ok(errorItems.every((i) => typeof i.json.error === 'string'));
	});

	test("K2's groups cannot be listed: one group failure names every group; user writes still done", async () => {
		faultOnly(['GET /Groups'], ['429']);
		const run = await k2.run(syncParameters(), people(2, 'Team, Other'), { continueOnFail: true });
		const groups = run.output!.filter((i) => i.json.type === 'group').map((i) => [i.json.displayName, i.json.action]);
		assert.deepEqual(groups, [
			['Team', 'error'],
			['Other', 'error'],
		]);
		assert.match(String(run.output!.find((i) => i.json.type === 'group')!.json.error), /^K2's groups could not be listed, so no group membership was changed: /);
		assert.equal(count(k2.sandbox, 'POST /Users'), 2);
		assert.equal(count(k2.sandbox, 'POST /Groups') + count(k2.sandbox, 'PATCH /Groups/:id'), 0);
	});

	test("a server without users' groups, one group unreadable: that group is a reported failure, the others apply", async () => {
		await k2.run(syncParameters(), people(2, 'Team, Other'));
		k2.sandbox.setUsersListGroups(false);
		try {
			k2.sandbox.resetStats();
			// One read at a time, in the order the input names the groups: Team's read gets all 6 faults
			// (1 + 5 retries) and fails for good; Other's read gets through.
			k2.sandbox.setFaults({ rate: 1, kinds: ['429'], only: ['GET /Groups/:id'], retryAfterSeconds: 0, limit: 6 });
			const input = people(2, 'Team, Other').map((row) => ({ ...row, dept: 'Legal' }));
			const run = await k2.run({ ...syncParameters({ requestsInFlight: 1, output: 'summary' }) }, input, { continueOnFail: true });
			const summary = run.output![0].json;
			assert.deepEqual(summary.counts, { updated: 2, 'group:error': 1, 'group:unchanged': 1 });
			assert.deepEqual((summary.errors as IDataObject[]).map((e) => [e.kind, e.name]), [['group', 'Team']]);
			assert.match(String((summary.errors as IDataObject[])[0].reason), /^The group could not be read, so its members were not changed: /);
			assert.equal(count(k2.sandbox, 'GET /Groups/:id'), 7);
			assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 0);
		} finally {
			k2.sandbox.setUsersListGroups(true);
		}
	});
});
