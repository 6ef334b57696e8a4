// Class 5: shared multi-valued attributes. Email manages the work email, Phone Number the work
// phone; every other entry (home, mobile, ...) survives every write. A field and Additional
// Attributes (JSON) may not both set an attribute.
import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';

import { count, useK2, writes } from '../support/fixture';
import { createOrUpdateParameters, errorText, K2State, noWrites, syncCase, syncParameters, userItems, V2, V2_CONTINUE } from './support';

const contact = { email: '={{ $json.email }}', phoneNumber: '={{ $json.phone }}' };
const HOME_EMAIL = { value: 'jane@home.example', type: 'home' };
const HOME_PHONE = { value: '+1 555 0100', type: 'home' };

type Entry = { value: string; type?: string; primary?: boolean };
const byType = (entries: Entry[] | undefined, type: string) => (entries ?? []).filter((entry) => entry.type === type);
const primaries = (entries: Entry[] | undefined) => (entries ?? []).filter((entry) => entry.primary === true);

describe('Identity: shared multi-valued attributes keep what the node does not manage', () => {
	const k2 = useK2({ reset: 'data' });
	const state = new K2State(k2);

	async function seedJane(extra: Record<string, unknown> = {}) {
		return await k2.scim.createUser('jane@example.com', {
			externalId: 'E1',
			emails: [{ value: 'jane@old.example', type: 'work', primary: true }, HOME_EMAIL],
			phoneNumbers: [{ value: '+1 555 0199', type: 'work' }, HOME_PHONE],
			...extra,
		});
	}

	test('Sync sets a new work email and phone: the home email and home phone survive with their types', async () => {
		const jane = await seedJane();
		const items = [{ mail: 'jane@example.com', employeeId: 'E1', email: 'jane@new.example', phone: '+1 555 0123' }];
		const { dryRun, result, rerun } = await syncCase(k2, syncParameters({}, {}, contact), items);
		assert.equal(userItems(dryRun)[0].action, 'update');
		assert.equal(result.error, undefined);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		const user = await state.user(jane.id);
		assert.deepEqual(byType(user.emails, 'work').map((e) => e.value), ['jane@new.example']);
		assert.deepEqual(byType(user.emails, 'home').map((e) => e.value), [HOME_EMAIL.value]);
		assert.deepEqual(byType(user.phoneNumbers, 'work').map((e) => e.value), ['+1 555 0123']);
		assert.deepEqual(byType(user.phoneNumbers, 'home').map((e) => e.value), [HOME_PHONE.value]);
		assert.equal(user.emails.length, 2);
		assert.ok(primaries(user.emails).length <= 1, 'at most one primary email');
		await rerun();
	});

	test('Sync adds a work email to a user that only has a home email: both are kept', async () => {
		const jane = await k2.scim.createUser('jane@example.com', { externalId: 'E1', emails: [HOME_EMAIL] });
		const { result, rerun } = await syncCase(k2, syncParameters({}, {}, contact), [{ mail: 'jane@example.com', employeeId: 'E1', email: 'jane@work.example' }]);
		assert.equal(result.error, undefined);
		const user = await state.user(jane.id);
		assert.deepEqual(user.emails.map((e: Entry) => e.value).sort(), ['jane@home.example', 'jane@work.example']);
		await rerun();
	});

	test('a primary home email stays, and stays the only primary, after the work email is set', async () => {
		const jane = await k2.scim.createUser('jane@example.com', { externalId: 'E1', emails: [{ ...HOME_EMAIL, primary: true }] });
		const { result, rerun } = await syncCase(k2, syncParameters({}, {}, contact), [{ mail: 'jane@example.com', employeeId: 'E1', email: 'jane@work.example' }]);
		assert.equal(result.error, undefined);
		const user = await state.user(jane.id);
		const home = byType(user.emails, 'home');
		assert.equal(home.length, 1, 'the home email stays');
		assert.equal(home[0].value, HOME_EMAIL.value);
		assert.equal(primaries(user.emails).length, 1, 'exactly one primary');
		assert.equal(primaries(user.emails)[0].value, HOME_EMAIL.value, 'the home email stays primary');
		await rerun();
	});

	test('Create or Update sets the work email and phone: home entries survive; the re-run writes nothing', async () => {
		const jane = await seedJane();
		const items = [{ mail: 'jane@example.com', employeeId: 'E1', email: 'jane@new.example', phone: '+1 555 0123' }];
		const result = await k2.run(createOrUpdateParameters({}, contact), items, V2);
		assert.equal(result.output![0].json.action, 'updated');
		const user = await state.user(jane.id);
		assert.deepEqual(byType(user.emails, 'home').map((e) => e.value), [HOME_EMAIL.value]);
		assert.deepEqual(byType(user.phoneNumbers, 'home').map((e) => e.value), [HOME_PHONE.value]);
		assert.deepEqual(byType(user.emails, 'work').map((e) => e.value), ['jane@new.example']);
		const again = await noWrites(k2, 're-run', () => k2.run(createOrUpdateParameters({}, contact), items, V2));
		assert.equal(again.output![0].json.action, 'unchanged');
	});

	test('an Email differing from K2 only by case is unchanged (Sync and Create or Update)', async () => {
		await seedJane({ emails: [{ value: 'jane.doe@example.com', type: 'work', primary: true }, HOME_EMAIL] });
		const items = [{ mail: 'jane@example.com', employeeId: 'E1', email: 'Jane.Doe@Example.com' }];
		const { result } = await syncCase(k2, syncParameters({}, {}, { email: '={{ $json.email }}' }), items);
		assert.equal(userItems(result)[0].action, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
		const upsert = await noWrites(k2, 'Create or Update', () => k2.run(createOrUpdateParameters({}, { email: '={{ $json.email }}' }), items, V2));
		assert.equal(upsert.output![0].json.action, 'unchanged');
	});

	test('Email + emails in Additional Attributes is an item error naming both, before any request (Create or Update)', async () => {
		const result = await k2.run(
			createOrUpdateParameters({}, { email: 'jane@work.example', additionalAttributes: '{"emails":[{"value":"x@example.com","type":"work"}]}' }),
			[{ mail: 'jane@example.com', employeeId: 'E1' }],
			V2_CONTINUE,
		);
		assert.match(errorText(result.output![0]), /Email/);
		assert.match(errorText(result.output![0]), /emails/);
		assert.equal(k2.sandbox.stats().total, 0, 'nothing sent, not even a lookup');
	});

	test('Job Title + title in Additional Attributes in Sync: item error for it, the others are written, re-run writes nothing', async () => {
		await k2.scim.createUser('jane@example.com', { externalId: 'E1', title: 'Engineer' });
		const parameters = syncParameters({}, {}, { additionalAttributes: '={{ $json.extra ?? "{}" }}' });
		const items = [
			{ mail: 'jane@example.com', employeeId: 'E1', title: 'Manager', extra: '{"title":"Director"}' },
			{ mail: 'bob@example.com', employeeId: 'E2', title: 'Clerk' },
		];
		const { result, rerun } = await syncCase(k2, parameters, items, V2_CONTINUE);
		const [conflict, bob] = userItems(result);
		assert.match(errorText(conflict), /Job Title/);
		assert.match(errorText(conflict), /title/);
		assert.equal(bob.action, 'created');
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 0);
		assert.equal((await k2.scim.findUser('jane@example.com')).title, 'Engineer');
		await rerun();
	});
});
