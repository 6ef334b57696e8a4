// Hostile input for User > Sync: nothing a broken export or a broken server sends may deprovision
// a user who is still in the source. Each case asserts the error text, what the sandbox received
// (0 writes where the input is invalid) and what happened to K2's users. Table: README.md.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, test } from '@jest/globals';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { executeAll } from '../../nodes/K2Scim/actions/user/sync.operation';
import type { RunResult } from '../harness/run-workflow';
import { count, useK2, writes } from '../support/fixture';
import { connectThrough, startScimProxy } from '../support/scim-proxy';
import type { ScimProxy } from '../support/scim-proxy';
import { assertEachItemOnce, assertNoSecrets, assertPrototypesClean } from './support';

const KNOWN = ['a@example.com', 'b@example.com', '12345', 'admin@example.com'];

function sync(syncOptions: IDataObject = {}, extra: IDataObject = {}) {
	return {
		resource: 'user',
		operation: 'sync',
		matchOn: 'userName',
		userName: '={{ $json.mail }}',
		additionalFields: { externalId: '={{ $json.id }}' },
		syncOptions,
		...extra,
	};
}
const deleteAll = { deprovision: 'delete', deprovisionScope: 'all' };
const deactivateAll = { deprovision: 'deactivate', deprovisionScope: 'all' };
const rows = [
	{ mail: 'a@example.com', id: 'EA' },
	{ mail: 'b@example.com', id: 'EB' },
];

