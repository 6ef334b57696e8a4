import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, beforeEach, describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import type { TenantProfile } from '../../nodes/K2Scim/actions/connection/tenantProfile';
import type { Sandbox } from '../../sandbox';
import { STRICT_PROFILE } from '../../sandbox';
import type { K2Profile } from '../../sandbox/profile';
import { parseCli } from '../../sandbox/cli-options';
import { DEFAULT_PROFILE_VALUES, readProfileFile } from '../../sandbox/profile-parse';
import type { K2Fixture } from '../support/fixture';
import { useK2 } from '../support/fixture';

// The node's profile must stay a valid sandbox profile: this fails to compile if a field drifts.
const asSandboxProfile = (profile: TenantProfile): K2Profile => profile;

const checkWithTestWrites = { resource: 'connection', operation: 'check', testWrites: true };
const ALL_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'and', 'or', 'not'];

/** The sandbox's profile as Test Writes can see it: every default spelled out, without the two IdentityToken fields. */
function observable(profile: K2Profile): TenantProfile {
	const { refreshTokenNeedsOfflineAccess: _offline, exactRedirectUris: _exact, ...rest } = { ...DEFAULT_PROFILE_VALUES, filterOperators: ALL_OPERATORS, ...profile };
	return rest;
}

/** Equal to the sandbox's profile; the lag within the poll's step (100 ms) plus scheduling on a busy machine. */
function assertSameProfile(reported: TenantProfile, expected: TenantProfile): void {
	const { readAfterWriteLagMs: lag, ...rest } = reported;
	const { readAfterWriteLagMs: expectedLag, ...expectedRest } = expected;
	assert.deepEqual(rest, expectedRest);
	if (expectedLag === 0) assert.equal(lag, 0);
	else assert.ok(lag! >= expectedLag! - 50 && lag! <= expectedLag! + 1000, `lag ${lag} ms for ${expectedLag} ms`);
}

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
	const k2 = useK2();
	let sandbox: Sandbox;
	beforeAll(() => {
		sandbox = k2.sandbox;
	});
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
		// E-mail-shaped, as K2 usernames often are; the group is named without the domain.
		assert.match(names.users[0], /^k2-scim-check-[a-z0-9]{8}@example\.invalid$/);
		assert.equal(names.users[1], names.users[0].replace('@', '-2@'));
		assert.equal(names.group, names.users[0].replace('@example.invalid', ''));
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
		// Check itself reads 3 times (ServiceProviderConfig, the token check, groups): its filter
		// operators come from Test Writes' probes, not from a second round of them.
		assert.equal(stats.total, 3 + 35, JSON.stringify(stats.byRoute));
		assert.deepEqual((json.features as IDataObject).filterOperators, { eq: true, and: true, or: true, co: true, sw: true });
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
		assert.deepEqual((json.features as IDataObject).filterOperators, { eq: true, and: true, or: false, co: false, sw: false });
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

