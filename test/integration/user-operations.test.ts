import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';

import { count, useK2, writes } from '../support/fixture';

const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
const byUserName = (userName: string) => ({ __rl: true, mode: 'userName', value: userName });

describe('User operations against the K2 sandbox', () => {
	const k2 = useK2({ reset: 'data' });

	test('Create sends one POST and returns the simplified user, one output per input in order', async () => {
		const { output, error } = await k2.run(
			{
				resource: 'user',
				operation: 'create',
				userName: '={{ $json.mail }}',
				additionalFields: {
					givenName: '={{ $json.first }}',
					email: '={{ $json.mail }}',
					department: 'Finance',
				},
			},
			[
				{ mail: 'ada@example.com', first: 'Ada' },
				{ mail: 'grace@example.com', first: 'Grace' },
				{ mail: 'linus@example.com', first: 'Linus' },
			],
		);
		assert.equal(error, undefined);
		assert.deepEqual(output!.map((item) => item.json.userName), ['ada@example.com', 'grace@example.com', 'linus@example.com']);
		assert.deepEqual(output!.map((item) => item.pairedItem), [{ item: 0 }, { item: 1 }, { item: 2 }]);
		assert.equal(output![0].json.givenName, 'Ada');
		assert.equal(output![0].json.department, 'Finance');
		assert.equal(output![0].json.active, true);
		assert.equal(count(k2.sandbox, 'POST /Users'), 3);
		const stored = await k2.scim.findUser('grace@example.com');
		assert.equal(stored.name.givenName, 'Grace');
		assert.equal(stored.emails[0].value, 'grace@example.com');
	});

	test('a duplicate userName fails with what to do; Continue On Fail gives one error item for it', async () => {
		await k2.scim.createUser('taken@example.com');
		const parameters = { resource: 'user', operation: 'create', userName: '={{ $json.u }}' };
		const items = [{ u: 'new@example.com' }, { u: 'taken@example.com' }];

		const failed = await k2.run(parameters, [items[1]]);
		assert.match(failed.error!.message, /already exists/);
		assert.match(failed.error!.message, /taken@example\.com/);
		assert.match(String(failed.error!.description), /Create or Update/);

		await k2.sandbox.reset();
		await k2.scim.createUser('taken@example.com');
		const { output } = await k2.run(parameters, items, { continueOnFail: true });
		assert.equal(output!.length, 2);
		assert.equal(output![0].json.userName, 'new@example.com');
		assert.deepEqual(output![1].pairedItem, { item: 1 });
		assert.equal(output![1].json.status, '409');
		assert.equal(output![1].json.scimType, 'uniqueness');
		assert.match(String(output![1].json.error), /already exists/);
	});

	test('bad input is rejected per item before any request is sent', async () => {
		const { output } = await k2.run(
			{
				resource: 'user',
				operation: 'create',
				userName: '={{ $json.u }}',
				additionalFields: { email: '={{ $json.mail }}' },
			},
			[
				{ u: '', mail: 'a@example.com' },
				{ u: 'bob@example.com', mail: 'bob@' },
				{ u: 'carol@example.com', mail: 'carol@example.com' },
			],
			{ continueOnFail: true },
		);
		assert.equal(output!.length, 3);
		assert.match(String(output![0].json.error), /User ?Name is required/i);
		assert.match(String(output![1].json.error), /"bob@" is not a valid email/);
		assert.match(String(output![1].json.description), /Nothing was sent to K2/);
		assert.equal(output![2].json.userName, 'carol@example.com');
		assert.equal(count(k2.sandbox, 'POST /Users'), 1, 'only the valid item was sent');
	});

	test('Get finds a user by ID and by userName; an unknown ID is a clear 404', async () => {
		const seeded = await k2.scim.createUser('get.me@example.com', { title: 'Engineer' });
		const one = await k2.run({ resource: 'user', operation: 'get', user: byId(seeded.id) });
		assert.equal(one.output![0].json.id, seeded.id);
		assert.equal(one.output![0].json.title, 'Engineer');
		const two = await k2.run({ resource: 'user', operation: 'get', user: byUserName('get.me@example.com'), simplify: false });
		assert.equal(two.output![0].json.id, seeded.id);
		assert.ok(Array.isArray(two.output![0].json.schemas), 'raw SCIM resource');
		const missing = await k2.run({ resource: 'user', operation: 'get', user: byId('does-not-exist') });
		assert.equal(missing.error!.httpCode, '404');
		assert.match(missing.error!.message, /not found/i);
		const noName = await k2.run({ resource: 'user', operation: 'get', user: byUserName('nobody@example.com') });
		assert.match(noName.error!.message, /No K2 user has the username "nobody@example.com"/);
	});

	test('Update PATCHes only the given fields, clears empty ones, and writes nothing when nothing differs', async () => {
		const seeded = await k2.scim.createUser('upd@example.com', {
			title: 'Engineer',
			displayName: 'Up Date',
			emails: [
				{ value: 'upd@example.com', type: 'work', primary: true },
				{ value: 'upd@home.example', type: 'home' },
			],
		});
		k2.sandbox.resetStats();
		const changed = await k2.run({
			resource: 'user',
			operation: 'update',
			user: byId(seeded.id),
			updateFields: { title: 'Manager', displayName: '', email: 'new.upd@example.com' },
		});
		assert.equal(changed.error, undefined);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		assert.deepEqual([...(changed.output![0].json.changedAttributes as string[])].sort(), ['displayName', 'emails', 'title']);
		const stored = await k2.scim.findUser('upd@example.com');
		assert.equal(stored.title, 'Manager');
		assert.equal(stored.displayName, undefined);
		assert.deepEqual(
			stored.emails.map((e: { value: string }) => e.value).sort(),
			['new.upd@example.com', 'upd@home.example'],
		);

		k2.sandbox.resetStats();
		const same = await k2.run({ resource: 'user', operation: 'update', user: byId(seeded.id), updateFields: { title: 'Manager' } });
		assert.deepEqual(same.output![0].json.changedAttributes, []);
		assert.equal(writes(k2.sandbox), 0);
	});

	test('Replace PUTs the whole user; Deactivate and Reactivate flip active; Delete removes it', async () => {
		const seeded = await k2.scim.createUser('life@example.com', { title: 'Temp' });
		const replaced = await k2.run({
			resource: 'user',
			operation: 'replace',
			user: byId(seeded.id),
			userName: 'life@example.com',
			additionalFields: { displayName: 'Life Cycle' },
		});
		assert.equal(replaced.output![0].json.displayName, 'Life Cycle');
		assert.equal(replaced.output![0].json.title, null, 'a PUT drops what is not sent');

		const off = await k2.run({ resource: 'user', operation: 'deactivate', user: byUserName('life@example.com') });
		assert.equal(off.output![0].json.active, false);
		assert.equal((await k2.scim.findUser('life@example.com')).active, false);
		const on = await k2.run({ resource: 'user', operation: 'reactivate', user: byId(seeded.id) });
		assert.equal(on.output![0].json.active, true);

		const gone = await k2.run({ resource: 'user', operation: 'delete', user: byId(seeded.id) });
		assert.deepEqual(gone.output![0].json, { id: seeded.id, deleted: true });
		assert.equal(await k2.scim.findUser('life@example.com'), undefined);
	});

	test('Create or Update creates, then finds the user unchanged with no write, then updates what differs', async () => {
		const parameters = {
			resource: 'user',
			operation: 'createOrUpdate',
			matchOn: 'userName',
			userName: 'hr@example.com',
			additionalFields: { givenName: '={{ $json.first }}', externalId: 'E-100' },
		};
		const first = await k2.run(parameters, [{ first: 'Hana' }]);
		assert.equal(first.output![0].json.action, 'created');
		k2.sandbox.resetStats();
		const second = await k2.run(parameters, [{ first: 'Hana' }]);
		assert.equal(second.output![0].json.action, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);
		const third = await k2.run(parameters, [{ first: 'Hanna' }]);
		assert.equal(third.output![0].json.action, 'updated');
		assert.deepEqual(third.output![0].json.changedAttributes, ['name.givenName']);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1);
		const byExternal = await k2.run({ ...parameters, matchOn: 'externalId', userName: 'renamed@example.com' }, [{ first: 'Hanna' }]);
		assert.equal(byExternal.output![0].json.action, 'updated');
		assert.equal((await k2.scim.findUser('renamed@example.com')).externalId, 'E-100');
	});

	test('Get Many pages at 100: 250 users take 3 list requests; Limit stops early', async () => {
		for (let start = 0; start < 250; start += 25) {
			await Promise.all(
				Array.from({ length: 25 }, (_, i) => k2.scim.createUser(`bulk${String(start + i).padStart(3, '0')}@example.com`)),
			);
		}
		k2.sandbox.resetStats();
		const all = await k2.run({ resource: 'user', operation: 'getMany', returnAll: true });
		assert.equal(all.output!.length, 250);
		assert.equal(new Set(all.output!.map((item) => item.json.id)).size, 250);
		assert.equal(count(k2.sandbox, 'GET /Users'), 3);
		k2.sandbox.resetStats();
		const some = await k2.run({ resource: 'user', operation: 'getMany', returnAll: false, limit: 120 });
		assert.equal(some.output!.length, 120);
		assert.equal(count(k2.sandbox, 'GET /Users'), 2);
	});

	test('filter values are escaped: quotes, backslashes and " or " find exactly that user', async () => {
		const names = ['quote"d@example.com', 'back\\slash@example.com', 'x" or userName eq "y', 'plain@example.com', 'y'];
		for (const name of names) await k2.scim.createUser(name);
		for (const name of names.slice(0, 3)) {
			const { output, error } = await k2.run({
				resource: 'user',
				operation: 'getMany',
				returnAll: true,
				filters: { userName: name },
			});
			assert.equal(error, undefined);
			assert.deepEqual(output!.map((item) => item.json.userName), [name]);
		}
	});

	test('a 429 with Retry-After is retried and succeeds without a duplicate', async () => {
		// 0.3: six faults in a row on one request (retries exhausted) stay below one in a thousand.
		k2.sandbox.setFaults({ rate: 0.3, kinds: ['429'], retryAfterSeconds: 0, seed: 7 });
		try {
			const { output, error } = await k2.run(
				{ resource: 'user', operation: 'create', userName: '={{ $json.u }}' },
				Array.from({ length: 6 }, (_, i) => ({ u: `throttled${i}@example.com` })),
			);
			assert.equal(error, undefined);
			assert.equal(output!.length, 6);
			assert.ok(k2.sandbox.stats().faults.total > 0, 'faults were injected');
		} finally {
			k2.sandbox.setFaults({ rate: 0 });
		}
		const users = await k2.scim.listUsers();
		assert.equal(users.length, 6);
	});

	test('dropped connections on create are retried after a lookup: every item once, no duplicate', async () => {
		k2.sandbox.setFaults({ rate: 0.3, kinds: ['drop', '503'], seed: 11 });
		try {
			const { output, error } = await k2.run(
				{ resource: 'user', operation: 'create', userName: '={{ $json.u }}' },
				Array.from({ length: 12 }, (_, i) => ({ u: `flaky${i}@example.com` })),
			);
			assert.equal(error, undefined);
			assert.equal(output!.length, 12);
			assert.ok(k2.sandbox.stats().faults.total > 0, 'faults were injected');
		} finally {
			k2.sandbox.setFaults({ rate: 0 });
		}
		const users = await k2.scim.listUsers();
		assert.equal(users.length, 12);
	});

	test('a wrong SCIM token gives an actionable error that does not contain the token', async () => {
		const wrongToken = '11111111-2222-3333-4444-555555555555';
		const tokens = await k2.connect('wrong-token', 'K2 wrong token');
		k2.harness.credentials.stored('wrong-token').scimToken = wrongToken;
		const { error } = await k2.run({ resource: 'user', operation: 'getMany', returnAll: true }, undefined, {
			credentialId: 'wrong-token',
		});
		assert.ok(error);
		assert.match(`${error.message} ${error.description}`, /SCIM Token/i);
		const everything = JSON.stringify(error) + error.message + String(error.description) + String(error.stack);
		for (const secret of [wrongToken, tokens.access_token, tokens.refresh_token]) {
			assert.ok(!everything.includes(String(secret)), 'no secret in the error');
		}
	});
});
