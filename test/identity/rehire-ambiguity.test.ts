// Class 2: a rehire (a user Sync deactivated is back in the export), and class 6: ambiguity
// (an identifier that names two K2 users, or External ID and Username naming different users).
import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';

import { count, useK2, writes } from '../support/fixture';
import { createOrUpdateParameters, errorText, K2State, noWrites, syncCase, syncParameters, userItems, V2, V2_CONTINUE } from './support';

const staff = [
	{ mail: 'ada@example.com', employeeId: 'E1' },
	{ mail: 'grace@example.com', employeeId: 'E2' },
	{ mail: 'linus@example.com', employeeId: 'E3' },
];
const deprovisioning = { deprovision: 'deactivate', deprovisionScope: 'withExternalId' };

describe('Identity: a rehire is reactivated', () => {
	const k2 = useK2({ reset: 'data' });
	const state = new K2State(k2);

	/** Sync creates three, then an export without Linus deactivates him. */
	async function linusLeft(): Promise<string> {
		await k2.run(syncParameters(deprovisioning), staff, V2);
		const left = await k2.run(syncParameters(deprovisioning), staff.slice(0, 2), V2);
		assert.equal(left.error, undefined);
		const linus = await k2.scim.findUser('linus@example.com');
		assert.equal(linus.active, false, 'premise: Sync deactivated him');
		return linus.id;
	}

	test('back in the next export: one PATCH active true on the same account, action reactivated', async () => {
		const id = await linusLeft();
		const { dryRun, result, rerun } = await syncCase(k2, syncParameters(deprovisioning), staff);
		assert.deepEqual(userItems(dryRun).map((item) => item.action), ['unchanged', 'unchanged', 'reactivate']);

		assert.equal(result.error, undefined);
		const items = userItems(result);
		assert.deepEqual(items.map((item) => item.action), ['unchanged', 'unchanged', 'reactivated']);
		assert.equal(items[2].id, id);
		assert.equal(count(k2.sandbox, 'POST /Users'), 0);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		assert.equal(writes(k2.sandbox), 1);
		assert.equal((await state.user(id)).active, true);
		assert.equal((await state.users()).length, 3);

		const again = await rerun();
		assert.equal(userItems(again)[2].action, 'unchanged');
	});

	test('rehired under a new userName (same External ID): reactivated and renamed in one PATCH', async () => {
		const id = await linusLeft();
		const rehired = [...staff.slice(0, 2), { mail: 'linus.t@example.com', employeeId: 'E3' }];
		const { result, rerun } = await syncCase(k2, syncParameters(deprovisioning), rehired);
		assert.equal(result.error, undefined);
		assert.equal(count(k2.sandbox, 'POST /Users'), 0, 'no second account');
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		const user = await state.user(id);
		assert.equal(user.active, true);
		assert.equal(user.userName, 'linus.t@example.com');
		await rerun();
	});

	test('a user deactivated by hand in K2 and present in the input is reactivated too (no Deprovision needed)', async () => {
		const ada = await k2.scim.createUser('ada@example.com', { externalId: 'E1' });
		await state.deactivate(ada.id);
		const { result, rerun } = await syncCase(k2, syncParameters(), [staff[0]]);
		assert.equal(userItems(result)[0].action, 'reactivated');
		assert.equal((await state.user(ada.id)).active, true);
		await rerun();
	});

	test('with Active mapped to false the rehire stays inactive and nothing is written', async () => {
		const id = await linusLeft();
		const parameters = syncParameters(deprovisioning, {}, { active: '={{ $json.active ?? true }}' });
		const items = [...staff.slice(0, 2), { ...staff[2], active: false }];
		const { result, rerun } = await syncCase(k2, parameters, items);
		assert.equal(result.error, undefined);
		assert.equal(userItems(result)[2].action, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.user(id)).active, false);
		await rerun();
	});

	test('Create or Update leaves active alone when Active is not mapped', async () => {
		const ada = await k2.scim.createUser('ada@example.com', { externalId: 'E1', title: 'Engineer' });
		await state.deactivate(ada.id);
		k2.sandbox.resetStats();
		const result = await k2.run(createOrUpdateParameters(), [{ ...staff[0], title: 'Manager' }], V2);
		assert.equal(result.output![0].json.action, 'updated');
		const user = await state.user(ada.id);
		assert.equal(user.title, 'Manager');
		assert.equal(user.active, false, 'still inactive');
		await noWrites(k2, 're-run', () => k2.run(createOrUpdateParameters(), [{ ...staff[0], title: 'Manager' }], V2));
	});
});