describe('hostile input to User > Sync', () => {
	const k2 = useK2({ reset: 'data' });
	let secrets: Array<string | undefined>;
	beforeAll(async () => {
		secrets = [k2.sandbox.scimToken, k2.tokens.access_token as string, k2.tokens.refresh_token as string];
	});
	beforeEach(async () => {
		k2.sandbox.setFaults({ rate: 0 });
		await k2.scim.createUser('a@example.com', { externalId: 'EA' });
		await k2.scim.createUser('b@example.com', { externalId: 'EB' });
		await k2.scim.createUser('12345', { externalId: 'E12345' });
		await k2.scim.createUser('admin@example.com');
		k2.sandbox.resetStats();
	});

	/** Every K2 user the case started with is still there and active. */
	async function assertUsersIntact(where: string): Promise<void> {
		const users = await k2.scim.listUsers();
		assert.deepEqual(users.map((u) => u.userName).sort(), [...KNOWN].sort(), `${where}: users deleted`);
		assert.ok(users.every((u) => u.active === true), `${where}: a user was deactivated`);
	}
	function assertClean(result: RunResult, where: string): void {
		assertNoSecrets(result.output, secrets, `${where} output`);
		assertNoSecrets(result.error, secrets, `${where} error`);
		assertPrototypesClean(where);
	}

	test('1. one blank item ({}) + All Users + Delete: nothing deleted, the run fails saying why', async () => {
		const result = await k2.run(sync(deleteAll), [{}]);
		assert.match(result.error!.message, /Sync finished with 1 failure\(s\) \(1 user\) and nothing was deprovisioned: user "item 0" \(item 0\): Username is missing/);
		assert.match(result.error!.description!, /Nothing was deprovisioned: no input item had a usable Username.*one empty item when the node before Sync returned nothing/);
		assert.equal(writes(k2.sandbox), 0);
		await assertUsersIntact('blank item');
		assertClean(result, 'blank item');
	});

	test('2. the same with Continue On Fail: one error item, a "skipped" deprovision notice, 0 writes', async () => {
		const result = await k2.run(sync(deleteAll), [{}], { continueOnFail: true });
		const perInput = { ...result, output: result.output!.filter((item) => item.json.type === undefined) };
		assertEachItemOnce(perInput, 1, 'blank item, continue');
		assert.match(String(perInput.output[0].json.error), /Username is missing/);
		const notice = result.output!.find((item) => item.json.type === 'deprovision')!;
		assert.equal(notice.json.action, 'skipped');
		assert.match(String(notice.json.reason), /^Nothing was deprovisioned/);
		assert.deepEqual(notice.pairedItem, [{ item: 0 }]);
		assert.equal(writes(k2.sandbox), 0);
		await assertUsersIntact('blank item, continue');
		assertClean(result, 'blank item, continue');
	});

	test('3. a row whose Username expression fails stops all deactivation; the other rows still sync', async () => {
		const input = [...rows, { id: 'EX' }];
		const result = await k2.run(sync(deactivateAll, { userName: "={{ $json.mail ?? $('No Such Node').item.json.mail }}" }), input, { continueOnFail: true });
		const perInput = { ...result, output: result.output!.filter((item) => item.json.type === undefined) };
		assertEachItemOnce(perInput, 3, 'expression error');
		assert.deepEqual(perInput.output.slice(0, 2).map((item) => item.json.action), ['unchanged', 'unchanged']);
		assert.match(String(perInput.output[2].json.error), /^Username could not be read: /);
		const notice = result.output!.find((item) => item.json.type === 'deprovision')!;
		assert.match(String(notice.json.reason), /Nothing was deprovisioned: input item\(s\) 2 had a usable Username/);
		assert.equal(writes(k2.sandbox), 0, '12345 and admin are not deactivated');
		await assertUsersIntact('expression error');
		assertClean(result, 'expression error');
	});

	test('4. a numeric userName (12345) is not text: that K2 user is not deprovisioned', async () => {
		const result = await k2.run(sync(deactivateAll), [...rows, { mail: 12345, id: 'E12345' }, { mail: 'admin@example.com' }]);
		assert.match(result.error!.message, /user "12345" \(item 2\): Username is 12345 \(number\), not text/);
		assert.match(result.error!.description!, /Nothing was deprovisioned: input item\(s\) 2/);
		assert.match(String(result.error!.message), /^Sync finished with 1 failure/);
		assert.equal(writes(k2.sandbox), 0);
		await assertUsersIntact('numeric userName');
		assertClean(result, 'numeric userName');
	});

	test('5. a userName given as an object or a boolean is not text', async () => {
		const result = await k2.run(sync(deleteAll), [...rows, { mail: { value: 'x@example.com' } }, { mail: true }], { continueOnFail: true });
		const errors = result.output!.filter((item) => item.json.error).map((item) => String(item.json.error));
		assert.deepEqual(errors, [
			'Username is {"value":"x@example.com"} (object), not text: this item cannot be matched to a K2 user',
			'Username is true (boolean), not text: this item cannot be matched to a K2 user',
		]);
		assert.equal(writes(k2.sandbox), 0);
		await assertUsersIntact('object userName');
		assertClean(result, 'object userName');
	});

	test('6. a row without the key field (missing) among good rows: nothing deleted', async () => {
		const result = await k2.run(sync(deleteAll), [rows[0], { id: 'EB' }, rows[1]]);
		assert.match(result.error!.message, /user "item 1" \(item 1\): Username is missing/);
		assert.match(result.error!.description!, /input item\(s\) 1 had a usable Username/);
		assert.equal(writes(k2.sandbox), 0);
		await assertUsersIntact('missing key');
		assertClean(result, 'missing key');
	});

	test('7. a whitespace-only userName is blank', async () => {
		const result = await k2.run(sync(deleteAll), [...rows, { mail: '  \t ' }]);
		assert.match(result.error!.message, /Username is blank/);
		assert.equal(writes(k2.sandbox), 0);
		await assertUsersIntact('blank key');
	});

	test('8. Match On External ID: a numeric externalId stops deprovisioning by external ID', async () => {
		const result = await k2.run(sync({ deprovision: 'delete' }, { matchOn: 'externalId' }), [
			{ mail: 'a@example.com', id: 'EA' },
			{ mail: 'b@example.com', id: 'EB' },
			{ mail: '12345', id: 12345 },
		]);
		assert.match(result.error!.message, /External ID is 12345 \(number\), not text/);
		assert.match(result.error!.description!, /had a usable External ID/);
		assert.equal(writes(k2.sandbox), 0);
		await assertUsersIntact('numeric externalId');
	});

	test('9. zero input items: n8n does not run the node; called anyway, Sync refuses before any request', async () => {
		const skipped = await k2.run(sync(deleteAll), []);
		assert.equal(skipped.output, undefined);
		assert.equal(k2.sandbox.stats().total, 0);
		const ctx = {
			getNodeParameter: (name: string, _item: number, fallback?: unknown) => (name === 'syncOptions' ? deleteAll : name === 'matchOn' ? 'userName' : fallback),
			getNode: () => ({ name: 'K2 SCIM', type: 'n8n-nodes-k2-scim.k2Scim', typeVersion: 1, parameters: {} }),
		} as unknown as IExecuteFunctions;
		await assert.rejects(executeAll.call(ctx, 0), (error: Error & { description?: string }) => {
			assert.equal(error.message, 'Sync got no input items, so nothing was deprovisioned');
			assert.match(error.description!, /An empty source is almost always a broken or truncated export/);
			return true;
		});
		assert.equal(k2.sandbox.stats().total, 0);
		await assertUsersIntact('zero items');
	});

	test('10. Max Deprovisions "0" means 0, not the default 10', async () => {
		const result = await k2.run(sync({ ...deactivateAll, maxDeprovisions: '0' }), rows);
		assert.match(result.error!.message, /Sync stopped: 2 K2 users would be deactivated, more than the limit of 0/);
		assert.equal(writes(k2.sandbox), 0);
		await assertUsersIntact('max 0');
	});

	for (const [n, value] of [
		[11, -1],
		[12, 2.5],
		[13, 'abc'],
		[14, ''],
	] as const) {
		test(`${n}. Max Deprovisions ${JSON.stringify(value)} is a field error before anything is read`, async () => {
			const result = await k2.run(sync({ ...deleteAll, maxDeprovisions: value }), rows);
			assert.equal(result.error!.message, `Max Deprovisions per Run must be a whole number of 0 or more, not ${JSON.stringify(value)}`);
			assert.match(result.error!.description!, /Nothing was read from or sent to K2/);
			assert.equal(k2.sandbox.stats().total, 0, 'not even the listing');
			await assertUsersIntact(`max ${value}`);
		});
	}

	test('15. Max Deprovisions " 2 " (a numeric string from an expression) is 2', async () => {
		const result = await k2.run(sync({ ...deactivateAll, maxDeprovisions: ' 2 ' }), rows);
		assert.equal(result.error, undefined, result.error?.message);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 2);
		assert.equal((await k2.scim.findUser('12345')).active, false);
		assert.equal((await k2.scim.findUser('a@example.com')).active, true);
	});

	test('16. Deprovision Scope "filter" with an empty filter: refused before any request', async () => {
		const result = await k2.run(sync({ deprovision: 'delete', deprovisionScope: 'filter', deprovisionFilter: '  ' }), rows);
		assert.match(result.error!.message, /Deprovision Scope is "Users Matching a SCIM Filter" but the filter is empty/);
		assert.equal(k2.sandbox.stats().total, 0);
		await assertUsersIntact('empty filter');
	});

	test('16b. a Deprovision Filter that does not parse (") or (userName pr") is refused before any request', async () => {
		const result = await k2.run(sync({ deprovision: 'delete', deprovisionScope: 'filter', deprovisionFilter: ') or (userName pr' }), rows);
		assert.match(result.error!.message, /^Deprovision Filter is not a valid SCIM filter: .*position/);
		assert.equal(k2.sandbox.stats().total, 0);
		await assertUsersIntact('filter that does not parse');
		assertClean(result, 'filter that does not parse');
	});

	test('16c. Groups given as an object or with a non-text entry: that item is an error, no group is written', async () => {
		const result = await k2.run(
			sync(deactivateAll, { groupNames: '={{ $json.groups }}' }),
			[
				{ mail: 'a@example.com', id: 'EA', groups: { name: 'Sales' } },
				{ mail: 'b@example.com', id: 'EB', groups: ['Sales', 7] },
			],
			{ continueOnFail: true },
		);
		const errors = result.output!.filter((item) => item.json.error !== undefined);
		assert.deepEqual(
			errors.map((item) => [item.pairedItem, String(item.json.error)]),
			[
				[{ item: 0 }, 'Groups must be text (names separated by commas) or a list of names, got an object'],
				[{ item: 1 }, 'Groups entry 2 must be a group name (text), got number 7'],
			].map(([paired, message]) => [paired, message]),
		);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 0);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 0);
		assertClean(result, 'groups of the wrong type');
	});

	test('16d. Dry Run from an expression that gives null or "yes": refused before any request, never a real sync', async () => {
		for (const [value, shown] of [['={{ null }}', 'null'], ['={{ "yes" }}', '"yes"']] as const) {
			k2.sandbox.resetStats();
			const result = await k2.run(sync({ ...deleteAll, dryRun: value }), rows);
			assert.equal(result.error?.message, `Dry Run must be true or false, not ${shown}`);
			assert.equal(k2.sandbox.stats().total, 0);
		}
		await assertUsersIntact('dry run of the wrong type');
	});

	test('16e. Dry Run given as the text "true" is a dry run: nothing written', async () => {
		const result = await k2.run(sync({ ...deleteAll, dryRun: '={{ "true" }}' }), rows);
		assert.equal(result.error, undefined, result.error?.message);
		assert.equal(writes(k2.sandbox), 0);
		assert.ok(result.output!.some((item) => item.json.dryRun === true));
		await assertUsersIntact('dry run as text');
	});

	test('17. duplicate rows of one user: both are errors, and that user is not deleted', async () => {
		const result = await k2.run(sync(deleteAll, {}), [...rows, { mail: 'B@example.com', id: 'EB' }], { continueOnFail: true });
		const errors = result.output!.filter((item) => item.json.error).map((item) => String(item.json.error));
		assert.equal(errors.length, 2);
		assert.ok(errors.every((e) => /appears 2 times in the input/.test(e)), errors.join('\n'));
		const deleted = result.output!.filter((item) => item.json.action === 'deleted').map((item) => item.json.userName);
		assert.deepEqual(deleted.sort(), ['12345', 'admin@example.com']);
		assert.ok(await k2.scim.findUser('b@example.com'), 'b is named by the input: kept');
		assert.equal(count(k2.sandbox, 'DELETE /Users/:id'), 2);
	});

	test('18. a listing that keeps failing (429 for good): the run fails before any write', async () => {
		k2.sandbox.setFaults({ rate: 1, kinds: ['429'], only: ['GET /Users'], retryAfterSeconds: 0 });
		const result = await k2.run(sync(deleteAll), [{ mail: 'new@example.com' }]);
		assert.match(result.error!.message, /429|throttl/i);
		assert.equal(writes(k2.sandbox), 0);
		k2.sandbox.setFaults({ rate: 0 });
		await assertUsersIntact('listing fails');
		assertClean(result, 'listing fails');
	});

	test('19. a group name with quotes, its create answer lost: looked up with an escaped filter, created once', async () => {
		const name = 'R&D "EMEA" \\ team';
		k2.sandbox.setFaults({ rate: 1, kinds: ['drop-after'], only: ['POST /Groups'], limit: 1 });
		const result = await k2.run(sync({}, { groupNames: '={{ $json.groups }}' }), rows.map((row) => ({ ...row, groups: name })));
		assert.equal(result.error, undefined, result.error?.message);
		const groups = (await k2.scim.request('GET', '/Groups')).body.Resources as Array<{ displayName: string; members?: unknown[] }>;
		assert.deepEqual(groups.map((g) => [g.displayName, g.members?.length]), [[name, 2]]);
		assert.equal(count(k2.sandbox, 'POST /Groups'), 1);
	});
});

