// Class 4: look-alikes. Identifiers equal in normal form (NFC vs NFD, surrounding spaces, case)
// are one identity: no second user or group, no rewrite of the K2 value. Invisible characters
// (U+200B, U+202E, ...) are refused before anything is sent, naming the field and the character.
import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';

import { count, useK2, writes } from '../support/fixture';
import { createOrUpdateParameters, errorText, K2State, syncCase, syncParameters, syncWithGroups, userItems, V2, V2_CONTINUE } from './support';

const NFC = 'jos\u00e9@example.com';
const NFD = 'jose\u0301@example.com';
const ZWSP = 'jane\u200b@example.com';
const RLO = 'E\u202e1';
const byUserName = (value: string) => ({ __rl: true, mode: 'userName', value });
const groupByName = (value: string) => ({ __rl: true, mode: 'displayName', value });

describe('Identity: look-alike identifiers are one identity; invisible characters are refused', () => {
	const k2 = useK2({ reset: 'data' });
	const state = new K2State(k2);

	for (const [k2Form, inputForm, label] of [
		[NFD, NFC, 'K2 holds NFD, the input is NFC'],
		[NFC, NFD, 'K2 holds NFC, the input is NFD'],
		['Jane@Example.com', '  jane@example.com ', 'K2 holds another case, the input has surrounding spaces'],
	]) {
		test(`Sync (Match On Username): ${label} -> unchanged, no second user, the K2 value not rewritten`, async () => {
			const seeded = await k2.scim.createUser(k2Form, { title: 'Engineer' });
			const { dryRun, result, rerun } = await syncCase(k2, syncParameters({}, { matchOn: 'userName' }), [{ mail: inputForm, title: 'Engineer' }]);
			assert.equal(userItems(dryRun)[0].action, 'unchanged');
			assert.equal(result.error, undefined);
			assert.equal(userItems(result)[0].action, 'unchanged');
			assert.equal(userItems(result)[0].id, seeded.id);
			assert.equal(writes(k2.sandbox), 0);
			assert.equal((await state.users()).length, 1);
			assert.equal((await state.user(seeded.id)).userName, k2Form, 'byte for byte as K2 had it');
			await rerun();
		});

		test(`Create or Update (Match On Username): ${label} -> unchanged, 0 writes`, async () => {
			const seeded = await k2.scim.createUser(k2Form, { title: 'Engineer' });
			k2.sandbox.resetStats();
			const result = await k2.run(createOrUpdateParameters({ matchOn: 'userName' }), [{ mail: inputForm, title: 'Engineer' }], V2);
			assert.equal(result.error, undefined);
			assert.equal(result.output![0].json.action, 'unchanged');
			assert.equal(writes(k2.sandbox), 0);
			assert.equal((await state.users()).length, 1);
			assert.equal((await state.user(seeded.id)).userName, k2Form);
		});
	}

	test('Sync creates a user in the normal form: NFD with spaces in the input becomes the trimmed NFC userName', async () => {
		const { result, rerun } = await syncCase(k2, syncParameters(), [{ mail: ` ${NFD} `, employeeId: 'E1' }]);
		assert.equal(userItems(result)[0].action, 'created');
		assert.equal(count(k2.sandbox, 'POST /Users'), 1);
		assert.equal((await state.usersExactly(NFC)).length, 1, 'stored as NFC, trimmed');
		assert.equal((await state.users()).length, 1);
		await rerun();
	});

	test('Sync: an External ID with surrounding spaces or NFD finds the user holding the trimmed NFC one', async () => {
		const seeded = await k2.scim.createUser('a@example.com', { externalId: 'Andr\u00e9-1' });
		const { result, rerun } = await syncCase(k2, syncParameters(), [{ mail: 'a@example.com', employeeId: ' Andre\u0301-1 ' }]);
		assert.equal(userItems(result)[0].action, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.user(seeded.id)).externalId, 'Andr\u00e9-1');
		await rerun();
	});

	test('Sync: External ID stays case-sensitive: "e1" does not match a user holding "E1"', async () => {
		await k2.scim.createUser('x@example.com', { externalId: 'E1' });
		const { result } = await syncCase(k2, syncParameters({}, { matchOn: 'externalId' }), [{ mail: 'y@example.com', employeeId: 'e1' }]);
		assert.equal(userItems(result)[0].action, 'created');
		assert.equal((await state.usersWithExternalId('e1')).length, 1);
		assert.equal((await state.usersWithExternalId('E1')).length, 1);
	});

	test('Sync: U+200B in Username and U+202E in External ID are item errors naming the field and the character; nothing sent for them', async () => {
		const items = [
			{ mail: ZWSP, employeeId: 'E1' },
			{ mail: 'bob@example.com', employeeId: RLO },
			{ mail: 'ok@example.com', employeeId: 'E3' },
		];
		const { dryRun, result, rerun } = await syncCase(k2, syncParameters(), items, V2_CONTINUE);
		assert.match(errorText(userItems(dryRun)[0]), /Username.*U\+200B|U\+200B.*Username/s);
		const [zwsp, rlo, ok] = userItems(result);
		assert.match(errorText(zwsp), /Username/);
		assert.match(errorText(zwsp), /U\+200B/);
		assert.match(errorText(rlo), /External ID/);
		assert.match(errorText(rlo), /U\+202E/);
		assert.equal(ok.action, 'created');
		assert.equal(count(k2.sandbox, 'POST /Users'), 1, 'only the clean item');
		assert.equal((await state.users()).length, 1);
		const again = await rerun();
		assert.ok(userItems(again)[0].error, 'still refused on the re-run');
	});

	test('Create or Update: U+200B in Username is refused before any request', async () => {
		const result = await k2.run(createOrUpdateParameters(), [{ mail: ZWSP, employeeId: 'E1' }], V2_CONTINUE);
		assert.match(errorText(result.output![0]), /Username/);
		assert.match(errorText(result.output![0]), /U\+200B/);
		assert.equal(k2.sandbox.stats().total, 0, 'not even a lookup');
	});

	test('Get and Deactivate By Username: NFD / spaced / other-case input finds the NFC user', async () => {
		const seeded = await k2.scim.createUser(NFC);
		for (const value of [NFD, `  ${NFC.toUpperCase()} `]) {
			const got = await k2.run({ resource: 'user', operation: 'get', user: byUserName(value) }, undefined, V2);
			assert.equal(got.error, undefined, `Get "${value}": ${got.error?.message}`);
			assert.equal(got.output![0].json.id, seeded.id);
		}
		k2.sandbox.resetStats();
		const off = await k2.run({ resource: 'user', operation: 'deactivate', user: byUserName(NFD) }, undefined, V2);
		assert.equal(off.error, undefined, off.error?.message);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		assert.equal((await state.user(seeded.id)).active, false);
		assert.equal((await state.user(seeded.id)).userName, NFC);
	});

	test('Get and Deactivate By Username: U+200B is refused naming User (By Username), no request sent', async () => {
		await k2.scim.createUser('jane@example.com');
		for (const operation of ['get', 'deactivate']) {
			k2.sandbox.resetStats();
			const result = await k2.run({ resource: 'user', operation, user: byUserName(ZWSP) }, undefined, V2_CONTINUE);
			assert.match(errorText(result.output![0]), /User \(By Username\)/, operation);
			assert.match(errorText(result.output![0]), /U\+200B/, operation);
			assert.equal(k2.sandbox.stats().total, 0, `${operation}: nothing sent`);
		}
		assert.equal((await k2.scim.findUser('jane@example.com')).active, true);
	});

	test("Sync's Groups: an NFD / other-case / spaced group name joins the existing NFC group, no second group", async () => {
		const group = await k2.scim.createGroup('Caf\u00e9 Team');
		const items = [
			{ mail: 'a@example.com', employeeId: 'E1', groups: 'Cafe\u0301 Team' },
			{ mail: 'b@example.com', employeeId: 'E2', groups: '  caf\u00e9 team ' },
		];
		const { result, rerun } = await syncCase(k2, syncWithGroups(), items);
		assert.equal(result.error, undefined);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 0, 'no second group');
		assert.equal((await state.groupsLike('Caf\u00e9 Team')).length, 1);
		assert.equal((await state.membersOf(group.id)).length, 2);
		assert.equal((await state.groups())[0].displayName, 'Caf\u00e9 Team', 'not renamed');
		await rerun();
	});

	test("Sync's Groups: a missing group named in NFD is created in NFC", async () => {
		const { result, rerun } = await syncCase(k2, syncWithGroups(), [{ mail: 'a@example.com', employeeId: 'E1', groups: ' Cafe\u0301 ' }]);
		assert.equal(result.error, undefined);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 1);
		assert.deepEqual((await state.groups()).map((group) => group.displayName), ['Caf\u00e9']);
		await rerun();
	});

	test("Sync's Groups: a group name with U+200B is an item error naming Groups; no group created", async () => {
		await k2.scim.createGroup('Sales');
		const { result } = await syncCase(k2, syncWithGroups(), [{ mail: 'a@example.com', employeeId: 'E1', groups: 'Sales\u200b' }], V2_CONTINUE);
		const [item] = userItems(result);
		assert.match(errorText(item), /Groups/);
		assert.match(errorText(item), /U\+200B/);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 0);
		assert.equal((await state.groups()).length, 1);
	});

	test('Group > Get by name and Create or Update: NFD / spaced / other-case names find the NFC group; no second group', async () => {
		const group = await k2.scim.createGroup('Caf\u00e9');
		const got = await k2.run({ resource: 'group', operation: 'get', group: groupByName('  CAFE\u0301 ') }, undefined, V2);
		assert.equal(got.error, undefined, got.error?.message);
		assert.equal(got.output![0].json.id, group.id);

		k2.sandbox.resetStats();
		const upsert = await k2.run({ resource: 'group', operation: 'createOrUpdate', displayName: 'Cafe\u0301', memberReference: 'userName', members: '' }, undefined, V2);
		assert.equal(upsert.error, undefined, upsert.error?.message);
		assert.equal(upsert.output![0].json.status, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
		assert.equal((await state.groups()).length, 1);
		assert.equal((await state.groups())[0].displayName, 'Caf\u00e9');
	});

	test('Group operations by name: U+200B / U+202E are refused naming the field, nothing sent', async () => {
		await k2.scim.createGroup('Sales');
		k2.sandbox.resetStats();
		const get = await k2.run({ resource: 'group', operation: 'get', group: groupByName('Sales\u200b') }, undefined, V2_CONTINUE);
		assert.match(errorText(get.output![0]), /Group \(By Display Name\)/);
		assert.match(errorText(get.output![0]), /U\+200B/);
		assert.equal(k2.sandbox.stats().total, 0);

		const create = await k2.run({ resource: 'group', operation: 'create', displayName: 'Sal\u202ees' }, undefined, V2_CONTINUE);
		assert.match(errorText(create.output![0]), /Display Name/);
		assert.match(errorText(create.output![0]), /U\+202E/);
		assert.equal(k2.sandbox.stats().total, 0);
		assert.equal((await state.groups()).length, 1);
	});

	test('Group > Add Members by Username: an NFD / spaced member finds the NFC user; U+200B is refused naming Members', async () => {
		const user = await k2.scim.createUser(NFC);
		const other = await k2.scim.createUser('bob@example.com');
		const group = await k2.scim.createGroup('Sales');
		k2.sandbox.resetStats();
		const added = await k2.run(
			{ resource: 'group', operation: 'addMembers', group: { __rl: true, mode: 'id', value: group.id }, memberReference: 'userName', members: '={{ $json.m }}' },
			[{ m: ` ${NFD} ` }, { m: 'bob\u200b@example.com' }],
			V2_CONTINUE,
		);
		assert.deepEqual(added.output![0].json.added, [user.id]);
		assert.match(errorText(added.output![1]), /Members/);
		assert.match(errorText(added.output![1]), /U\+200B/);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1);
		assert.deepEqual(await state.membersOf(group.id), [user.id]);
		assert.ok(!(await state.membersOf(group.id)).includes(other.id));
	});
});
