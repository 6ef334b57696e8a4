// Sync's group planning (scim/groupSync): what to create, which members to add and remove, in
// which PATCHes, and how a create whose answer was lost is found again.
import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import {
	groupCreateBody,
	groupNameFilter,
	groupNamed,
	memberPatches,
	membersFromUsers,
	planGroupSync,
	wantedGroups,
} from '../../nodes/K2Scim/scim/groupSync';
import type { GroupSyncUser } from '../../nodes/K2Scim/scim/groupSync';

const user = (key: string, groups: string[] | undefined, current: string[] = []): GroupSyncUser => ({
	key,
	groups,
	currentGroupIds: new Set(current),
});

test('wanted groups are keyed case-insensitively; the first spelling names the group', () => {
	const wanted = wantedGroups([user('u1', ['Sales']), user('u2', ['sales', 'IT']), user('u3', undefined)]);
	assert.deepEqual([...wanted.keys()], ['sales', 'it']);
	assert.equal(wanted.get('sales')!.displayName, 'Sales');
	assert.deepEqual([...wanted.get('sales')!.members], ['u1', 'u2']);
});

test("current members come from the users' groups attribute", () => {
	const members = membersFromUsers([user('u1', [], ['g1', 'g2']), user('u2', [], ['g1'])]);
	assert.deepEqual([...members.get('g1')!], ['u1', 'u2']);
	assert.deepEqual([...members.get('g2')!], ['u1']);
});

test('plan: a missing group is created, an existing one patched, a right one left alone', () => {
	const users = [user('u1', ['Sales', 'New']), user('u2', ['Sales'], ['g1']), user('u3', ['IT'], ['g1', 'g2'])];
	const existing = new Map([
		['sales', { id: 'g1', displayName: 'Sales' }],
		['it', { id: 'g2', displayName: 'IT' }],
	]);
	const steps = planGroupSync(users, existing, membersFromUsers(users), { createMissingGroups: true });
	assert.deepEqual(
		steps.map((s) => [s.displayName, s.action, s.groupId, s.add, s.remove, s.patches.length]),
		[
			['Sales', 'update', 'g1', ['u1'], ['u3'], 1],
			['New', 'create', undefined, ['u1'], [], 1],
			['IT', 'unchanged', 'g2', [], [], 0],
		],
	);
	assert.deepEqual(steps[0].patches[0].body.Operations, [
		{ op: 'add', path: 'members', value: [{ value: 'u1' }] },
		{ op: 'remove', path: 'members[value eq "u3"]' },
	]);
});

test('plan: a missing group with Create Missing Groups off is an error step with no write', () => {
	const [step] = planGroupSync([user('u1', ['Ghost'])], new Map(), new Map(), { createMissingGroups: false });
	assert.equal(step.action, 'error');
	assert.equal(step.error, 'K2 has no group "Ghost" and Create Missing Groups is off');
	assert.deepEqual(step.patches, []);
});

test('plan: only synced users are removed; users whose items leave groups alone are not', () => {
	// u2 lists no groups (undefined): its memberships are not this sync's business.
	const users = [user('u1', ['Sales'], ['g1']), user('u2', undefined, ['g1'])];
	const steps = planGroupSync(users, new Map([['sales', { id: 'g1', displayName: 'Sales' }]]), new Map([['g1', new Set(['u1', 'u2', 'admin'])]]), {
		createMissingGroups: true,
	});
	assert.deepEqual(steps.map((s) => [s.action, s.remove]), [['unchanged', []]]);
});

test('member patches: at most 100 members per operation, each PATCH names the members it carries', () => {
	const add = Array.from({ length: 250 }, (_, i) => `a${i}`);
	const remove = Array.from({ length: 120 }, (_, i) => `r${i}`);
	const patches = memberPatches('g1', add, remove);
	assert.deepEqual(patches.map((p) => [p.add.length, p.remove.length]), [
		[100, 100],
		[100, 20],
		[50, 0],
	]);
	assert.deepEqual(patches.flatMap((p) => p.add), add, 'every member once, in order');
	assert.deepEqual(patches.flatMap((p) => p.remove), remove);
	for (const patch of patches) {
		const addOp = patch.body.Operations.find((op) => op.op === 'add');
		assert.deepEqual((addOp?.value as Array<{ value: string }>).map((m) => m.value), patch.add);
		assert.equal(patch.body.Operations.filter((op) => op.op === 'remove').length, patch.remove.length);
	}
});

test('member patches: none when nothing changes; a group is never its own member', () => {
	assert.deepEqual(memberPatches('g1', [], []), []);
	assert.deepEqual(memberPatches('g1', ['g1'], []), []);
	const [patch] = memberPatches('g1', ['g1', 'u1'], []);
	assert.deepEqual(patch.add, ['u1']);
});

test('a group is created without members; found again by an escaped displayName filter', () => {
	assert.deepEqual(groupCreateBody('Sales'), { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Sales' });
	assert.equal(groupNameFilter('R&D "EMEA"'), 'displayName eq "R&D \\"EMEA\\""');
	const found = [{ schemas: [], id: 'g9', displayName: 'sales' }];
	assert.equal(groupNamed(found, 'Sales')?.id, 'g9', 'names compare case-insensitively, as K2 compares them');
	assert.equal(groupNamed(found, 'Sales EMEA'), undefined, 'a different name is not the group');
	assert.equal(groupNamed([{ schemas: [], displayName: 'Sales' }], 'Sales'), undefined, 'a group without an id is not an answer');
	assert.equal(groupNamed(undefined, 'Sales'), undefined);
});
