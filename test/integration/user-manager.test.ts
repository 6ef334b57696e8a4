// Manager by reference (issue 20 item 3): Sync and Create or Update take a manager by username or
// employee number and write the manager's K2 id. Against the sandbox: a manager created in the same
// run is set after it exists (one PATCH), an unknown or ambiguous reference is an error on its item
// (never a wrong id), and a re-run sends nothing.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import { ENTERPRISE, errorText, userItems } from '../identity/support';
import { count, useK2, writes } from '../support/fixture';
import { connectThrough, startScimProxy } from '../support/scim-proxy';
import type { ScimProxy } from '../support/scim-proxy';

const MANAGER = `${ENTERPRISE}:manager`;

/** Sync (or Create or Update) over HR rows: mail, number, boss (a username or employee number). */
function parameters(operation: 'sync' | 'createOrUpdate', managerIs?: string, syncOptions: IDataObject = {}): IDataObject {
	return {
		resource: 'user',
		operation,
		matchOn: 'userName',
		userName: '={{ $json.mail }}',
		additionalFields: {
			employeeNumber: '={{ $json.number }}',
			manager: '={{ $json.boss }}',
			...(managerIs ? { managerIs } : {}),
		},
		...(operation === 'sync' ? { syncOptions } : {}),
	};
}

