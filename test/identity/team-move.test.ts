// Class 3: a team move X -> Y. Managed Groups decides whether Sync removes the user from X when
// no other item names X; non-participants are never removed from anything.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import { count, useK2, writes } from '../support/fixture';
import { groupItem, K2State, syncCase, syncWithGroups, userItems } from './support';

describe('Identity: a team move with Managed Groups', () => {
	const k2 = useK2({ reset: 'data' });
	const state = new K2State(k2);
	let ids: Record<string, string>;
	let groups: Record<string, string>;

	beforeEach(async () => {
		// Ada and Grace are in X; Carol (an item without Groups) is in X too; Dan (not in the input) is in X and Z.
		ids = {};
		for (const [name, externalId] of [['ada', 'E1'], ['grace', 'E2'], ['carol', 'E3'], ['dan', 'E4']]) {
			ids[name] = (await k2.scim.createUser(`${name}@example.com`, { externalId })).id;
		}
		groups = {
			X: (await k2.scim.createGroup('X', [ids.ada, ids.grace, ids.carol, ids.dan])).id,
			Y: (await k2.scim.createGroup('Y')).id,
			Z: (await k2.scim.createGroup('Z', [ids.ada, ids.dan])).id,
		};
		k2.sandbox.resetStats();
	});

	/** Ada moves X -> Y; Grace moves X -> Y; Carol has no groups column; Dan is not in the input. */
	const moved: IDataObject[] = [
		{ mail: 'ada@example.com', employeeId: 'E1', groups: 'Y' },
		{ mail: 'grace@example.com', employeeId: 'E2', groups: 'Y' },
		{ mail: 'carol@example.com', employeeId: 'E3' },
	];

	test("Managed Groups 'all': the movers leave X and Z though no item names them; Carol and Dan stay", async () => {
		const { dryRun, result, rerun } = await syncCase(k2, syncWithGroups({ managedGroups: 'all' }), moved);
		assert.deepEqual((groupItem(dryRun, 'X').membersRemoved as string[]).sort(), ['ada@example.com', 'grace@example.com']);

		assert.equal(result.error, undefined);
		assert.deepEqual(await state.groupsOf(ids.ada), ['Y']);
		assert.deepEqual(await state.groupsOf(ids.grace), ['Y']);
		assert.deepEqual(await state.groupsOf(ids.carol), ['X'], 'an item without Groups is not a participant');
		assert.deepEqual(await state.groupsOf(ids.dan), ['X', 'Z'], 'a K2 user not in the input is never removed');
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 0);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 0);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 3, 'one PATCH each for X, Y, Z');
		assert.deepEqual((groupItem(result, 'X').membersRemoved as string[]).sort(), ['ada@example.com', 'grace@example.com']);
		assert.deepEqual(groupItem(result, 'Z').membersRemoved, ['ada@example.com']);
		await rerun();
	});

	test("Managed Groups 'list' containing X: removed from X, Z (not listed) is left alone and reported in otherGroups", async () => {
		const { result, rerun } = await syncCase(k2, syncWithGroups({ managedGroups: 'list', managedGroupList: 'x, Y' }), moved);
		assert.equal(result.error, undefined);
		assert.deepEqual(await state.groupsOf(ids.ada), ['Y', 'Z']);
		assert.deepEqual(await state.groupsOf(ids.grace), ['Y']);
		assert.deepEqual(await state.groupsOf(ids.carol), ['X']);
		assert.deepEqual(await state.groupsOf(ids.dan), ['X', 'Z']);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 2, 'X and Y only');
		assert.deepEqual(userItems(result)[0].otherGroups, ['Z']);
		await rerun();
	});

	test("Managed Groups 'named' (the default): X is kept and listed in otherGroups; only Y is written", async () => {
		const { result, rerun } = await syncCase(k2, syncWithGroups(), moved);
		assert.equal(result.error, undefined);
		assert.deepEqual(await state.groupsOf(ids.ada), ['X', 'Y', 'Z']);
		assert.deepEqual(await state.groupsOf(ids.grace), ['X', 'Y']);
		assert.deepEqual(await state.groupsOf(ids.dan), ['X', 'Z']);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1, 'Y only');
		assert.equal(writes(k2.sandbox), 1);
		const [ada, grace, carol] = userItems(result);
		assert.deepEqual([...(ada.otherGroups as string[])].sort(), ['X', 'Z']);
		assert.deepEqual(grace.otherGroups, ['X']);
		assert.equal(carol.otherGroups, undefined, 'only participants get otherGroups');
		await rerun();
	});

	test("Managed Groups 'all' when another item still names X: X keeps that item, loses the mover", async () => {
		const items = [moved[0], { mail: 'grace@example.com', employeeId: 'E2', groups: 'X' }, moved[2]];
		const { result, rerun } = await syncCase(k2, syncWithGroups({ managedGroups: 'all' }), items);
		assert.equal(result.error, undefined);
		assert.deepEqual(await state.groupsOf(ids.ada), ['Y']);
		assert.deepEqual(await state.groupsOf(ids.grace), ['X']);
		assert.deepEqual(await state.membersOf(groups.X), [ids.carol, ids.dan, ids.grace].sort());
		await rerun();
	});

	test("Managed Groups 'all' and an empty Groups value: the participant leaves every group", async () => {
		const items = [{ mail: 'ada@example.com', employeeId: 'E1', groups: [] }];
		const { result, rerun } = await syncCase(k2, syncWithGroups({ managedGroups: 'all' }), items);
		assert.equal(result.error, undefined);
		assert.deepEqual(await state.groupsOf(ids.ada), []);
		assert.deepEqual(await state.groupsOf(ids.dan), ['X', 'Z']);
		await rerun();
	});
});
