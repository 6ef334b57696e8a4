import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import type { TenantProfile } from '../../nodes/K2Scim/actions/connection/tenantProfile';
import type { Sandbox } from '../../sandbox';
import type { K2Profile } from '../../sandbox/profile';
import type { K2Fixture } from '../support/fixture';
import { startK2 } from '../support/fixture';

// The node's profile must stay a valid sandbox profile: this fails to compile if a field drifts.
const asSandboxProfile = (profile: TenantProfile): K2Profile => profile;

const checkWithTestWrites = { resource: 'connection', operation: 'check', testWrites: true };
const ALL_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'and', 'or', 'not'];

interface Step {
	step: string;
	sent: string;
	status: number | null;
	meaning: string;
}

async function runTestWrites(k2: K2Fixture): Promise<IDataObject> {
	const { output, error } = await k2.run(checkWithTestWrites);
	assert.equal(error, undefined, error?.message);
	assert.equal(output!.length, 1);
	return output![0].json;
}

/** Every user and group in the sandbox, read outside the node. */
async function contents(k2: K2Fixture): Promise<{ users: string[]; groups: string[] }> {
	const users = (await k2.scim.listUsers()).map((user) => user.userName as string);
	const { body } = await k2.scim.request('GET', '/Groups?count=100');
	return { users, groups: (body.Resources ?? []).map((group: { displayName: string }) => group.displayName) };
}

function assertNoSecrets(output: unknown, k2: K2Fixture): void {
	const text = JSON.stringify(output);
	for (const secret of [k2.sandbox.scimToken, k2.tokens.access_token, k2.tokens.refresh_token]) {
		if (typeof secret === 'string' && secret) assert.ok(!text.includes(secret), 'no token in the output');
	}
}

