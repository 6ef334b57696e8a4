import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { memberPatchRequests, renameOperations, simplifyGroup, toScimGroup } from '../../nodes/K2Scim/scim/group';
import { GROUP_SCHEMA, PATCH_OP_SCHEMA, type ScimGroup } from '../../nodes/K2Scim/scim/schemas';

const ids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

test('simplifyGroup flattens members and counts them', () => {
	const group: ScimGroup = {
		schemas: [GROUP_SCHEMA],
		id: 'g-1',
		displayName: 'Sales',
		externalId: 'X1',
		members: [{ value: 'u1', display: 'Ann' }, { value: 'u2' }],
		meta: { created: '2025-01-01T00:00:00Z', lastModified: '2025-01-02T00:00:00Z' },
	};
	assert.deepEqual(simplifyGroup(group), {
		id: 'g-1',
		displayName: 'Sales',
		externalId: 'X1',
		members: [
			{ id: 'u1', display: 'Ann' },
			{ id: 'u2', display: null },
		],
		memberCount: 2,
		membersTruncated: false,
		created: '2025-01-01T00:00:00Z',
		lastModified: '2025-01-02T00:00:00Z',
	});
});

test('simplifyGroup flags a member list at K2\'s cap of 100 as truncated', () => {
	const group: ScimGroup = { schemas: [GROUP_SCHEMA], members: ids(100).map((value) => ({ value })) };
	assert.equal(simplifyGroup(group).membersTruncated, true);
	assert.equal(simplifyGroup({ schemas: [GROUP_SCHEMA] }).memberCount, 0);
});

test('toScimGroup builds a group with de-duplicated members', () => {
	assert.deepEqual(toScimGroup({ displayName: 'Sales', externalId: 'X', memberIds: ['a', ' a ', 'b', ''] }), {
		schemas: [GROUP_SCHEMA],
		displayName: 'Sales',
		externalId: 'X',
		members: [{ value: 'a' }, { value: 'b' }],
	});
	assert.deepEqual(toScimGroup({ displayName: 'Empty', externalId: null }), { schemas: [GROUP_SCHEMA], displayName: 'Empty' });
});

test('250 added members become 3 requests of at most 100 members each', () => {
	const requests = memberPatchRequests('g-1', ids(250), []);
	assert.equal(requests.length, 3);
	assert.deepEqual(
		requests.map((r) => r.Operations.map((op) => (op.value as unknown[]).length)),
		[[100], [100], [50]],
	);
	for (const request of requests) {
		assert.deepEqual(request.schemas, [PATCH_OP_SCHEMA]);
		assert.equal(request.Operations[0].op, 'add');
		assert.equal(request.Operations[0].path, 'members');
	}
	assert.deepEqual((requests[2].Operations[0].value as Array<{ value: string }>).at(-1), { value: 'u250' });
});

test('removals use one RFC value-filter op per member, at most 100 per request', () => {
	const requests = memberPatchRequests(undefined, [], ids(150, 'r'));
	assert.deepEqual(requests.map((r) => r.Operations.length), [100, 50]);
	assert.deepEqual(requests[0].Operations[0], { op: 'remove', path: 'members[value eq "r1"]' });
});

test('removal ids are escaped inside the value filter', () => {
	const [request] = memberPatchRequests(undefined, [], ['a" or value pr or value eq "b']);
	assert.equal(request.Operations[0].path, 'members[value eq "a\\" or value pr or value eq \\"b"]');
});

test('a request may carry one add op and the removals', () => {
	const [request, ...rest] = memberPatchRequests(undefined, ['a1', 'a2'], ['r1']);
	assert.equal(rest.length, 0);
	assert.deepEqual(request.Operations, [
		{ op: 'add', path: 'members', value: [{ value: 'a1' }, { value: 'a2' }] },
		{ op: 'remove', path: 'members[value eq "r1"]' },
	]);
});

test('duplicates collapse and an id both added and removed is left alone', () => {
	const [request] = memberPatchRequests(undefined, ['a', 'a', 'both', 'b'], ['both', 'r', 'r']);
	assert.deepEqual(request.Operations, [
		{ op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
		{ op: 'remove', path: 'members[value eq "r"]' },
	]);
	assert.deepEqual(memberPatchRequests(undefined, ['x'], ['x']), []);
	assert.deepEqual(memberPatchRequests(undefined, [], []), []);
});

test('a group is never added to itself', () => {
	assert.deepEqual(memberPatchRequests('g-1', ['g-1'], []), []);
});

test('renameOperations replaces displayName', () => {
	assert.deepEqual(renameOperations('New'), [{ op: 'replace', path: 'displayName', value: 'New' }]);
});
