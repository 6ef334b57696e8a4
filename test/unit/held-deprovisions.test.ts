import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import { heldItem, limitExceeded, readApprovals, splitByApproval } from '../../nodes/K2Scim/actions/user/heldDeprovisions';
import type { DeprovisionPlan } from '../../nodes/K2Scim/scim/reconcile';
import type { ScimUser } from '../../nodes/K2Scim/scim/schemas';

const user = (id: string, extra: Partial<ScimUser> = {}): ScimUser => ({ id, userName: `${id}@example.com`, externalId: `E-${id}`, active: true, ...extra }) as ScimUser;
const deactivate = (u: ScimUser): DeprovisionPlan => ({ user: u, action: 'deactivate', operations: [] });

test('limitExceeded: the count limit first, then the share of the users in scope (strictly more than)', () => {
	assert.equal(limitExceeded(10, 100, { maxCount: 10 }), undefined);
	assert.equal(limitExceeded(11, 100, { maxCount: 10 }), 'more than the limit of 10 (Max Deprovisions per Run)');
	assert.equal(limitExceeded(20, 100, { maxCount: 50, maxPercent: 20 }), undefined);
	assert.equal(limitExceeded(1, 3, { maxCount: 50, maxPercent: 20 }), '33.3% of the 3 users it could deprovision, more than the limit of 20% (Max Deprovisions (%))');
	assert.equal(limitExceeded(0, 0, { maxCount: 0, maxPercent: 0 }), undefined);
});

test('readApprovals: held items, n8n items, IDs in a list or a string; anything else is a problem', () => {
	assert.deepEqual(readApprovals(''), { approvals: [] });
	assert.deepEqual(readApprovals(undefined), { approvals: [] });
	assert.match((readApprovals(null) as { problem: string }).problem, /is null: the expression gave nothing/);
	assert.deepEqual(readApprovals(' a1, b2\nc3 ,'), { approvals: [{ id: 'a1' }, { id: 'b2' }, { id: 'c3' }] });
	assert.deepEqual(readApprovals([{ json: { action: 'held', id: 'a1', deprovision: 'delete', userName: 'x@example.com', externalId: 'E1', reason: 'r' } }, 'b2']), {
		approvals: [{ id: 'a1', action: 'delete', userName: 'x@example.com', externalId: 'E1' }, { id: 'b2' }],
	});
	// Held without an External ID (null): remembered, so an account that gained one is not the one approved.
	assert.deepEqual(readApprovals([{ action: 'held', id: 'a1', deprovision: 'explode', externalId: null, dryRun: true }]), { approvals: [{ id: 'a1', externalId: null, dryRun: true }] });
	assert.match((readApprovals({ id: 'a1' }) as { problem: string }).problem, /must be a list of held items or K2 IDs, not object/);
	assert.match((readApprovals([{ action: 'held', userName: 'x' }]) as { problem: string }).problem, /entry 0 is not an item of the output Held for Approval/);
	// Sync's Done output (or the input) has ids too: not approvals.
	assert.match((readApprovals([{ id: 'a1', action: 'created', userName: 'x' }]) as { problem: string }).problem, /entry 0 is not an item of the output Held for Approval \(action "held" and an id\)/);
	assert.match((readApprovals(['a', 7]) as { problem: string }).problem, /entry 1 is neither a held item nor a K2 ID: 7/);
	assert.match((readApprovals([{ action: 'held', id: '  ' }]) as { problem: string }).problem, /entry 0/);
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
		{ inScope: (u) => Boolean(u.externalId), dryRun: false },
	);
	assert.deepEqual(split.approved.map((plan) => plan.user.id), ['a']);
	assert.deepEqual(split.unapproved.map((plan) => plan.user.id), ['b', 'c']);
	assert.deepEqual(
		split.notApplied.map((entry) => [entry.approval.id, entry.reason]),
		[
			['b', 'its userName changed in K2 since it was held ("someone@example.com", now "b@example.com"): run Sync and approve it again'],
			[gone, 'K2 has no user with this ID any more'],
			['back', 'an input item names it again'],
			['out', 'it is no longer in the deprovision scope'],
			['inactive', 'it is inactive already'],
		],
	);
	const everyone = { inScope: () => true, dryRun: false };
	const mismatch = splitByApproval([{ user: a, action: 'delete', operations: [] }], [{ id: 'a', action: 'deactivate' }], [a], everyone);
	assert.deepEqual(mismatch.approved, []);
	assert.match(mismatch.notApplied[0].reason, /held to be deactivated, and this run would delete it/);

	// External IDs are case-exact (RFC 7643): "e-a" is not "E-a". Held without one: must still have none.
	const caseChanged = splitByApproval([deactivate(a)], [{ id: 'a', externalId: 'e-a' }], [a], everyone);
	assert.match(caseChanged.notApplied[0]?.reason ?? '', /its externalId changed in K2 since it was held \("e-a", now "E-a"\)/);
	const gainedOne = splitByApproval([deactivate(a)], [{ id: 'a', externalId: null }], [a], everyone);
	assert.match(gainedOne.notApplied[0]?.reason ?? '', /its externalId changed in K2 since it was held \(null, now "E-a"\)/);
	const stillNone = splitByApproval([deactivate(outOfScope)], [{ id: 'out', externalId: null }], [outOfScope], everyone);
	assert.deepEqual(stillNone.approved.map((plan) => plan.user.id), ['out']);

	// A Dry Run's held items do not approve a real run (they do a dry one).
	assert.match(splitByApproval([deactivate(a)], [{ id: 'a', dryRun: true }], [a], everyone).notApplied[0]?.reason ?? '', /held by a Dry Run/);
	assert.deepEqual(splitByApproval([deactivate(a)], [{ id: 'a', dryRun: true }], [a], { ...everyone, dryRun: true }).approved.length, 1);

	// A run that deprovisions nobody says why, whatever the user.
	const none = splitByApproval([], [{ id: 'a' }], [a], { ...everyone, noDeprovisions: 'Deprovision Missing Users is "Do Nothing"' });
	assert.deepEqual(none.notApplied.map((entry) => entry.reason), ['Deprovision Missing Users is "Do Nothing"']);
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