describe('Connection: Check with Test Writes against each sandbox switch, and the strict profile', () => {
	const k2 = useK2();
	let sandbox: Sandbox;
	beforeAll(() => {
		sandbox = k2.sandbox;
	});

	/** Runs Test Writes against `profile`; checks the report matches it and K2 is left empty. */
	async function learn(profile: K2Profile): Promise<IDataObject> {
		sandbox.setProfile({});
		await sandbox.reset();
		sandbox.setProfile(profile);
		sandbox.resetStats();
		const json = await runTestWrites(k2);
		const report = json.testWrites as IDataObject;
		assert.equal(report.complete, true, JSON.stringify(report.stoppedAt));
		assert.deepEqual((report.cleanup as IDataObject).notRemoved, []);
		assertSameProfile(json.profile as TenantProfile, observable(sandbox.profile()));
		await sandbox.settled();
		assert.deepEqual(await contents(k2), { users: [], groups: [] }, 'K2 is empty afterwards');
		assertNoSecrets(json, k2);
		return json;
	}

	test('storedAttributes: the attributes K2 dropped are named in a warning', async () => {
		const json = await learn({ storedAttributes: STRICT_PROFILE.storedAttributes });
		assert.deepEqual((json.profile as TenantProfile).storedAttributes, STRICT_PROFILE.storedAttributes);
		assert.ok(
			(json.warnings as string[]).includes(
				'K2 did not keep: title, phoneNumbers, employeeNumber (enterprise), department (enterprise), manager (enterprise) — Sync leaves them out of its comparison.',
			),
			JSON.stringify(json.warnings),
		);
	});

	test('filterOperators', async () => {
		const json = await learn({ filterOperators: ['eq', 'sw', 'and'] });
		const steps = (json.testWrites as IDataObject).steps as unknown as Step[];
		assert.match(steps.find((s) => s.step === 'page 1')!.sent, /filter=userName sw/, 'paging filtered with sw');
	});

	test('totalResults counted on the page', async () => {
		const json = await learn({ totalResults: 'page' });
		assert.ok((json.warnings as string[]).some((w) => w.includes('totalResults counts only the resources on the page')));
	});

	test('startIndex ignored', async () => {
		const json = await learn({ startIndex: 'ignored' });
		assert.ok((json.warnings as string[]).some((w) => w.includes('ignores startIndex')));
	});

	for (const wrongToken of ['401', '403'] as const) {
		test(`a wrong SCIM token answered ${wrongToken} with an empty body: one request, no refresh`, async () => {
			const json = await learn({ wrongToken });
			const step = ((json.testWrites as IDataObject).steps as unknown as Step[]).find((s) => s.step === 'wrong SCIM token')!;
			assert.deepEqual(step, {
				step: 'wrong SCIM token',
				sent: 'GET /Users?count=1 with a random GUID in place of the SCIM token, the same access token',
				status: Number(wrongToken),
				meaning: `A wrong SCIM token gets ${wrongToken} with an empty body`,
			});
			assert.equal(sandbox.idpStats().refreshOk + sandbox.idpStats().invalidGrant, 0, 'no refresh for the wrong token');
			assert.equal(sandbox.stats().byStatus[wrongToken], 1, 'one request with the wrong token');
		});
	}

	test('PATCH answered 204', async () => {
		const json = await learn({ patchAnswer: '204' });
		const steps = (json.testWrites as IDataObject).steps as unknown as Step[];
		assert.equal(steps.find((s) => s.step === 'PATCH the user')!.status, 204);
		assert.equal(steps.find((s) => s.step === 'PATCH applied')!.meaning, 'The new displayName is there');
		assert.match(steps.find((s) => s.step === 'remove a member')!.meaning, /^Answered without a body; the user is not a member/);
	});

	test('soft delete: the re-create gets 409, and cleanup still empties K2', async () => {
		const json = await learn({ deleteMode: 'soft' });
		const steps = (json.testWrites as IDataObject).steps as unknown as Step[];
		assert.equal(steps.find((s) => s.step === 'create the deleted user again')!.status, 409);
		assert.equal(((json.testWrites as IDataObject).cleanup as { removed: unknown[] }).removed.length, 2, 'the group and the second user');
	});

	test('a read-after-write lag of 500 ms: measured, and every check waits it out', async () => {
		const json = await learn({ readAfterWriteLagMs: 500 });
		const steps = (json.testWrites as IDataObject).steps as unknown as Step[];
		assert.match(steps.find((s) => s.step.startsWith('read user') && s.step.endsWith('after its create'))!.meaning, /^Found \d+ ms after the create's answer$/);
		assert.deepEqual(
			(json.warnings as string[]).filter((w) => !w.startsWith('K2 showed a new user to reads only')),
			[],
			'no false finding from a stale read',
		);
		// Each of the 3 waits for a create reads at most 36 times more than once; here about 6.
		assert.ok(sandbox.stats().total <= 3 + 35 + 3 * 36, String(sandbox.stats().total));
	});

	test('the strict profile: every switch at once', async () => {
		const json = await learn(STRICT_PROFILE);
		assert.equal((json.warnings as string[]).length, 7, JSON.stringify(json.warnings));
		assert.ok((json.warnings as string[]).some((w) => w.startsWith("K2 did not keep the group's External ID")), 'the group attribute too');
	});

	test("the reported profile, saved as a file, is the sandbox's --profile-file (bare, or the whole item)", async () => {
		const json = await learn(STRICT_PROFILE);
		const dir = mkdtempSync(path.join(tmpdir(), 'k2-profile-'));
		const bare = path.join(dir, 'profile.json');
		const item = path.join(dir, 'item.json');
		writeFileSync(bare, JSON.stringify(json.profile, null, 2));
		writeFileSync(item, JSON.stringify(json, null, 2));
		assert.deepEqual(readProfileFile(bare), json.profile);
		assert.deepEqual(readProfileFile(item), json.profile);
		assert.deepEqual(parseCli(['--profile-file', bare]).options.profile, json.profile);
		const { refreshTokenNeedsOfflineAccess: _offline, exactRedirectUris: _exact, ...rest } = STRICT_PROFILE;
		assertSameProfile(parseCli(['--profile-file', item]).options.profile as TenantProfile, rest);
	});
});
