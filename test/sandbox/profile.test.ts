// Each K2Profile switch of the sandbox (sandbox/profile.ts), over HTTP: the switched behaviour and,
// in the same test, the default one, so a switch that does nothing fails here. Plus the CLI's
// profile flags (--profile, --profile-file, one flag per field).
import { afterAll, afterEach, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, STRICT_PROFILE } from '../../sandbox/index';
import type { Sandbox } from '../../sandbox/index';
import { parseCli } from '../../sandbox/cli-options';
import { ScimClient } from '../support/scim-client';
import { clientCredentialsToken, signInWithPkce } from '../support/oidc-login';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let sb: Sandbox;
let scim: ScimClient;

beforeAll(async () => {
	sb = await startSandbox({ quiet: true });
	scim = new ScimClient(sb);
});

afterAll(async () => {
	await sb.stop();
});

afterEach(async () => {
	sb.setProfile({});
	await sb.reset();
});

const q = (filter: string) => `?filter=${encodeURIComponent(filter)}`;
const patch = (operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });
/** A user with core, sub-attribute and extension values, to see which of them a write keeps. */
const richUser = (userName: string) => ({
	schemas: [USER, ENTERPRISE],
	userName,
	title: 'Engineer',
	active: true,
	name: { givenName: 'Ada', familyName: 'Lovelace' },
	[ENTERPRISE]: { employeeNumber: '42', department: 'R&D' },
});

describe('storedAttributes', () => {
	test('default: every attribute of a write is kept', async () => {
		const created = await scim.request('POST', '/Users', richUser('all@corp.example'));
		assert.equal(created.status, 201);
		assert.equal(created.body.title, 'Engineer');
		assert.deepEqual(created.body[ENTERPRISE], { employeeNumber: '42', department: 'R&D' });
		const read = await scim.request('GET', `/Users/${created.body.id}`);
		assert.equal(read.body.name.familyName, 'Lovelace');
	});

	test('a list keeps only those attributes, sub-attributes and extension attributes, in the answer and the store, on POST, PUT and PATCH', async () => {
		sb.setProfile({ storedAttributes: ['userName', 'active', 'name.givenName', `${ENTERPRISE}:employeeNumber`] });
		const created = await scim.request('POST', '/Users', richUser('kept@corp.example'));
		assert.equal(created.status, 201, 'dropping is silent: no error');
		const expectKept = (body: Record<string, any>, what: string) => {
			assert.equal(body.userName, 'kept@corp.example', what);
			assert.equal(body.active, true, what);
			assert.deepEqual(body.name, { givenName: 'Ada' }, `${what}: only name.givenName`);
			assert.deepEqual(body[ENTERPRISE], { employeeNumber: '42' }, `${what}: only employeeNumber of the extension`);
			assert.equal(body.title, undefined, `${what}: title dropped`);
			assert.equal(typeof body.id, 'string', `${what}: id always kept`);
			assert.ok(body.schemas.includes(USER), `${what}: schemas always kept`);
			assert.equal(body.meta.resourceType, 'User', `${what}: meta always kept`);
		};
		expectKept(created.body, 'POST answer');
		const id = created.body.id;
		expectKept((await scim.request('GET', `/Users/${id}`)).body, 'GET after POST');

		const put = await scim.request('PUT', `/Users/${id}`, richUser('kept@corp.example'));
		assert.equal(put.status, 200);
		expectKept(put.body, 'PUT answer');

		const patched = await scim.request('PATCH', `/Users/${id}`, patch([{ op: 'add', path: 'title', value: 'Boss' }, { op: 'replace', path: 'name.familyName', value: 'Byron' }]));
		assert.equal(patched.status, 200);
		expectKept(patched.body, 'PATCH answer');
		expectKept((await scim.request('GET', `/Users/${id}`)).body, 'GET after PATCH');
	});

	test('an extension URN keeps the whole extension; one not listed leaves the attribute and its schemas entry', async () => {
		sb.setProfile({ storedAttributes: ['userName', ENTERPRISE] });
		const whole = await scim.request('POST', '/Users', richUser('whole@corp.example'));
		assert.deepEqual(whole.body[ENTERPRISE], { employeeNumber: '42', department: 'R&D' });
		assert.ok(whole.body.schemas.includes(ENTERPRISE));
		assert.equal(whole.body.name, undefined);

		sb.setProfile({ storedAttributes: ['userName'] });
		const none = await scim.request('POST', '/Users', richUser('core@corp.example'));
		assert.equal(none.body[ENTERPRISE], undefined);
		assert.deepEqual(none.body.schemas, [USER]);
	});

	test('groups too: members not listed are dropped', async () => {
		const user = await scim.createUser('member@corp.example');
		sb.setProfile({ storedAttributes: ['displayName'] });
		const group = await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Dropped', externalId: 'g-1', members: [{ value: user.id }] });
		assert.equal(group.status, 201);
		assert.equal(group.body.displayName, 'Dropped');
		assert.equal(group.body.members, undefined);
		assert.equal(group.body.externalId, undefined);
		sb.setProfile({});
		const kept = await scim.createGroup('Kept', [user.id]);
		assert.equal(kept.members.length, 1);
	});

	test('"User:" and "Group:" entries apply to that resource type only; a bare name to both', async () => {
		sb.setProfile({ storedAttributes: ['userName', 'displayName', 'members', 'User:externalId'] });
		const user = await scim.request('POST', '/Users', { schemas: [USER], userName: 'typed@corp.example', externalId: 'u-1', title: 'Engineer' });
		assert.equal(user.body.externalId, 'u-1', 'User:externalId keeps a user\'s externalId');
		assert.equal(user.body.title, undefined);
		const group = await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Typed', externalId: 'g-1', members: [{ value: user.body.id }] });
		assert.equal(group.status, 201);
		assert.equal(group.body.externalId, undefined, 'a group\'s externalId is dropped: only users keep it');
		assert.equal(group.body.members.length, 1, 'members (bare) kept for groups');
		const patched = await scim.request('PATCH', `/Groups/${group.body.id}`, patch([{ op: 'replace', path: 'externalId', value: 'g-2' }]));
		assert.equal(patched.status, 200);
		assert.equal(patched.body.externalId, undefined, 'dropped from a PATCH too');
		sb.setProfile({ storedAttributes: ['userName', 'displayName', 'group:externalId'] });
		const lower = await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Lower', externalId: 'g-3' });
		assert.equal(lower.body.externalId, 'g-3', 'the type prefix is not case-sensitive');
		const noExternal = await scim.request('POST', '/Users', { schemas: [USER], userName: 'lower@corp.example', externalId: 'u-3' });
		assert.equal(noExternal.body.externalId, undefined);
	});
});

