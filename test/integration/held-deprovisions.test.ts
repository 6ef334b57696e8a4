import assert from 'node:assert/strict';
import { beforeEach, describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import { count, useK2, writes } from '../support/fixture';

/** Sync of an HR export, deactivating users who left, with the given limits. */
function sync(syncOptions: IDataObject = {}) {
	return {
		resource: 'user',
		operation: 'sync',
		matchOn: 'externalId',
		userName: '={{ $json.mail }}',
		additionalFields: { externalId: '={{ $json.employeeId }}', department: '={{ $json.dept }}' },
		syncOptions: { deprovision: 'deactivate', ...syncOptions },
	};
}

const person = (i: number, dept = 'Sales') => ({ mail: `p${i}@example.com`, employeeId: `E${i}`, dept });
const people = (...ids: number[]) => ids.map((i) => person(i));

describe('User > Sync: deprovisions over the limits are held for approval, approved ones applied', () => {
	const k2 = useK2({ reset: 'data' });
	beforeEach(async () => {
		await k2.run(sync(), people(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
		k2.sandbox.resetStats();
	});

	const active = async (i: number) => (await k2.scim.findUser(`p${i}@example.com`)).active as boolean;

	test('over Max Deprovisions per Run: everything else is applied, the held users come out on the second output, nothing deprovisioned', async () => {
		// 10 in K2; the input keeps 0-4 (p0 moves to Finance), adds p10; 5-9 left HR.
		const input = [person(0, 'Finance'), ...people(1, 2, 3, 4, 10)];
		const run = await k2.run(sync({ maxDeprovisions: 3, overLimit: 'hold' }), input);
		assert.equal(run.error, undefined);
		assert.equal(run.outputs!.length, 2, 'Done and Held for Approval');
		assert.deepEqual(run.outputs![0].map((item) => item.json.action), ['updated', 'unchanged', 'unchanged', 'unchanged', 'unchanged', 'created']);
		const held = run.outputs![1];
		assert.deepEqual(held.map((item) => [item.json.userName, item.json.action, item.json.deprovision]), [5, 6, 7, 8, 9].map((i) => [`p${i}@example.com`, 'held', 'deactivate']));
		assert.equal(held[0].json.reason, 'Held for approval: 5 K2 users would be deactivated, more than the limit of 3 (Max Deprovisions per Run)');
		assert.equal(held[0].json.externalId, 'E5');
		assert.ok(held.every((item) => typeof item.json.id === 'string' && typeof item.json.heldAt === 'string'));
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1, 'only p0\'s department');
		assert.equal(count(k2.sandbox, 'POST /Users'), 1);
		for (const i of [5, 6, 7, 8, 9]) assert.equal(await active(i), true, `p${i} is not deactivated`);
	});

	test('approving the held items (as they came out) deactivates exactly those still missing, still the same person', async () => {
		const first = await k2.run(sync({ maxDeprovisions: 3, overLimit: 'hold' }), people(0, 1, 2, 3, 4));
		const held = first.outputs![1].map((item) => item.json);
		assert.equal(held.length, 5);
		// While the approval waits: p6 is rehired (back in the input), p7 is renamed in K2 (another person now?).
		const p7 = await k2.scim.findUser('p7@example.com');
		await k2.scim.request('PATCH', `/Users/${p7.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'userName', value: 'someone.else@example.com' }] });
		k2.sandbox.resetStats();

		const approvedRun = await k2.run(sync({ maxDeprovisions: 0, overLimit: 'hold', approvedDeprovisions: held }), people(0, 1, 2, 3, 4, 6));
		assert.equal(approvedRun.error, undefined);
		const deprovisions = approvedRun.outputs![0].filter((item) => item.json.type === 'deprovision');
		assert.deepEqual(
			deprovisions.map((item) => [item.json.userName, item.json.action]).sort(),
			[
				['p5@example.com', 'deactivated'],
				['p6@example.com', 'notDeprovisioned'],
				['p8@example.com', 'deactivated'],
				['p9@example.com', 'deactivated'],
				['someone.else@example.com', 'notDeprovisioned'],
			],
		);
		const reasons = Object.fromEntries(deprovisions.map((item) => [item.json.userName, item.json.reason]));
		assert.match(String(reasons['p6@example.com']), /an input item names it again/);
		assert.match(String(reasons['someone.else@example.com']), /userName changed in K2 since it was held/);
		// The renamed one is not approved any more, and over Max Deprovisions per Run (0): held again.
		assert.deepEqual(approvedRun.outputs![1].map((item) => item.json.userName), ['someone.else@example.com']);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 3);
		assert.deepEqual([await active(5), await active(6), await active(8), await active(9)], [false, true, false, false]);
		assert.equal((await k2.scim.findUser('someone.else@example.com')).active, true);
	});

	test('Max Deprovisions (%) of the users in scope stops or holds, and names the share', async () => {
		// 3 of 10 in scope = 30% > 20%, under Max Deprovisions per Run (10).
		const stopped = await k2.run(sync({ maxDeprovisionsPercent: 20 }), people(0, 1, 2, 3, 4, 5, 6));
		assert.equal(stopped.error!.message, 'Sync stopped: 3 K2 users would be deactivated, 30% of the 10 users it could deprovision, more than the limit of 20% (Max Deprovisions (%))');
		assert.match(String(stopped.error!.description), /Hold for Approval/);
		assert.equal(writes(k2.sandbox), 0);

		const summary = await k2.run(sync({ maxDeprovisionsPercent: 20, overLimit: 'hold', output: 'summary' }), people(0, 1, 2, 3, 4, 5, 6));
		assert.equal(summary.error, undefined);
		assert.equal(summary.outputs![0].length, 1, 'one summary item');
		assert.equal(summary.outputs![0][0].json.heldForApproval, 3);
		assert.match(String(summary.outputs![0][0].json.report), /3 held for approval, nothing written for them \(3 K2 users would be deactivated, 30% of the 10 users it could deprovision, .*\): p7@example.com, p8@example.com, p9@example.com\./);
		assert.equal(summary.outputs![1].length, 3);
		assert.equal(writes(k2.sandbox), 0);

		// 2 of 10 = 20%: within the limit.
		const within = await k2.run(sync({ maxDeprovisionsPercent: 20, overLimit: 'hold' }), people(0, 1, 2, 3, 4, 5, 6, 7));
		assert.deepEqual(within.outputs![1], []);
		assert.deepEqual([await active(8), await active(9)], [false, false]);
	});

	test('an approval is for one action and one person: approving a deactivation does not approve a delete; IDs alone approve the run\'s action', async () => {
		const first = await k2.run(sync({ maxDeprovisions: 0, overLimit: 'hold' }), people(0, 1, 2, 3, 4, 5, 6, 7, 8));
		const heldP9 = first.outputs![1].map((item) => item.json);
		assert.deepEqual(heldP9.map((json) => json.userName), ['p9@example.com']);
		const deleteRun = await k2.run(sync({ deprovision: 'delete', maxDeprovisions: 0, overLimit: 'hold', approvedDeprovisions: heldP9 }), people(0, 1, 2, 3, 4, 5, 6, 7, 8));
		const notApplied = deleteRun.outputs![0].find((item) => item.json.action === 'notDeprovisioned');
		assert.match(String(notApplied?.json.reason), /held to be deactivated, and this run would delete it/);
		assert.equal(deleteRun.outputs![1].length, 1, 'held again');
		assert.ok(await k2.scim.findUser('p9@example.com'), 'not deleted');

		const byId = await k2.run(sync({ deprovision: 'delete', maxDeprovisions: 0, overLimit: 'hold', approvedDeprovisions: ` ${String(heldP9[0].id)} ` }), people(0, 1, 2, 3, 4, 5, 6, 7, 8));
		assert.equal(byId.outputs![0].find((item) => item.json.type === 'deprovision')?.json.action, 'deleted');
		assert.equal(await k2.scim.findUser('p9@example.com'), undefined);
	});

	test('Dry Run holds too (the approval path can be tried); a wrong Approved Deprovisions value stops before any request', async () => {
		const dry = await k2.run(sync({ maxDeprovisions: 1, overLimit: 'hold', dryRun: true }), people(0, 1, 2, 3, 4, 5, 6, 7));
		assert.deepEqual(dry.outputs![1].map((item) => [item.json.userName, item.json.dryRun]), [['p8@example.com', true], ['p9@example.com', true]]);
		assert.equal(writes(k2.sandbox), 0);

		k2.sandbox.resetStats();
		const bad = await k2.run(sync({ approvedDeprovisions: '={{ [{ userName: "p9@example.com" }] }}' }), people(0));
		assert.match(bad.error!.message, /Approved Deprovisions entry 0 is not an item of the output Held for Approval/);
		assert.equal(k2.sandbox.stats().total, 0, "no request");
	});

	test('Max Deprovisions (%) is a share of the users Sync could deprovision: users deactivated earlier do not water it down', async () => {
		// 6 of the 10 left long ago (inactive); 2 of the 4 active ones leave now: 50% of what could go, not 20%.
		await k2.run(sync({ maxDeprovisions: 100 }), people(0, 1, 2, 3));
		k2.sandbox.resetStats();
		const run = await k2.run(sync({ maxDeprovisions: 100, maxDeprovisionsPercent: 20, overLimit: 'hold' }), people(0, 1));
		assert.deepEqual(run.outputs![1].map((item) => item.json.userName), ['p2@example.com', 'p3@example.com']);
		assert.equal(run.outputs![1][0].json.reason, 'Held for approval: 2 K2 users would be deactivated, 50% of the 4 users it could deprovision, more than the limit of 20% (Max Deprovisions (%))');
		assert.equal(writes(k2.sandbox), 0);
	});

	test('Over the Limit as an expression is refused before any request (it decides the outputs)', async () => {
		const run = await k2.run(sync({ maxDeprovisions: 1, overLimit: '={{ "hold" }}' }), people(0));
		assert.match(run.error!.message, /Over the Limit cannot be an expression/);
		assert.equal(k2.sandbox.stats().total, 0);
	});

	test('without Hold for Approval the node keeps one output and today\'s safe stop', async () => {
		const run = await k2.run(sync({ maxDeprovisions: 3 }), people(0, 1, 2));
		assert.equal(run.error!.message, 'Sync stopped: 7 K2 users would be deactivated, more than the limit of 3 (Max Deprovisions per Run)');
		assert.equal(writes(k2.sandbox), 0);
		const fine = await k2.run(sync(), people(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
		assert.equal(fine.outputs!.length, 1);
	});
});
