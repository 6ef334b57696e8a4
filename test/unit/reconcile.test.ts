import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { matchKeyProblem, planUserSync } from '../../nodes/K2Scim/scim/reconcile';
import { USER_SCHEMA, type ScimUser } from '../../nodes/K2Scim/scim/schemas';
import type { UserFields } from '../../nodes/K2Scim/scim/user';

const k2User = (id: string, userName: string, extra: Partial<ScimUser> = {}): ScimUser => ({
	schemas: [USER_SCHEMA],
	id,
	userName,
	displayName: userName,
	active: true,
	...extra,
});

const everyone = { inScope: () => true };

test('plans create, update and unchanged, matching userName case-insensitively', () => {
	const existing = [k2User('1', 'Ann@x.io'), k2User('2', 'bob@x.io')];
	const plan = planUserSync(
		existing,
		[
			{ userName: 'ann@x.io', displayName: 'Ann@x.io' },
			{ userName: 'bob@x.io', displayName: 'Bob' },
			{ userName: 'cat@x.io', displayName: 'Cat' },
		],
		{ matchOn: 'userName' },
	);
	assert.deepEqual(
		plan.items.map((i) => [i.index, i.action, i.existing?.id]),
		[
			[0, 'unchanged', '1'],
			[1, 'update', '2'],
			[2, 'create', undefined],
		],
	);
	// A userName equal to K2's but for case is never rewritten:
	assert.deepEqual(plan.items[0].operations, []);
	assert.deepEqual(plan.items[1].operations, [{ op: 'replace', path: 'displayName', value: 'Bob' }]);
	assert.deepEqual(plan.items[2].resource, { schemas: [USER_SCHEMA], userName: 'cat@x.io', displayName: 'Cat' });
	assert.deepEqual(plan.deprovision, []);
});

test('an unchanged user is planned with no operations', () => {
	const plan = planUserSync([k2User('1', 'ann@x.io')], [{ userName: 'ann@x.io', displayName: 'ann@x.io', active: true }], {
		matchOn: 'userName',
	});
	assert.equal(plan.items[0].action, 'unchanged');
	assert.deepEqual(plan.items[0].operations, []);
});

test('every copy of a duplicate in the input is an error, and its K2 user is not deprovisioned', () => {
	const plan = planUserSync([k2User('1', 'ann@x.io')], [{ userName: 'ann@x.io' }, { userName: 'ANN@x.io' }, { userName: 'b@x.io' }], {
		matchOn: 'userName',
		deprovision: { mode: 'delete', ...everyone },
	});
	assert.deepEqual(plan.items.map((i) => i.action), ['error', 'error', 'create']);
	assert.match(plan.items[0].error!, /appears 2 times in the input/);
	assert.deepEqual(plan.deprovision, []);
});

test('items without the match key or with invalid fields are errors', () => {
	const plan = planUserSync([], [{ displayName: 'x' }, { externalId: 'E1', email: 'bad@' }], { matchOn: 'externalId' });
	assert.match(plan.items[0].error!, /no External ID/);
	assert.equal(plan.items[1].action, 'error');
	assert.deepEqual(plan.items[1].problems?.map((p) => p.field).sort(), ['email', 'userName']);
});

test('externalId matching is exact and lets the userName change', () => {
	const plan = planUserSync([k2User('1', 'old@x.io', { externalId: 'E1' })], [{ externalId: 'E1', userName: 'new@x.io' }, { externalId: 'e1', userName: 'z@x.io' }], {
		matchOn: 'externalId',
	});
	assert.equal(plan.items[0].action, 'update');
	assert.deepEqual(plan.items[0].operations, [{ op: 'replace', path: 'userName', value: 'new@x.io' }]);
	assert.equal(plan.items[1].action, 'create');
});

test('two K2 users with the same key make the item an error', () => {
	const plan = planUserSync([k2User('1', 'a', { externalId: 'E1' }), k2User('2', 'b', { externalId: 'E1' })], [{ externalId: 'E1' }], {
		matchOn: 'externalId',
	});
	assert.match(plan.items[0].error!, /matches 2 K2 users \(ids 1, 2\)/);
});