test('filterOperators: the profile field and setFilterOperators are one switch', async () => {
	const search = (filter: string) => scim.request('GET', `/Users${q(filter)}`);
	assert.equal((await search('userName co "a"')).status, 200, 'default: every operator');
	sb.setProfile({ filterOperators: ['EQ', 'and'] });
	assert.deepEqual(sb.profile().filterOperators, ['eq', 'and']);
	const refused = await search('userName co "a"');
	assert.equal(refused.status, 400);
	assert.equal(refused.body.scimType, 'invalidFilter');
	assert.equal((await search('userName eq "a" and active eq true')).status, 200);
	sb.setFilterOperators(['co']);
	assert.deepEqual(sb.profile().filterOperators, ['co']);
	assert.equal((await search('userName co "a"')).status, 200);
	sb.setFilterOperators(undefined);
	assert.equal(sb.profile().filterOperators, undefined);
	assert.equal((await search('userName sw "a"')).status, 200);
});

describe('paging', () => {
	beforeAll(async () => {
		sb.setProfile({});
		await sb.reset();
	});

	const seed = async () => {
		for (const name of ['p1', 'p2', 'p3']) await scim.createUser(`${name}@corp.example`);
	};

	test("totalResults 'page': totalResults counts only the page", async () => {
		await seed();
		const all = await scim.request('GET', '/Users?count=2');
		assert.equal(all.body.totalResults, 3, 'default: every match');
		assert.equal(all.body.Resources.length, 2);
		sb.setProfile({ totalResults: 'page' });
		const page = await scim.request('GET', '/Users?count=2');
		assert.equal(page.body.totalResults, 2);
		assert.equal(page.body.Resources.length, 2);
		const filtered = await scim.request('GET', `/Users${q('userName sw "p"')}&startIndex=3&count=2`);
		assert.equal(filtered.body.totalResults, 1);
	});

	test("startIndex 'ignored': every page starts at the first match and says startIndex 1", async () => {
		await seed();
		const second = await scim.request('GET', '/Users?startIndex=2&count=1');
		assert.equal(second.body.startIndex, 2, 'default: honoured');
		assert.equal(second.body.Resources[0].userName, 'p2@corp.example');
		sb.setProfile({ startIndex: 'ignored' });
		const first = await scim.request('GET', '/Users?startIndex=2&count=1');
		assert.equal(first.body.startIndex, 1);
		assert.equal(first.body.Resources[0].userName, 'p1@corp.example');
		assert.equal(first.body.totalResults, 3);
	});
});