describe('Connection: Check with Test Writes against the default sandbox', () => {
	let k2: K2Fixture;
	let sandbox: Sandbox;
	before(async () => {
		k2 = await startK2();
		sandbox = k2.sandbox;
	});
	after(async () => await k2?.stop());
	beforeEach(async () => {
		await sandbox.reset();
		sandbox.setFaults({ rate: 0 });
		sandbox.setFilterOperators(undefined);
	});

	test('reports the default profile, learns it with 35 requests and leaves K2 as it was', async () => {
		await k2.scim.createUser('ada@example.com');
		sandbox.resetStats();
		const json = await runTestWrites(k2);

		assert.equal(json.ok, true, 'the rest of Check is still there');
		assert.deepEqual(json.profile, {
			filterOperators: ALL_OPERATORS,
			totalResults: 'all',
			startIndex: 'honoured',
			wrongToken: '404',
			patchAnswer: '200',
			deleteMode: 'hard',
			readAfterWriteLagMs: 0,
		});
		assert.ok(!('storedAttributes' in (json.profile as object)), 'all attributes kept: the profile leaves the field out (all)');
		asSandboxProfile(json.profile as TenantProfile);
		assert.deepEqual(json.warnings, []);

		const report = json.testWrites as IDataObject;
		assert.equal(report.complete, true);
		assert.equal(report.stoppedAt, undefined);
		const cleanup = report.cleanup as { removed: IDataObject[]; notRemoved: IDataObject[] };
		assert.deepEqual(cleanup.notRemoved, []);
		const names = report.names as { users: string[]; group: string };
		assert.match(names.users[0], /^k2-scim-check-[a-z0-9]{8}$/);
		assert.deepEqual(
			cleanup.removed.map((r) => `${r.type} ${r.name}`).sort(),
			[`group ${names.group}`, `user ${names.users[0]}`, `user ${names.users[1]}`].sort(),
			'the group, the second user and the re-created first user',
		);

		const steps = report.steps as unknown as Step[];
		const status = (name: string) => steps.find((s) => s.step === name)?.status;
		assert.equal(status('wrong SCIM token'), 404);
		assert.equal(status(`create user ${names.users[0]}`), 201);
		assert.equal(status('PATCH the user'), 200);
		assert.equal(status('PUT the user'), 200);
		assert.equal(status('DELETE the user'), 204);
		assert.equal(status('create the deleted user again'), 201);
		for (const operator of ALL_OPERATORS) assert.equal(steps.find((s) => s.step === `filter ${operator}`)?.meaning, 'Accepted', operator);
		assert.match(steps.find((s) => s.step === 'attributes kept after the create')!.meaning, /^K2 kept all 11 attributes written$/);
		assert.match(steps.find((s) => s.step === 'attributes kept after the PUT')!.meaning, /^K2 kept all 11 attributes written$/);
		assert.match(steps.find((s) => s.step === 'add a member')!.meaning, /the user is a member/);
		assert.match(steps.find((s) => s.step === 'remove a member')!.meaning, /the user is not a member/);
		for (const step of steps) assert.ok(step.sent && step.meaning, JSON.stringify(step));

		const stats = sandbox.stats();
		assert.deepEqual(
			{ POST: stats.byMethod.POST, PUT: stats.byMethod.PUT, PATCH: stats.byMethod.PATCH, DELETE: stats.byMethod.DELETE },
			{ POST: 4, PUT: 1, PATCH: 3, DELETE: 4 },
		);
		// Check itself reads 4 times (ServiceProviderConfig, the token check, the contains probe, groups).
		assert.equal(stats.total, 4 + 35, JSON.stringify(stats.byRoute));
		assert.deepEqual(await contents(k2), { users: ['ada@example.com'], groups: [] }, 'K2 holds what it held before');
		assertNoSecrets(json, k2);
	});

	test('Check without Test Writes sends no write and has no profile', async () => {
		sandbox.resetStats();
		const { output, error } = await k2.run({ resource: 'connection', operation: 'check' });
		assert.equal(error, undefined);
		const json = output![0].json;
		assert.equal(json.profile, undefined);
		assert.equal(json.testWrites, undefined);
		assert.equal(sandbox.stats().byMethod.GET, sandbox.stats().total);
	});

	test('a K2 that accepts only eq and and: the profile says so, paging is learned without a filter', async () => {
		sandbox.setFilterOperators(['eq', 'and']);
		const json = await runTestWrites(k2);
		const profile = json.profile as TenantProfile;
		assert.deepEqual(profile.filterOperators, ['eq', 'and']);
		assert.equal(profile.totalResults, 'all');
		assert.equal(profile.startIndex, 'honoured');
		const steps = (json.testWrites as IDataObject).steps as unknown as Step[];
		assert.equal(steps.find((s) => s.step === 'filter co')?.meaning, 'Refused (400 invalidFilter)');
		assert.match(steps.find((s) => s.step === 'page 1')!.sent, /no filter K2 accepts/);
		assert.ok(
			(json.warnings as string[]).includes('K2 refused the filter operators ne, co, sw, ew, gt, ge, lt, le, pr, or, not (it accepts eq, and).'),
			JSON.stringify(json.warnings),
		);
		assert.deepEqual(await contents(k2), { users: [], groups: [] });
	});

	test('a write that keeps failing stops Test Writes in the middle, and it still removes everything it created', async () => {
		// Every PUT answers 429 with Retry-After: 0: the transport gives up after its retries.
		sandbox.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 0, only: ['PUT'] });
		const json = await runTestWrites(k2);
		const report = json.testWrites as IDataObject;
		assert.equal(report.complete, false);
		assert.equal((report.stoppedAt as IDataObject).step, 'PUT the user');
		assert.equal((report.stoppedAt as IDataObject).status, 429);
		const cleanup = report.cleanup as { removed: IDataObject[]; notRemoved: IDataObject[] };
		assert.deepEqual(cleanup.notRemoved, []);
		assert.equal(cleanup.removed.length, 2, 'both users (the group was not created yet)');
		assert.ok((json.warnings as string[]).some((w) => w.startsWith('Test Writes stopped at "PUT the user"')), JSON.stringify(json.warnings));
		// What was learned before the PUT is kept; what comes after is not claimed.
		const profile = json.profile as TenantProfile;
		assert.deepEqual(profile.filterOperators, ALL_OPERATORS);
		assert.equal(profile.patchAnswer, '200');
		assert.equal(profile.deleteMode, undefined);
		sandbox.setFaults({ rate: 0 });
		assert.deepEqual(await contents(k2), { users: [], groups: [] }, 'K2 is empty afterwards');
	});

	test('what it cannot remove is reported by type, id and name', async () => {
		sandbox.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 0, only: ['DELETE'] });
		const json = await runTestWrites(k2);
		sandbox.setFaults({ rate: 0 });
		const report = json.testWrites as IDataObject;
		assert.equal((report.stoppedAt as IDataObject).step, 'DELETE the user');
		const left = await contents(k2);
		const cleanup = report.cleanup as { removed: IDataObject[]; notRemoved: IDataObject[] };
		assert.deepEqual(cleanup.removed, []);
		assert.deepEqual(cleanup.notRemoved.map((r) => r.name).sort(), [...left.users, ...left.groups].sort(), 'exactly what is left in K2');
		assert.equal(cleanup.notRemoved.length, 3);
		for (const entry of cleanup.notRemoved) {
			assert.match(String(entry.id), /\S/);
			assert.ok((json.warnings as string[]).some((w) => w.includes(`"${entry.name}" (id ${entry.id})`)), `a warning names ${entry.name}`);
		}
	});
});