test('deprovisioning deactivates unmatched in-scope users, skipping inactive and out-of-scope ones', () => {
	const existing = [
		k2User('1', 'keep@x.io'),
		k2User('2', 'gone@x.io'),
		k2User('3', 'already@x.io', { active: false }),
		k2User('4', 'admin@x.io'),
	];
	const plan = planUserSync(existing, [{ userName: 'keep@x.io' }], {
		matchOn: 'userName',
		deprovision: { mode: 'deactivate', inScope: (u) => u.userName !== 'admin@x.io' },
	});
	assert.deepEqual(
		plan.deprovision.map((d) => [d.user.id, d.action, d.operations]),
		[['2', 'deactivate', [{ op: 'replace', path: 'active', value: false }]]],
	);
	const deleting = planUserSync(existing, [{ userName: 'keep@x.io' }], { matchOn: 'userName', deprovision: { mode: 'delete', ...everyone } });
	assert.deepEqual(deleting.deprovision.map((d) => d.user.id), ['2', '3', '4']);
	const none = planUserSync(existing, [], { matchOn: 'userName', deprovision: { mode: 'none', ...everyone } });
	assert.deepEqual(none.deprovision, []);
});

test('users without the match key are never deprovisioned', () => {
	const plan = planUserSync([k2User('1', 'manual@x.io')], [], { matchOn: 'externalId', deprovision: { mode: 'delete', ...everyone } });
	assert.deepEqual(plan.deprovision, []);
});

// Its speed is bench/'s business (`npm run bench`: the 100,000-user diff target); this checks the plan at that size.
test('plans 100,000 users: 10% updates, the rest unchanged, nothing deprovisioned', () => {
	const n = 100_000;
	const existing: ScimUser[] = [];
	const desired: UserFields[] = [];
	for (let i = 0; i < n; i++) {
		existing.push(
			k2User(`id${i}`, `user${i}@x.io`, {
				name: { givenName: `G${i}`, familyName: `F${i}` },
				emails: [{ value: `user${i}@x.io`, type: 'work', primary: true }],
				externalId: `E${i}`,
			}),
		);
		desired.push({
			userName: `USER${i}@x.io`.toLowerCase(),
			givenName: `G${i}`,
			familyName: i % 10 === 0 ? `Changed${i}` : `F${i}`,
			email: `user${i}@x.io`,
			displayName: `user${i}@x.io`,
			externalId: `E${i}`,
			active: true,
		});
	}
	const plan = planUserSync(existing, desired, { matchOn: 'userName', deprovision: { mode: 'deactivate', ...everyone } });
	assert.equal(plan.items.filter((i) => i.action === 'update').length, n / 10);
	assert.equal(plan.items.filter((i) => i.action === 'unchanged').length, n - n / 10);
	assert.equal(plan.deprovision.length, 0);
});

test('a match key is usable only as non-blank text', () => {
	assert.equal(matchKeyProblem('ada@example.com'), undefined);
	assert.equal(matchKeyProblem(undefined), 'missing');
	assert.equal(matchKeyProblem(null), 'missing');
	assert.equal(matchKeyProblem('  '), 'blank');
	assert.equal(matchKeyProblem(''), 'blank');
	assert.equal(matchKeyProblem(12345), 'notText');
	assert.equal(matchKeyProblem(true), 'notText');
	assert.equal(matchKeyProblem({ userName: 'x' }), 'notText');
	assert.equal(matchKeyProblem(['x']), 'notText');
});

// --- Matching precedence (scim/match.ts through the planner) ---

const both = (userName: string, externalId: string): UserFields => ({ userName, externalId });

test('External ID, then Username: a renamed person is one account, renamed in place', () => {
	const existing = [k2User('1', 'ann.smith@x.io', { externalId: 'E1' })];
	const plan = planUserSync(existing, [both('ann.jones@x.io', 'E1')], { matchOn: 'externalIdThenUserName', deprovision: { mode: 'delete', ...everyone } });
	assert.equal(plan.items[0].action, 'update');
	assert.equal(plan.items[0].matchedBy, 'externalId');
	assert.deepEqual(plan.items[0].operations, [{ op: 'replace', path: 'userName', value: 'ann.jones@x.io' }]);
	assert.deepEqual(plan.items[0].changes, { userName: { from: 'ann.smith@x.io', to: 'ann.jones@x.io' } });
	assert.match(plan.items[0].reason, /matched by External ID; renamed from ann.smith@x.io/);
	assert.deepEqual(plan.deprovision, []);
});

test('External ID, then Username: without an External ID match the Username matches, and an unowned user is adopted', () => {
	const existing = [k2User('1', 'manual@x.io')];
	const plan = planUserSync(existing, [both('MANUAL@x.io', 'E9')], { matchOn: 'externalIdThenUserName' });
	assert.equal(plan.items[0].matchedBy, 'userName');
	assert.deepEqual(plan.items[0].operations, [{ op: 'replace', path: 'externalId', value: 'E9' }]);
});