test('wrongToken: 404 with a SCIM error by default; 401 with a bare Bearer challenge or 403, both with an empty body', async () => {
	const { access_token } = await clientCredentialsToken(sb);
	const wrongPath = `${sb.scimBaseUrl}/tokens/00000000-0000-0000-0000-000000000000/scim/v2/Users`;
	const call = async () => {
		const res = await fetch(wrongPath, { headers: { authorization: `Bearer ${access_token}` } });
		return { status: res.status, challenge: res.headers.get('www-authenticate'), type: res.headers.get('content-type'), text: await res.text() };
	};
	const notFound = await call();
	assert.equal(notFound.status, 404);
	assert.match(JSON.parse(notFound.text).detail, /check the SCIM Token/);

	sb.setProfile({ wrongToken: '401' });
	const unauthorized = await call();
	assert.equal(unauthorized.status, 401);
	assert.equal(unauthorized.challenge, 'Bearer');
	assert.equal(unauthorized.text, '');
	assert.equal(unauthorized.type, null);

	sb.setProfile({ wrongToken: '403' });
	const forbidden = await call();
	assert.equal(forbidden.status, 403);
	assert.equal(forbidden.challenge, null);
	assert.equal(forbidden.text, '');

	// The right token still works under the switch.
	assert.equal((await scim.request('GET', '/Users')).status, 200);
});

test("patchAnswer '204': PATCH applies and answers 204 without a body or Content-Type", async () => {
	const user = await scim.createUser('patched@corp.example');
	const { access_token } = await clientCredentialsToken(sb);
	const doPatch = async (title: string) => {
		const res = await fetch(`${sb.scimBaseUrl}/tokens/${sb.scimToken}/scim/v2/Users/${user.id}`, {
			method: 'PATCH',
			headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/scim+json' },
			body: JSON.stringify(patch([{ op: 'replace', path: 'title', value: title }])),
		});
		return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
	};
	const ok = await doPatch('First');
	assert.equal(ok.status, 200, 'default: 200 with the resource');
	assert.equal(JSON.parse(ok.text).title, 'First');

	sb.setProfile({ patchAnswer: '204' });
	const empty = await doPatch('Second');
	assert.equal(empty.status, 204);
	assert.equal(empty.text, '');
	assert.equal(empty.type, null);
	assert.equal((await scim.request('GET', `/Users/${user.id}`)).body.title, 'Second', 'the PATCH was applied');
});

