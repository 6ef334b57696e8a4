import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import {
	isMember,
	lookupChunks,
	memberChangeOutcomes,
	memberPatches,
	planMemberChange,
	readUserLookup,
	usersByIdFilter,
} from '../../nodes/K2Scim/scim/memberPlan';

const ids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const complete = (members: string[]) => ({ members: new Set(members), complete: true });

test('add: only IDs that are not members are sent; the others are reported as already members', () => {
	const plan = planMemberChange('add', complete(['u1']), [{ itemIndex: 0, ids: ['u1', 'u2'] }]);
	assert.deepEqual(plan.items, [{ itemIndex: 0, change: ['u2'], unchanged: ['u1'], unverified: [] }]);
	assert.deepEqual(plan.patches.map((p) => p.ids), [['u2']]);
	assert.deepEqual(plan.patches[0].request.Operations, [{ op: 'add', path: 'members', value: [{ value: 'u2' }] }]);
});

test('remove: non-members are not sent and not reported as removed', () => {
	const plan = planMemberChange('remove', complete(['u1']), [{ itemIndex: 3, ids: ['u1', 'u9'] }]);
	assert.deepEqual(plan.items, [{ itemIndex: 3, change: ['u1'], unchanged: ['u9'], unverified: [] }]);
	assert.deepEqual(plan.patches[0].request.Operations, [{ op: 'remove', path: 'members[value eq "u1"]' }]);
});

test('items for one group run as if one after another: the second finds the first one\'s member', () => {
	const plan = planMemberChange('add', complete([]), [
		{ itemIndex: 0, ids: ['a', 'b'] },
		{ itemIndex: 1, ids: ['b', 'c'] },
	]);
	assert.deepEqual(plan.items.map((i) => [i.change, i.unchanged]), [[['a', 'b'], []], [['c'], ['b']]]);
	assert.deepEqual(plan.patches.map((p) => p.ids), [['a', 'b', 'c']]);
});

test('a cut read leaves the unseen IDs unverified: sent (idempotent) and reported apart', () => {
	const current = { members: new Set(['u1']), complete: false, notMembers: new Set(['u3']) };
	assert.equal(isMember(current, 'u1'), true);
	assert.equal(isMember(current, 'u3'), false);
	assert.equal(isMember(current, 'u2'), undefined);
	const plan = planMemberChange('add', current, [{ itemIndex: 0, ids: ['u1', 'u2', 'u3'] }]);
	assert.deepEqual(plan.items[0], { itemIndex: 0, change: ['u3'], unchanged: ['u1'], unverified: ['u2'] });
	assert.deepEqual(plan.patches.map((p) => p.ids), [['u2', 'u3']]);
});

test('known unknown users are never sent; adding them fails in the outcome', () => {
	const plan = planMemberChange('add', complete([]), [{ itemIndex: 0, ids: ['ghost', 'u1'] }], new Set(['ghost']));
	assert.deepEqual(plan.patches.map((p) => p.ids), [['u1']]);
	const [outcome] = memberChangeOutcomes(plan, new Map([['ghost', { reason: 'unknownUser' as const }]]));
	assert.deepEqual(outcome.change, ['u1']);
	assert.deepEqual(outcome.failed, [{ id: 'ghost', failure: { reason: 'unknownUser' } }]);
	const removal = planMemberChange('remove', complete([]), [{ itemIndex: 0, ids: ['ghost'] }], new Set(['ghost']));
	assert.deepEqual(removal.items[0].unchanged, ['ghost']);
	assert.equal(removal.patches.length, 0);
});

test('patches hold at most 100 members each and carry their IDs', () => {
	const patches = memberPatches('add', ids(250));
	assert.deepEqual(patches.map((p) => p.ids.length), [100, 100, 50]);
	const removes = memberPatches('remove', ['a"b']);
	assert.deepEqual(removes[0].request.Operations, [{ op: 'remove', path: 'members[value eq "a\\"b"]' }]);
});

test('outcomes take failed IDs out of what changed, for every item that relied on them', () => {
	const plan = planMemberChange('add', complete([]), [
		{ itemIndex: 0, ids: ['a', 'b'] },
		{ itemIndex: 1, ids: ['b'] },
	]);
	const error = new Error('K2 answered 500');
	const outcomes = memberChangeOutcomes(plan, new Map([['b', { reason: 'requestFailed' as const, error }]]));
	assert.deepEqual(outcomes[0].change, ['a']);
	assert.deepEqual(outcomes[0].failed, [{ id: 'b', failure: { reason: 'requestFailed', error } }]);
	assert.deepEqual(outcomes[1].unchanged, []);
	assert.equal(outcomes[1].failed.length, 1, 'the second item does not claim b was already a member');
});

test('bounded lookups: 50 IDs per filter, escaped', () => {
	assert.deepEqual(lookupChunks(ids(10_000)).length, 200);
	assert.equal(usersByIdFilter(['a', 'b"c']), 'id eq "a" or id eq "b\\"c"');
});

test('readUserLookup: unknown users, and membership when the server lists users\' groups', () => {
	const users = [
		{ id: 'probe', groups: [{ value: 'g1' }] },
		{ id: 'in', groups: [{ value: 'g1' }, { value: 'g2' }] },
		{ id: 'out' },
	];
	assert.deepEqual(readUserLookup('g1', ['in', 'out', 'ghost'], users), { unknownUsers: ['ghost'], members: ['in'], notMembers: ['out'] });
	assert.deepEqual(readUserLookup('g1', ['out'], [{ id: 'out' }]), { unknownUsers: [], members: [], notMembers: [] }, 'no groups anywhere: unknown state');
});