describe('Identity: an identifier that names two K2 users is an item error, never a guess', () => {
	const k2 = useK2({ reset: 'data' });
	const state = new K2State(k2);

	async function twoWithE1() {
		const first = await k2.scim.createUser('first@example.com', { externalId: 'E1', title: 'One' });
		const second = await k2.scim.createUser('second@example.com', { externalId: 'E1', title: 'Two' });
		return [first, second];
	}

	test('Sync: an External ID two K2 users hold fails its item, writes nothing; the other items go through', async () => {
		const [first, second] = await twoWithE1();
		const items = [
			{ mail: 'first@example.com', employeeId: 'E1', title: 'Changed' },
			{ mail: 'other@example.com', employeeId: 'E9' },
		];
		const { dryRun, result } = await syncCase(k2, syncParameters(), items, V2_CONTINUE);
		assert.ok(userItems(dryRun)[0].error, `Dry Run reports the error, not ${JSON.stringify(userItems(dryRun)[0])}`);
		const [ambiguous, other] = userItems(result);
		assert.ok(ambiguous.error, `an item error, not ${JSON.stringify(ambiguous)}`);
		assert.match(errorText(ambiguous), /E1/);
		assert.equal(other.action, 'created');
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 0, 'neither E1 user is written');
		assert.equal(writes(k2.sandbox), 1, 'only the other item');
		assert.equal((await state.user(first.id)).title, 'One');
		assert.equal((await state.user(second.id)).title, 'Two');
		await noWrites(k2, 're-run', () => k2.run(syncParameters(), items, V2_CONTINUE));
	});

	test('Create or Update (Match On External ID): an External ID two K2 users hold is an item error, not "the first one K2 returns"', async () => {
		const [first, second] = await twoWithE1();
		k2.sandbox.resetStats();
		const result = await k2.run(
			createOrUpdateParameters({ matchOn: 'externalId' }),
			[{ mail: 'second@example.com', employeeId: 'E1', title: 'Changed' }],
			V2_CONTINUE,
		);
		assert.ok(result.output![0].json.error, `an item error, not ${JSON.stringify(result.output![0].json)}`);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.user(first.id)).title, 'One');
		assert.equal((await state.user(second.id)).title, 'Two');
	});

	test('Create or Update (version 2 default): the same ambiguity is an item error, nothing written', async () => {
		await twoWithE1();
		k2.sandbox.resetStats();
		const result = await k2.run(createOrUpdateParameters(), [{ mail: 'third@example.com', employeeId: 'E1' }], V2_CONTINUE);
		assert.ok(result.output![0].json.error, `an item error, not ${JSON.stringify(result.output![0].json)}`);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.users()).length, 2);
	});

	test('Sync: External ID -> user A and Username -> user B is an item error naming both; neither is written', async () => {
		const a = await k2.scim.createUser('a@example.com', { externalId: 'EA', title: 'A' });
		const b = await k2.scim.createUser('b@example.com', { title: 'B' });
		const items = [{ mail: 'b@example.com', employeeId: 'EA', title: 'Changed' }];
		const { result } = await syncCase(k2, syncParameters(), items, V2_CONTINUE);
		const [item] = userItems(result);
		assert.ok(item.error, `an item error, not ${JSON.stringify(item)}`);
		assert.match(errorText(item), /a@example\.com/);
		assert.match(errorText(item), /b@example\.com/);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.user(a.id)).title, 'A');
		const bAfter = await state.user(b.id);
		assert.equal(bAfter.title, 'B');
		assert.equal(bAfter.externalId, undefined, 'B is not adopted');
	});

	test('Create or Update: External ID -> A, Username -> B is an item error naming both; neither is written', async () => {
		const a = await k2.scim.createUser('a@example.com', { externalId: 'EA', title: 'A' });
		const b = await k2.scim.createUser('b@example.com', { title: 'B' });
		k2.sandbox.resetStats();
		const result = await k2.run(createOrUpdateParameters(), [{ mail: 'b@example.com', employeeId: 'EA', title: 'Changed' }], V2_CONTINUE);
		assert.ok(result.output![0].json.error, `an item error, not ${JSON.stringify(result.output![0].json)}`);
		assert.match(errorText(result.output![0]), /a@example\.com/);
		assert.match(errorText(result.output![0]), /b@example\.com/);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.user(a.id)).title, 'A');
		assert.equal((await state.user(b.id)).title, 'B');
	});

	test('Sync: matched by Username, the K2 user holds a different External ID -> item error, not overwritten', async () => {
		const b = await k2.scim.createUser('b@example.com', { externalId: 'E-OLD' });
		const { result } = await syncCase(k2, syncParameters(), [{ mail: 'b@example.com', employeeId: 'E-NEW' }], V2_CONTINUE);
		assert.ok(userItems(result)[0].error, `an item error, not ${JSON.stringify(userItems(result)[0])}`);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.user(b.id)).externalId, 'E-OLD');
	});

	test('Sync: matched by Username, the K2 user has no External ID -> adopted (External ID written once)', async () => {
		const b = await k2.scim.createUser('b@example.com');
		const { result, rerun } = await syncCase(k2, syncParameters(), [{ mail: 'b@example.com', employeeId: 'E-B' }]);
		assert.equal(userItems(result)[0].action, 'updated');
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		assert.equal((await state.user(b.id)).externalId, 'E-B');
		await rerun();
	});

	test('Sync: two K2 users equal in normal form (NFC and NFD spellings) are ambiguous for a Username-only item', async () => {
		const nfc = await k2.scim.createUser('jos\u00e9@example.com', { title: 'NFC' });
		const nfd = await k2.scim.createUser('jose\u0301@example.com', { title: 'NFD' });
		const { result } = await syncCase(k2, syncParameters(), [{ mail: 'jos\u00e9@example.com', title: 'Changed' }], V2_CONTINUE);
		assert.ok(userItems(result)[0].error, `an item error, not ${JSON.stringify(userItems(result)[0])}`);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.user(nfc.id)).title, 'NFC');
		assert.equal((await state.user(nfd.id)).title, 'NFD');
	});
});