test('External ID and Username pointing to different K2 users is an item error, nothing planned', () => {
	const existing = [k2User('1', 'a@x.io', { externalId: 'E1' }), k2User('2', 'b@x.io', { externalId: 'E2' })];
	const plan = planUserSync(existing, [both('b@x.io', 'E1')], { matchOn: 'externalIdThenUserName' });
	assert.equal(plan.items[0].action, 'error');
	assert.match(plan.items[0].error!, /External ID "E1" is K2 user "a@x.io" \(id 1\), but Username "b@x.io" is another K2 user, "b@x.io" \(id 2\)/);
	assert.deepEqual(plan.items[0].operations, []);
});

test('a Username held by a user with another External ID is an error, not a takeover', () => {
	const plan = planUserSync([k2User('1', 'a@x.io', { externalId: 'E1' })], [both('a@x.io', 'E7')], { matchOn: 'externalIdThenUserName' });
	assert.match(plan.items[0].error!, /with External ID "E1", not "E7"/);
});

test('Match On Username: a create whose External ID K2 already has is an error naming the holder and the fix', () => {
	const plan = planUserSync([k2User('1', 'ann.smith@x.io', { externalId: 'E1' })], [both('ann.jones@x.io', 'E1')], { matchOn: 'userName', deprovision: { mode: 'deactivate', ...everyone } });
	assert.equal(plan.items[0].action, 'error');
	assert.match(plan.items[0].error!, /External ID "E1" already belongs to K2 user "ann.smith@x.io" \(id 1\).*External ID, Then Username/);
	assert.deepEqual(plan.deprovision, [], 'the holder is named by its External ID: never deprovisioned');
});

test('Match On External ID: a Username another K2 user holds is an error before any create', () => {
	const plan = planUserSync([k2User('1', 'a@x.io')], [both('a@x.io', 'E1')], { matchOn: 'externalId' });
	assert.match(plan.items[0].error!, /Username "a@x.io" is already K2 user "a@x.io" \(id 1\)/);
});

test('two items claiming one K2 user (one by External ID, one by Username) are both errors', () => {
	const plan = planUserSync([k2User('1', 'a@x.io', { externalId: 'E1' })], [{ externalId: 'E1' }, { userName: 'a@x.io' }], { matchOn: 'externalIdThenUserName' });
	assert.deepEqual(plan.items.map((i) => i.action), ['error', 'error']);
	assert.match(plan.items[1].error!, /2 input items match the same K2 user/);
});

test('identifiers compare in normal form: NFD, spaces and case in K2 or the input are one user', () => {
	const existing = [k2User('1', 'jose\u0301@x.io', { externalId: ' E1 ' })];
	const plan = planUserSync(existing, [both('JOS\u00c9@x.io', 'E1')], { matchOn: 'externalIdThenUserName' });
	assert.equal(plan.items[0].action, 'unchanged');
	const byName = planUserSync(existing, [{ userName: 'jos\u00e9@x.io ' }], { matchOn: 'userName' });
	assert.equal(byName.items[0].action, 'unchanged');
});

test('a deactivated user back in the input is reactivated unless the item maps Active', () => {
	const existing = [k2User('1', 'a@x.io', { externalId: 'E1', active: false })];
	const back = planUserSync(existing, [both('a@x.io', 'E1')], { matchOn: 'externalIdThenUserName' });
	assert.equal(back.items[0].action, 'reactivate');
	assert.deepEqual(back.items[0].operations, [{ op: 'replace', path: 'active', value: true }]);
	assert.deepEqual(back.items[0].changes, { active: { from: false, to: true } });
	assert.match(back.items[0].reason, /reactivated/);
	const keptOff = planUserSync(existing, [{ ...both('a@x.io', 'E1'), active: false }], { matchOn: 'externalIdThenUserName' });
	assert.equal(keptOff.items[0].action, 'unchanged');
	const noActive = planUserSync([k2User('1', 'a@x.io', { active: undefined })], [{ userName: 'a@x.io' }], { matchOn: 'userName' });
	assert.equal(noActive.items[0].action, 'unchanged', 'a K2 that does not return active gets no write');
});

test('an External ID two K2 users hold is an error in every mode that matches on it', () => {
	const existing = [k2User('1', 'a@x.io', { externalId: 'E1' }), k2User('2', 'b@x.io', { externalId: 'E1' })];
	for (const matchOn of ['externalId', 'externalIdThenUserName'] as const) {
		const plan = planUserSync(existing, [both('a@x.io', 'E1')], { matchOn });
		assert.match(plan.items[0].error!, /External ID "E1" matches 2 K2 users/);
	}
});