describe('Manager by reference', () => {
	const k2 = useK2({ reset: 'data' });
	let proxy: ScimProxy;
	beforeAll(async () => {
		proxy = await startScimProxy(k2.sandbox.scimBaseUrl);
		await connectThrough(k2, proxy, 'via-proxy');
	});
	afterAll(async () => proxy?.close());

	const managerOf = async (userName: string) => (await k2.scim.findUser(userName))?.[ENTERPRISE]?.manager?.value as string | undefined;
	const idOf = async (userName: string) => (await k2.scim.findUser(userName)).id as string;

	test('Sync by username: an existing manager goes into the user\'s own write, one created in the run is set after it; a re-run sends nothing', async () => {
		await k2.scim.createUser('ceo@example.com');
		k2.sandbox.resetStats();
		const rows = [
			{ mail: 'a@example.com', boss: 'Boss@Example.com' }, // before its manager, in another case
			{ mail: 'boss@example.com', boss: ' ceo@example.com ' }, // an existing manager, with spaces
			{ mail: 'b@example.com', boss: 'boss@example.com' },
			{ mail: 'c@example.com' }, // no manager
			{ mail: 'd@example.com', boss: 'c@example.com' }, // a manager created in the run without one of its own
		];
		const first = await k2.run(parameters('sync'), rows);
		assert.equal(first.error, undefined, first.error?.message);
		const items = userItems(first);
		assert.deepEqual(items.map((item) => item.action), ['created', 'created', 'created', 'created', 'created']);
		const boss = await idOf('boss@example.com');
		assert.equal(await managerOf('a@example.com'), boss);
		assert.equal(await managerOf('b@example.com'), boss);
		assert.equal(await managerOf('boss@example.com'), await idOf('ceo@example.com'));
		assert.equal(await managerOf('c@example.com'), undefined);
		assert.equal(await managerOf('d@example.com'), await idOf('c@example.com'));
		assert.equal(count(k2.sandbox, 'POST /Users'), 5);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 3, 'a second pass only for the three whose manager was created in the run');
		assert.deepEqual(items[0].manager, { userName: 'Boss@Example.com', id: boss });
		assert.equal(items[0].changedAttributes, undefined, 'part of the create: no changes listed');

		k2.sandbox.resetStats();
		const again = await k2.run(parameters('sync'), rows);
		assert.deepEqual(userItems(again).map((item) => item.action), ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
		assert.equal(writes(k2.sandbox), 0, 'resolved ids compare equal: no write');

		// A new manager for one user: one PATCH, whose changes show the ids.
		k2.sandbox.resetStats();
		const moved = await k2.run(parameters('sync'), rows.map((row) => (row.mail === 'b@example.com' ? { ...row, boss: 'ceo@example.com' } : row)));
		assert.equal(writes(k2.sandbox), 1);
		const b = userItems(moved)[2];
		assert.equal(b.action, 'updated');
		assert.deepEqual((b.changes as IDataObject)[MANAGER], { from: { value: boss }, to: { value: await idOf('ceo@example.com') } });
	});

	test('Sync by employee number: unknown and ambiguous references are errors on their items; the users are still written', async () => {
		await k2.scim.createUser('twin1@example.com', { [ENTERPRISE]: { employeeNumber: 'E-DUP' } });
		await k2.scim.createUser('twin2@example.com', { [ENTERPRISE]: { employeeNumber: 'e-dup' } }); // the same number, without case
		const head = await k2.scim.createUser('head@example.com', { [ENTERPRISE]: { employeeNumber: 'E-1' } });
		k2.sandbox.resetStats();
		const rows = [
			{ mail: 'x@example.com', number: 'E-10', boss: 'E-1' },
			{ mail: 'y@example.com', number: 'E-11', boss: 'E-10' }, // x, created in this run
			{ mail: 'z@example.com', number: 'E-12', boss: 'E-404' },
			{ mail: 'w@example.com', number: 'E-13', boss: 'E-DUP' },
		];
		const run = await k2.run(parameters('sync', 'employeeNumber'), rows, { continueOnFail: true });
		const items = userItems(run);
		assert.deepEqual(items.map((item) => item.action), ['created', 'created', 'created', 'created']);
		assert.equal(await managerOf('x@example.com'), head.id);
		assert.equal(await managerOf('y@example.com'), await idOf('x@example.com'));
		assert.equal(await managerOf('z@example.com'), undefined, 'no guess');
		assert.equal(await managerOf('w@example.com'), undefined, 'no guess between the twins');
		assert.match(String(items[2].managerError), /no K2 user has the Employee Number "E-404"/);
		assert.match(String(items[3].managerError), /2 K2 users have the Employee Number "E-DUP"/);
		assert.equal(items[0].managerError, undefined);
		assert.equal(items[1].managerError, undefined);

		// Without Continue On Fail the run fails after every write, naming both items.
		await k2.sandbox.reset();
		await k2.scim.createUser('twin1@example.com', { [ENTERPRISE]: { employeeNumber: 'E-DUP' } });
		await k2.scim.createUser('twin2@example.com', { [ENTERPRISE]: { employeeNumber: 'E-DUP' } });
		await k2.scim.createUser('head@example.com', { [ENTERPRISE]: { employeeNumber: 'E-1' } });
		k2.sandbox.resetStats();
		const failed = await k2.run(parameters('sync', 'employeeNumber'), rows);
		assert.ok(failed.error, 'the run fails');
		assert.match(failed.error.message, /2 failure\(s\) \(2 user\)/);
		assert.match(failed.error.message, /z@example.com.*E-404/);
		assert.match(failed.error.message, /w@example.com.*E-DUP/);
		assert.equal(count(k2.sandbox, 'POST /Users'), 4, 'every user was still written');
		assert.equal(await managerOf('y@example.com'), await idOf('x@example.com'));
	});

	test('Dry Run shows each resolved manager change and sends no write', async () => {
		const ceo = await k2.scim.createUser('ceo@example.com');
		await k2.scim.createUser('old@example.com');
		k2.sandbox.resetStats();
		const dry = await k2.run(parameters('sync', undefined, { dryRun: true }), [
			{ mail: 'old@example.com', boss: 'ceo@example.com' },
			{ mail: 'new@example.com', boss: 'ceo@example.com' },
			{ mail: 'later@example.com', boss: 'solo@example.com' },
			{ mail: 'nobody@example.com', boss: 'ghost@example.com' },
			{ mail: 'solo@example.com' },
		], { continueOnFail: true });
		assert.equal(writes(k2.sandbox), 0);
		const items = userItems(dry);
		assert.deepEqual(items.map((item) => item.action), ['update', 'create', 'create', 'create', 'create']);
		assert.deepEqual((items[0].changes as IDataObject)[MANAGER], { from: null, to: { value: ceo.id } });
		assert.deepEqual(items[1].manager, { userName: 'ceo@example.com', id: ceo.id });
		assert.match(String(items[2].managerPending), /after solo@example.com is created/);
		assert.match(String(items[3].managerError), /no K2 user has the Username "ghost@example.com"/);
	});

	test('a user naming themselves as manager is an error; by K2 ID, the user is written without it', async () => {
		const me = await k2.scim.createUser('me@example.com');
		k2.sandbox.resetStats();
		const byName = await k2.run(parameters('sync'), [{ mail: 'me@example.com', boss: 'ME@example.com' }], { continueOnFail: true });
		assert.match(errorText(byName.output![0]), /own Username "ME@example.com": a user cannot be their own manager/);
		const byId = await k2.run(parameters('sync', 'id'), [{ mail: 'me@example.com', number: '7', boss: me.id }], { continueOnFail: true });
		assert.match(String(userItems(byId)[0].managerError), /names the user itself/);
		assert.equal(await managerOf('me@example.com'), undefined);
		assert.equal(count(k2.sandbox, 'PATCH /Users/:id'), 1, 'the employee number, without the manager');

		// Manager and Manager ID both set: refused before any request.
		k2.sandbox.resetStats();
		const both = { ...parameters('sync'), additionalFields: { manager: '={{ $json.boss }}', managerId: me.id } };
		const twice = await k2.run(both, [{ mail: 'x@example.com', boss: 'me@example.com' }], { continueOnFail: true });
		assert.match(errorText(twice.output![0]), /Manager and Manager ID both set the manager: set it in one place/);
		assert.equal(writes(k2.sandbox), 0);
	});

	test('Create or Update by username and by employee number: one lookup, the id written; unknown is an error before any write', async () => {
		const boss = await k2.scim.createUser('boss@example.com', { [ENTERPRISE]: { employeeNumber: '100' } });
		k2.sandbox.resetStats();
		const first = await k2.run(parameters('createOrUpdate'), [{ mail: 'a@example.com', boss: 'BOSS@example.com' }]);
		assert.equal(first.error, undefined, first.error?.message);
		assert.equal(first.output![0].json.action, 'created');
		assert.equal(await managerOf('a@example.com'), boss.id);
		k2.sandbox.resetStats();
		const again = await k2.run(parameters('createOrUpdate'), [{ mail: 'a@example.com', boss: 'boss@example.com' }]);
		assert.equal(again.output![0].json.action, 'unchanged');
		assert.equal(writes(k2.sandbox), 0);

		const byNumber = await k2.run(parameters('createOrUpdate', 'employeeNumber'), [{ mail: 'b@example.com', boss: '100' }]);
		assert.equal(byNumber.error, undefined, byNumber.error?.message);
		assert.equal(await managerOf('b@example.com'), boss.id);

		k2.sandbox.resetStats();
		const unknown = await k2.run(parameters('createOrUpdate'), [{ mail: 'c@example.com', boss: 'ghost@example.com' }], { continueOnFail: true });
		assert.match(errorText(unknown.output![0]), /Manager not resolved: no K2 user has the Username "ghost@example.com"/);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal(await k2.scim.findUser('c@example.com'), undefined);

		// Its own K2 ID: refused before any write.
		const self = await k2.run(parameters('createOrUpdate', 'id'), [{ mail: 'a@example.com', boss: await idOf('a@example.com') }], { continueOnFail: true });
		assert.match(errorText(self.output![0]), /Manager names the user itself \(K2 ID "[^"]+"\): a user cannot be their own manager/);
		assert.equal(writes(k2.sandbox), 0);
		assert.equal(await managerOf('a@example.com'), boss.id);
	});

	test('Create or Update: a K2 that refuses a filter on employeeNumber is asked once; the run resolves from one listing', async () => {
		const boss = await k2.scim.createUser('boss@example.com', { [ENTERPRISE]: { employeeNumber: '100' } });
		await k2.scim.createUser('other@example.com', { [ENTERPRISE]: { employeeNumber: '200' } });
		const filters: string[] = [];
		proxy.before = (route, request) => {
			const filter = new URL(request.url, 'http://x').searchParams.get('filter');
			if (route !== 'GET /Users' || filter === null) return undefined;
			filters.push(filter);
			if (filter.includes('employeeNumber')) {
				return { status: 400, headers: { 'content-type': 'application/scim+json' }, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidFilter', detail: 'unsupported attribute' }) };
			}
			return undefined;
		};
		try {
			k2.sandbox.resetStats();
			const run = await k2.run(parameters('createOrUpdate', 'employeeNumber'), [
				{ mail: 'a@example.com', boss: '100' },
				{ mail: 'b@example.com', boss: '100' },
				{ mail: 'c@example.com', boss: '999' },
			], { credentialId: 'via-proxy', continueOnFail: true });
			const reads = count(k2.sandbox, 'GET /Users');
			assert.deepEqual(run.output!.slice(0, 2).map((item) => item.json.action), ['created', 'created']);
			assert.equal(await managerOf('a@example.com'), boss.id);
			assert.equal(await managerOf('b@example.com'), boss.id);
			assert.match(errorText(run.output![2]), /no K2 user has the Employee Number "999"/);
			assert.equal(filters.filter((filter) => filter.includes('employeeNumber')).length, 1, `asked once: ${filters.join(' | ')}`);
			const forwarded = filters.length - 1; // all but the refused one
			assert.equal(reads, forwarded + 1, 'and one listing');
		} finally {
			proxy.before = () => undefined;
		}
	});
});
