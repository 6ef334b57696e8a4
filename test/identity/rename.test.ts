// Class 1: a rename. HR changes a userName (a marriage); the person keeps one K2 account.
import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';

import { count, useK2, writes } from '../support/fixture';
import {
	createOrUpdateParameters,
	errorText,
	K2State,
	noWrites,
	syncCase,
	syncParameters,
	syncWithGroups,
	userItems,
	V2,
	V2_CONTINUE,
} from './support';

describe('Identity: a rename in HR renames the one K2 account', () => {
	const k2 = useK2({ reset: 'data' });
	const state = new K2State(k2);

	test('Sync (version 2 default match): same External ID, new userName -> one PATCH of userName, same account, groups kept', async () => {
		const jane = await k2.scim.createUser('jane.smith@example.com', { externalId: 'E1', title: 'Engineer' });
		const team = await k2.scim.createGroup('Engineering', [jane.id]);
		const items = [{ mail: 'jane.jones@example.com', employeeId: 'E1', title: 'Engineer' }];

		const { dryRun, result, rerun } = await syncCase(k2, syncParameters(), items);
		assert.equal(userItems(dryRun)[0].action, 'update', 'Dry Run plans an update, not a create');

		assert.equal(result.error, undefined);
		const [item] = userItems(result);
		assert.equal(item.action, 'updated');
		assert.equal(item.id, jane.id);
		assert.equal(count(k2.sandbox, 'POST /Users'), 0, 'no second account');
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		assert.equal(writes(k2.sandbox), 1);

		assert.equal((await state.users()).length, 1);
		const renamed = await state.user(jane.id);
		assert.equal(renamed.userName, 'jane.jones@example.com');
		assert.equal(renamed.externalId, 'E1');
		assert.equal(await k2.scim.findUser('jane.smith@example.com'), undefined, 'the old userName is gone');
		assert.deepEqual(await state.membersOf(team.id), [jane.id], 'still in Engineering');

		const again = await rerun();
		assert.equal(userItems(again)[0].action, 'unchanged');
	});

	test('Sync with Groups mapped: the renamed user stays in its group with no membership write', async () => {
		const jane = await k2.scim.createUser('jane.smith@example.com', { externalId: 'E1' });
		const team = await k2.scim.createGroup('Engineering', [jane.id]);
		const items = [{ mail: 'jane.jones@example.com', employeeId: 'E1', groups: 'Engineering' }];

		const { result, rerun } = await syncCase(k2, syncWithGroups(), items);
		assert.equal(result.error, undefined);
		assert.equal(userItems(result)[0].action, 'updated');
		assert.equal(count(k2.sandbox, 'POST /Users'), 0);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 0, 'membership already right');
		assert.equal(count(k2.sandbox, 'POST /Groups'), 0);
		assert.deepEqual(await state.membersOf(team.id), [jane.id]);
		assert.equal((await state.user(jane.id)).userName, 'jane.jones@example.com');
		await rerun();
	});

	test('Sync renames among others: only the renamed item is written, deprovisioning (deactivate) does not touch it', async () => {
		const a = await k2.scim.createUser('a@example.com', { externalId: 'E1' });
		const b = await k2.scim.createUser('b.old@example.com', { externalId: 'E2' });
		const items = [
			{ mail: 'a@example.com', employeeId: 'E1' },
			{ mail: 'b.new@example.com', employeeId: 'E2' },
		];
		const { result, rerun } = await syncCase(k2, syncParameters({ deprovision: 'deactivate' }), items);
		assert.equal(result.error, undefined);
		assert.deepEqual(userItems(result).map((item) => item.action), ['unchanged', 'updated']);
		assert.equal(result.output!.filter((item) => item.json.type === 'deprovision').length, 0, 'nobody deprovisioned');
		assert.equal(writes(k2.sandbox), 1);
		const renamed = await state.user(b.id);
		assert.equal(renamed.userName, 'b.new@example.com');
		assert.equal(renamed.active, true);
		assert.equal((await state.user(a.id)).active, true);
		assert.equal((await state.users()).length, 2);
		await rerun();
	});

	test('Create or Update (version 2 default match): the rename is one PATCH on the same account', async () => {
		const jane = await k2.scim.createUser('jane.smith@example.com', { externalId: 'E1' });
		const team = await k2.scim.createGroup('Engineering', [jane.id]);
		const items = [{ mail: 'jane.jones@example.com', employeeId: 'E1' }];

		k2.sandbox.resetStats();
		const result = await k2.run(createOrUpdateParameters(), items, V2);
		assert.equal(result.error, undefined);
		assert.equal(result.output![0].json.action, 'updated');
		assert.equal(result.output![0].json.id, jane.id);
		assert.equal(count(k2.sandbox, 'POST /Users'), 0);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		assert.equal((await state.users()).length, 1);
		assert.equal((await state.user(jane.id)).userName, 'jane.jones@example.com');
		assert.equal(await k2.scim.findUser('jane.smith@example.com'), undefined);
		assert.deepEqual(await state.membersOf(team.id), [jane.id]);

		const again = await noWrites(k2, 're-run', () => k2.run(createOrUpdateParameters(), items, V2));
		assert.equal(again.output![0].json.action, 'unchanged');
	});

	test('Sync: a rename onto a userName another K2 user holds is an item error; nothing is written for it', async () => {
		const jane = await k2.scim.createUser('jane.smith@example.com', { externalId: 'E1' });
		const other = await k2.scim.createUser('jane.jones@example.com', { externalId: 'E7' });
		const items = [
			{ mail: 'jane.jones@example.com', employeeId: 'E1' },
			{ mail: 'new@example.com', employeeId: 'E3' },
		];
		const { dryRun, result } = await syncCase(k2, syncParameters(), items, V2_CONTINUE);
		assert.match(errorText(userItems(dryRun)[0]), /jane\.jones@example\.com/, 'Dry Run reports the same error');

		const [renamed, created] = userItems(result);
		assert.ok(renamed.error, `an item error, not ${JSON.stringify(renamed)}`);
		assert.match(errorText(renamed), /jane\.jones@example\.com/);
		assert.equal(created.action, 'created', 'the other item goes through');
		assert.equal(count(k2.sandbox, 'POST /Users'), 1, 'only the other item');
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 0);
		assert.equal((await state.user(jane.id)).userName, 'jane.smith@example.com');
		assert.equal((await state.user(other.id)).externalId, 'E7');
		assert.equal((await state.usersWithExternalId('E1')).length, 1);

		const again = await noWrites(k2, 're-run', () => k2.run(syncParameters(), items, V2_CONTINUE));
		assert.ok(userItems(again)[0].error, 'still an error, still nothing written');
	});

	test('Create or Update: a rename onto a taken userName is an item error, no PATCH, no POST', async () => {
		const jane = await k2.scim.createUser('jane.smith@example.com', { externalId: 'E1' });
		await k2.scim.createUser('jane.jones@example.com');
		k2.sandbox.resetStats();
		const result = await k2.run(createOrUpdateParameters(), [{ mail: 'jane.jones@example.com', employeeId: 'E1' }], V2_CONTINUE);
		assert.ok(result.output![0].json.error, `an item error, not ${JSON.stringify(result.output![0].json)}`);
		assert.match(errorText(result.output![0]), /jane\.jones@example\.com/);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.user(jane.id)).userName, 'jane.smith@example.com');
		assert.equal((await state.users()).length, 2);
	});

	test('Match On Username (version 1 default): a create whose External ID another K2 user holds is an item error naming that user', async () => {
		await k2.scim.createUser('jane.smith@example.com', { externalId: 'E1' });
		const items = [{ mail: 'jane.jones@example.com', employeeId: 'E1' }];
		const v1 = { typeVersion: 1, continueOnFail: true };

		const { result } = await syncCase(k2, syncParameters(), items, v1);
		const [item] = userItems(result);
		assert.ok(item.error, `an item error, not ${JSON.stringify(item)}`);
		assert.match(errorText(item), /jane\.smith@example\.com/, 'names the user that holds the External ID');
		assert.match(errorText(item), /External ID, Then Username/, 'says the fix');
		assert.equal(count(k2.sandbox, 'POST /Users'), 0, 'never a second account');
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.usersWithExternalId('E1')).length, 1);
		assert.equal((await state.users()).length, 1);
	});

	test('Create or Update with Match On Username: a create whose External ID is taken is an item error, no POST', async () => {
		await k2.scim.createUser('jane.smith@example.com', { externalId: 'E1' });
		const items = [{ mail: 'jane.jones@example.com', employeeId: 'E1' }];
		for (const options of [{ typeVersion: 1, continueOnFail: true }, V2_CONTINUE]) {
			k2.sandbox.resetStats();
			const result = await k2.run(createOrUpdateParameters({ matchOn: 'userName' }), items, options);
			assert.ok(result.output![0].json.error, `v${options.typeVersion}: an item error, not ${JSON.stringify(result.output![0].json)}`);
			assert.match(errorText(result.output![0]), /jane\.smith@example\.com/);
			assert.equal(count(k2.sandbox, 'POST /Users'), 0, `v${options.typeVersion}: never a second account`);
			assert.equal((await state.users()).length, 1);
		}
	});

	test('Sync with Match On Username (version 2, explicit): same refusal, nothing written, the run fails without Continue On Fail', async () => {
		await k2.scim.createUser('jane.smith@example.com', { externalId: 'E1' });
		k2.sandbox.resetStats();
		const result = await k2.run(syncParameters({}, { matchOn: 'userName' }), [{ mail: 'jane.jones@example.com', employeeId: 'E1' }], V2);
		assert.ok(result.error, 'the node fails');
		assert.match(errorText(result.error), /jane\.smith@example\.com/);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.users()).length, 1);
	});

	test('Sync: a 409 (Match On External ID, the userName held by a user without External ID) advises about Sync, not other operations', async () => {
		await k2.scim.createUser('jane.jones@example.com');
		k2.sandbox.resetStats();
		const result = await k2.run(syncParameters({}, { matchOn: 'externalId' }), [{ mail: 'jane.jones@example.com', employeeId: 'E9' }], V2_CONTINUE);
		const [item] = userItems(result);
		assert.ok(item.error, `an item error, not ${JSON.stringify(item)}`);
		assert.match(errorText(item), /Sync|Match On/);
		assert.doesNotMatch(errorText(item), /Create or Update/, 'the advice speaks of Sync');
		assert.equal((await state.users()).length, 1);
	});
});