/**
 * A server in front of the sandbox whose user listing is not SCIM (HTML, or JSON without
 * `Resources`); every other request goes through, so the sandbox counts any write Sync sends.
 */
describe('a listing that is not SCIM: Sync sends no write', () => {
	const k2 = useK2();
	let proxy: ScimProxy;
	let listing: { type: string; body: string };
	beforeAll(async () => {
		proxy = await startScimProxy(k2.sandbox.scimBaseUrl);
		proxy.before = (route) => (route === 'GET /Users' ? { status: 200, headers: { 'content-type': listing.type }, body: listing.body } : undefined);
		await connectThrough(k2, proxy, 'notScim', 'Not SCIM');
	});
	afterAll(async () => proxy?.close());

	for (const [n, type, body] of [
		[20, 'text/html', '<html><body>Sign in to continue</body></html>'],
		[21, 'application/json', '{"users": [], "total": 0}'],
	] as const) {
		test(`${n}. listing answered ${type} ${body.slice(0, 20)}…: 0 writes, K2 untouched`, async () => {
			listing = { type, body };
			await k2.sandbox.reset();
			await k2.scim.createUser('keep@example.com', { externalId: 'K1' });
			k2.sandbox.resetStats();
			const result = await k2.run(sync({ deprovision: 'delete', deprovisionScope: 'all' }), [{ mail: 'new@example.com' }, { mail: 'other@example.com' }], {
				credentialId: 'notScim',
			});
			assert.ok(result.error, 'the run fails');
			assert.match(result.error!.message, /SCIM/);
			assert.equal(writes(k2.sandbox), 0, 'no POST for the users the broken listing hid');
			const users = await k2.scim.listUsers();
			assert.deepEqual(users.map((u) => u.userName), ['keep@example.com']);
		});
	}
});