describe("deleteMode 'soft'", () => {
	test('default (hard): a deleted userName can be used again', async () => {
		const user = await scim.createUser('again@corp.example');
		assert.equal((await scim.request('DELETE', `/Users/${user.id}`)).status, 204);
		await scim.createUser('again@corp.example');
	});

	test('a soft-deleted user leaves every read and its groups, but its userName stays taken until reset', async () => {
		sb.setProfile({ deleteMode: 'soft' });
		const user = await scim.createUser('gone@corp.example', { externalId: 'e-1' });
		const other = await scim.createUser('other@corp.example');
		const group = await scim.createGroup('Team', [user.id, other.id]);
		assert.equal((await scim.request('DELETE', `/Users/${user.id}`)).status, 204);

		assert.equal((await scim.request('GET', `/Users/${user.id}`)).status, 404);
		assert.equal(await scim.findUser('gone@corp.example'), undefined);
		assert.equal((await scim.request('GET', `/Users${q('externalId eq "e-1"')}`)).body.totalResults, 0);
		assert.deepEqual((await scim.listUsers()).map((u) => u.userName), ['other@corp.example']);
		const members = (await scim.request('GET', `/Groups/${group.id}`)).body.members.map((m: { value: string }) => m.value);
		assert.deepEqual(members, [other.id]);

		const again = await scim.request('POST', '/Users', { schemas: [USER], userName: 'GONE@corp.example' });
		assert.equal(again.status, 409);
		assert.equal(again.body.scimType, 'uniqueness');
		const rename = await scim.request('PATCH', `/Users/${other.id}`, patch([{ op: 'replace', path: 'userName', value: 'gone@corp.example' }]));
		assert.equal(rename.status, 409);
		assert.equal((await scim.request('DELETE', `/Users/${user.id}`)).status, 404, 'a second DELETE');

		await sb.reset();
		await scim.createUser('gone@corp.example');
	});

	test('soft-deleted names stay taken across a restart on the same data folder', async () => {
		const dataDir = mkdtempSync(path.join(tmpdir(), 'k2-soft-delete-'));
		const first = await startSandbox({ quiet: true, dataDir, profile: { deleteMode: 'soft' } });
		const firstClient = new ScimClient(first);
		const user = await firstClient.createUser('kept-name@corp.example');
		assert.equal((await firstClient.request('DELETE', `/Users/${user.id}`)).status, 204);
		await first.stop();
		const second = await startSandbox({ quiet: true, dataDir });
		try {
			const again = await new ScimClient(second).request('POST', '/Users', { schemas: [USER], userName: 'kept-name@corp.example' });
			assert.equal(again.status, 409);
		} finally {
			await second.stop();
		}
	});

	test('a soft-deleted group keeps its displayName taken', async () => {
		sb.setProfile({ deleteMode: 'soft' });
		const group = await scim.createGroup('Retired');
		assert.equal((await scim.request('DELETE', `/Groups/${group.id}`)).status, 204);
		assert.equal((await scim.request('GET', `/Groups/${group.id}`)).status, 404);
		const again = await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Retired' });
		assert.equal(again.status, 409);
		assert.equal((await scim.request('DELETE', `/Groups/${group.id}`)).status, 404);
	});
});

describe('readAfterWriteLagMs', () => {
	// Long enough that the reads right after a write land inside it on a loaded machine.
	const LAG_MS = 2000;

	test('default: a write is visible at once and settled() does not wait', async () => {
		const user = await scim.createUser('now@corp.example');
		assert.equal((await scim.request('GET', `/Users/${user.id}`)).status, 200);
		const started = Date.now();
		await sb.settled();
		assert.ok(Date.now() - started < 50);
	});

	test('reads see the state from before each write until the lag has passed; uniqueness and member checks see the real state', async () => {
		sb.setProfile({ readAfterWriteLagMs: LAG_MS });
		const created = await scim.request('POST', '/Users', { schemas: [USER], userName: 'late@corp.example', title: 'v1' });
		assert.equal(created.status, 201);
		assert.equal(created.body.title, 'v1', 'the answer to the write is the new state');
		const id = created.body.id;
		// A new resource: absent from every read...
		assert.equal((await scim.request('GET', `/Users/${id}`)).status, 404);
		assert.equal(await scim.findUser('late@corp.example'), undefined);
		assert.equal((await scim.request('GET', '/Users')).body.totalResults, 0);
		// ...while uniqueness and member checks act on it at once.
		assert.equal((await scim.request('POST', '/Users', { schemas: [USER], userName: 'late@corp.example' })).status, 409);
		const group = await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Late team', members: [{ value: id }] });
		assert.equal(group.status, 201);
		const started = Date.now();
		await sb.settled();
		assert.ok(Date.now() - started > LAG_MS / 2, 'settled() waited for the lag');
		assert.equal((await scim.request('GET', `/Users/${id}`)).body.title, 'v1');
		assert.equal((await scim.findUser('late@corp.example'))?.id, id);

		// A change: reads see the previous version.
		const changed = await scim.request('PATCH', `/Users/${id}`, patch([{ op: 'replace', path: 'title', value: 'v2' }]));
		assert.equal(changed.body.title, 'v2');
		assert.equal((await scim.request('GET', `/Users/${id}`)).body.title, 'v1');
		assert.equal((await scim.request('GET', `/Users${q('title eq "v2"')}`)).body.totalResults, 0);
		await sb.settled();
		assert.equal((await scim.request('GET', `/Users/${id}`)).body.title, 'v2');

		// A deletion: still there until the lag has passed.
		assert.equal((await scim.request('DELETE', `/Users/${id}`)).status, 204);
		assert.equal((await scim.request('GET', `/Users/${id}`)).status, 200);
		assert.equal((await scim.findUser('late@corp.example'))?.id, id);
		await sb.settled();
		assert.equal((await scim.request('GET', `/Users/${id}`)).status, 404);
		assert.equal(await scim.findUser('late@corp.example'), undefined);
	});
});

