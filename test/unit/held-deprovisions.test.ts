import assert from 'node:assert/strict';
import { test } from 'node:test';

import { heldItem, limitExceeded, readApprovals, splitByApproval } from '../../nodes/K2Scim/actions/user/heldDeprovisions';
import type { DeprovisionPlan } from '../../nodes/K2Scim/scim/reconcile';
import type { ScimUser } from '../../nodes/K2Scim/scim/schemas';

const user = (id: string, extra: Partial<ScimUser> = {}): ScimUser => ({ id, userName: `${id}@example.com`, externalId: `E-${id}`, active: true, ...extra }) as ScimUser;
const deactivate = (u: ScimUser): DeprovisionPlan => ({ user: u, action: 'deactivate', operations: [] });

test('limitExceeded: the count limit first, then the share of the users in scope (strictly more than)', () => {
	assert.equal(limitExceeded(10, 100, { maxCount: 10 }), undefined);
	assert.equal(limitExceeded(11, 100, { maxCount: 10 }), '11 users, more than Max Deprovisions per Run (10)');
	assert.equal(limitExceeded(20, 100, { maxCount: 50, maxPercent: 20 }), undefined);
	assert.equal(limitExceeded(1, 3, { maxCount: 50, maxPercent: 20 }), '1 of the 3 users in the deprovision scope (33.3%), more than Max Deprovisions (%) (20%)');
	assert.equal(limitExceeded(0, 0, { maxCount: 0, maxPercent: 0 }), undefined);
});

test('readApprovals: held items, n8n items, IDs in a list or a string; anything else is a problem', () => {
	assert.deepEqual(readApprovals(''), { approvals: [] });
	assert.deepEqual(readApprovals(undefined), { approvals: [] });
	assert.match((readApprovals(null) as { problem: string }).problem, /is null: the expression gave nothing/);
	assert.deepEqual(readApprovals(' a1, b2\nc3 ,'), { approvals: [{ id: 'a1' }, { id: 'b2' }, { id: 'c3' }] });
	assert.deepEqual(readApprovals([{ json: { id: 'a1', deprovision: 'delete', userName: 'x@example.com', externalId: 'E1', reason: 'r' } }, 'b2']), {
		approvals: [{ id: 'a1', action: 'delete', userName: 'x@example.com', externalId: 'E1' }, { id: 'b2' }],
	});
	assert.deepEqual(readApprovals([{ id: 'a1', deprovision: 'explode', externalId: null }]), { approvals: [{ id: 'a1' }] });
	assert.match((readApprovals({ id: 'a1' }) as { problem: string }).problem, /must be a list of held items or K2 IDs, not object/);
	assert.match((readApprovals([{ userName: 'x' }]) as { problem: string }).problem, /entry 0 is neither a held item/);
	assert.match((readApprovals(['a', 7]) as { problem: string }).problem, /entry 1 is neither/);
	assert.match((readApprovals([{ id: '  ' }]) as { problem: string }).problem, /entry 0/);
});

test('splitByApproval: approved only when planned, same action, same person (Username and External ID in normal form)', () => {
	const a = user('a');
	const b = user('b');
	const c = user('c');
	const gone = 'zz';
	const back = user('back');
	const outOfScope = user('out', { externalId: undefined });
	const inactive = user('inactive', { active: false });
	const split = splitByApproval(
		[deactivate(a), deactivate(b), deactivate(c)],
		[
			{ id: 'a', action: 'deactivate', userName: 'A@EXAMPLE.COM', externalId: 'E-a' },
			{ id: 'b', userName: 'someone@example.com' },
			{ id: gone },
			{ id: 'back' },
			{ id: 'out' },
			{ id: 'inactive' },
		],
		[a, b, c, back, outOfScope, inactive],
		(u) => Boolean(u.externalId),
	);
	assert.deepEqual(split.approved.map((plan) => plan.user.id), ['a']);
	assert.deepEqual(split.unapproved.map((plan) => plan.user.id), ['b', 'c']);
	assert.deepEqual(
		split.notApplied.map((entry) => [entry.approval.id, entry.reason]),
		[
			['b', 'its userName changed in K2 since it was held ("someone@example.com", now "b@example.com"): run Sync and approve it again'],
			[gone, 'K2 has no user with this ID any more'],
			['back', 'an input item names it again (or this run deprovisions nothing)'],
			['out', 'it is no longer in the deprovision scope'],
			['inactive', 'it is inactive already'],
		],
	);
	const mismatch = splitByApproval([{ user: a, action: 'delete', operations: [] }], [{ id: 'a', action: 'deactivate' }], [a], () => true);
	assert.deepEqual(mismatch.approved, []);
	assert.match(mismatch.notApplied[0].reason, /held to be deactivated, and this run would delete it/);
});

test('heldItem: what would be done, to whom, why, and when', () => {
	assert.deepEqual(heldItem(deactivate(user('a')), '11 users, more than Max Deprovisions per Run (10)', '2026-12-06T00:00:00.000Z', true), {
		type: 'deprovision',
		action: 'held',
		deprovision: 'deactivate',
		id: 'a',
		userName: 'a@example.com',
		externalId: 'E-a',
		reason: 'Held for approval: 11 users, more than Max Deprovisions per Run (10)',
		heldAt: '2026-12-06T00:00:00.000Z',
		dryRun: true,
	});
});
