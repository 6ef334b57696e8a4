import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import { planMemberships } from '../../nodes/K2Scim/scim/membership';

test('members are added where missing and removed only when they take part in the sync', () => {
	const wanted = new Map([
		['sales', { displayName: 'Sales', members: new Set(['u1', 'u2']) }],
		['new team', { displayName: 'New Team', members: new Set(['u3']) }],
	]);
	const existing = new Map([['sales', { id: 'g1', displayName: 'Sales' }]]);
	// u2 is already in; u3 (a sync user) no longer lists Sales; admin is not part of the sync.
	const current = new Map([['g1', new Set(['u2', 'u3', 'admin'])]]);
	const plans = planMemberships(wanted, existing, current, new Set(['u1', 'u2', 'u3']));
	assert.deepEqual(plans, [
		{ displayName: 'Sales', groupId: 'g1', add: ['u1'], remove: ['u3'] },
		{ displayName: 'New Team', groupId: undefined, add: ['u3'], remove: [] },
	]);
});

test('a group already right needs no change', () => {
	const plans = planMemberships(
		new Map([['sales', { displayName: 'Sales', members: new Set(['u1']) }]]),
		new Map([['sales', { id: 'g1', displayName: 'Sales' }]]),
		new Map([['g1', new Set(['u1'])]]),
		new Set(['u1']),
	);
	assert.deepEqual(plans, [{ displayName: 'Sales', groupId: 'g1', add: [], remove: [] }]);
});