describe('IdentityToken switches', () => {
	const SCOPE_WITHOUT_OFFLINE = 'openid profile https://scim.onk2.com/write';

	test('refreshTokenNeedsOfflineAccess: no refresh token unless the sign-in asked for offline_access', async () => {
		assert.equal(typeof (await signInWithPkce(sb, { scope: SCOPE_WITHOUT_OFFLINE })).refresh_token, 'string', 'default: always one for the PKCE client');
		sb.setProfile({ refreshTokenNeedsOfflineAccess: true });
		const without = await signInWithPkce(sb, { scope: SCOPE_WITHOUT_OFFLINE });
		assert.equal(typeof without.access_token, 'string');
		assert.equal(without.refresh_token, undefined);
		assert.equal(typeof (await signInWithPkce(sb)).refresh_token, 'string', 'with offline_access (the sandbox scope)');
	});

	test('exactRedirectUris: no port wildcard on loopback; a registered URI matches, case-insensitively', async () => {
		const otherPort = 'http://127.0.0.1:49152/callback';
		assert.ok((await signInWithPkce(sb, { redirectUri: otherPort })).access_token, 'default: any loopback port');
		sb.setProfile({ exactRedirectUris: true });
		await assert.rejects(signInWithPkce(sb, { redirectUri: otherPort }), /redirect_uri/);
		await assert.rejects(signInWithPkce(sb, { redirectUri: 'http://127.0.0.1:5679/rest/oauth2-credential/callback' }), /redirect_uri/);
		assert.ok((await signInWithPkce(sb)).access_token, "the helper's default redirect URI is registered");
		assert.ok((await signInWithPkce(sb, { redirectUri: 'http://localhost:5678/REST/oauth2-credential/callback' })).access_token);
	});
});

describe('the profile as a whole', () => {
	test('GET/POST /_sandbox/profile read and replace it; unknown fields and wrong values get 400 naming them', async () => {
		const control = `${sb.scimBaseUrl}/_sandbox/profile`;
		const post = (body: unknown) => fetch(control, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		assert.deepEqual(await (await fetch(control)).json(), {});
		const set = await post({ deleteMode: 'soft', wrongToken: 403 });
		assert.equal(set.status, 200);
		assert.deepEqual(await set.json(), { deleteMode: 'soft', wrongToken: '403' });
		assert.deepEqual(sb.profile(), { deleteMode: 'soft', wrongToken: '403' });

		const wrong = await post({ deleteMod: 'soft', totalResults: 'some' });
		assert.equal(wrong.status, 400);
		const { error } = (await wrong.json()) as { error: string };
		assert.match(error, /unknown field "deleteMod"/);
		assert.match(error, /totalResults must be one of all, page, got "some"/);
		assert.deepEqual(sb.profile(), { deleteMode: 'soft', wrongToken: '403' }, 'a refused profile changes nothing');
		assert.throws(() => sb.setProfile({ readAfterWriteLagMs: -1 }), /readAfterWriteLagMs/);
		assert.throws(() => sb.setProfile({ filterOperators: ['eq', 'like'] }), /"like" is not a filter operator/);
	});

	test('startSandbox({ profile }) starts with it; a wrong one refuses to start', async () => {
		const strict = await startSandbox({ quiet: true, profile: STRICT_PROFILE });
		try {
			assert.deepEqual(strict.profile(), STRICT_PROFILE);
			const { access_token } = await clientCredentialsToken(strict);
			const res = await fetch(`${strict.scimBaseUrl}/tokens/not-the-token/scim/v2/Users`, { headers: { authorization: `Bearer ${access_token}` } });
			assert.equal(res.status, 401);
			// The test helpers' sign-in works under it: a registered redirect URI, offline_access asked for.
			assert.equal(typeof (await signInWithPkce(strict)).refresh_token, 'string');
		} finally {
			await strict.stop();
		}
		await assert.rejects(startSandbox({ quiet: true, profile: { wrongToken: '500' } as never }), /wrongToken/);
	});
});

describe('CLI profile flags', () => {
	const dir = mkdtempSync(path.join(tmpdir(), 'k2-profile-cli-'));
	const file = (name: string, content: unknown) => {
		const p = path.join(dir, name);
		writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
		return p;
	};

	test('no profile flag: the default, empty profile', () => {
		assert.deepEqual(parseCli([]).options.profile, {});
	});

	test('--profile strict, with single flags overriding it', () => {
		assert.deepEqual(parseCli(['--profile', 'strict']).options.profile, STRICT_PROFILE);
		const overridden = parseCli(['--profile', 'strict', '--wrong-token', '404', '--read-lag', '0', '--filter-operators', 'eq,sw']).options.profile!;
		assert.equal(overridden.wrongToken, '404');
		assert.equal(overridden.readAfterWriteLagMs, 0);
		assert.deepEqual(overridden.filterOperators, ['eq', 'sw']);
		assert.equal(overridden.deleteMode, 'soft');
		assert.throws(() => parseCli(['--profile', 'lenient']), /unknown profile "lenient" \(use default, strict\)/);
	});

	test('one flag or K2_SANDBOX_* env var per field, flags winning', () => {
		const profile = parseCli(
			['--stored-attributes', 'userName, name.givenName', '--total-results', 'page', '--start-index', 'ignored', '--wrong-token', '401', '--patch-answer', '204', '--delete-mode', 'soft', '--read-lag', '250', '--refresh-needs-offline-access', '--exact-redirect-uris'],
			{ K2_SANDBOX_WRONG_TOKEN: '403' },
		).options.profile;
		assert.deepEqual(profile, {
			storedAttributes: ['userName', 'name.givenName'],
			totalResults: 'page',
			startIndex: 'ignored',
			wrongToken: '401',
			patchAnswer: '204',
			deleteMode: 'soft',
			readAfterWriteLagMs: 250,
			refreshTokenNeedsOfflineAccess: true,
			exactRedirectUris: true,
		});
		const fromEnv = parseCli([], { K2_SANDBOX_PROFILE: 'strict', K2_SANDBOX_EXACT_REDIRECT_URIS: '0', K2_SANDBOX_DELETE_MODE: 'hard' }).options.profile!;
		assert.equal(fromEnv.exactRedirectUris, false);
		assert.equal(fromEnv.deleteMode, 'hard');
		assert.equal(fromEnv.totalResults, 'page');
		assert.throws(() => parseCli(['--read-lag', 'soon']), /--read-lag \(K2_SANDBOX_READ_LAG\): readAfterWriteLagMs must be a number of milliseconds >= 0, got "soon"/);
		assert.throws(() => parseCli(['--patch-answer', '202']), /--patch-answer .*patchAnswer must be one of 200, 204, got "202"/);
	});

	test('--profile-file: a bare profile or one under "profile" (what Test Writes reports), flags over it', () => {
		const bare = file('bare.json', { deleteMode: 'soft', totalResults: 'page' });
		assert.deepEqual(parseCli(['--profile-file', bare]).options.profile, { deleteMode: 'soft', totalResults: 'page' });
		const report = file('report.json', { profile: { wrongToken: '403', storedAttributes: ['userName'] }, tenant: 'ignored beside the profile' });
		assert.deepEqual(parseCli(['--profile-file', report, '--wrong-token', '401']).options.profile, { wrongToken: '401', storedAttributes: ['userName'] });
		assert.deepEqual(parseCli([], { K2_SANDBOX_PROFILE_FILE: bare }).options.profile, { deleteMode: 'soft', totalResults: 'page' });
	});

	test('--profile-file: unknown fields and wrong values are errors naming them and the file', () => {
		const unknown = file('unknown.json', { deleteMode: 'soft', pageSize: 100, lagMs: 5 });
		assert.throws(() => parseCli(['--profile-file', unknown]), (ex: Error) => {
			assert.match(ex.message, /unknown\.json/);
			assert.match(ex.message, /unknown fields "pageSize", "lagMs"/);
			return true;
		});
		const wrong = file('wrong.json', { profile: { deleteMode: 'archive', exactRedirectUris: 'yes', storedAttributes: 'userName' } });
		assert.throws(() => parseCli(['--profile-file', wrong]), (ex: Error) => {
			assert.match(ex.message, /wrong\.json/);
			assert.match(ex.message, /deleteMode must be one of hard, soft, got "archive"/);
			assert.match(ex.message, /exactRedirectUris must be true or false, got "yes"/);
			assert.match(ex.message, /storedAttributes must be a list of names, got "userName"/);
			return true;
		});
		assert.throws(() => parseCli(['--profile-file', file('broken.json', '{ "deleteMode": ')]), /broken\.json: .*JSON/);
	});
});
