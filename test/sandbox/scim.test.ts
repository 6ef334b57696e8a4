// The sandbox SCIM service behaves like K2's: bearer check, per-tenant token path, pages of 100,
// 100 members on group reads, 409 uniqueness, SCIM errors, and RFC-correct filter escaping.
import { afterAll, beforeAll, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { startSandbox, Sandbox } from '../../sandbox/index';
import { signInWithPkce, clientCredentialsToken } from '../support/oidc-login';

let sb: Sandbox;
let token: string;
let root: string;

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

async function scim(method: string, path: string, body?: unknown, bearer: string | null = token) {
	const res = await fetch(path.startsWith('http') ? path : `${root}${path}`, {
		method,
		headers: {
			...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
			...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
		},
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

const q = (filter: string) => `?filter=${encodeURIComponent(filter)}`;

async function createUsers(prefix: string, n: number): Promise<string[]> {
	const ids: string[] = new Array(n);
	let next = 0;
	const worker = async () => {
		while (next < n) {
			const i = next++;
			const r = await scim('POST', '/Users', { schemas: [USER], userName: `${prefix}${i}@corp.example`, active: true });
			assert.equal(r.status, 201);
			ids[i] = r.json.id;
		}
	};
	await Promise.all([worker(), worker(), worker(), worker()]);
	return ids;
}

beforeAll(async () => {
	sb = await startSandbox({ quiet: true });
	token = (await signInWithPkce(sb)).access_token;
	root = `${sb.scimBaseUrl}/tokens/${sb.scimToken}/scim/v2`;
});

afterAll(async () => {
	await sb.stop();
});

test('401 without a token and with a bad token, with WWW-Authenticate invalid_token', async () => {
	for (const bearer of [null, 'not-a-jwt', token.slice(0, -4) + 'AAAA']) {
		const r = await scim('GET', '/Users', undefined, bearer);
		assert.equal(r.status, 401);
		assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
		assert.deepEqual(r.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
		assert.equal(r.json.status, '401');
	}
});

test('401 with an expired access token', async () => {
	// exp has whole-second precision: a 2 s token lives between 1 and 2 s, so it is valid at once.
	sb.setTokenTtl({ accessTokenTtl: 2 });
	try {
		const short = await clientCredentialsToken(sb);
		assert.equal((await scim('GET', '/Users', undefined, short.access_token)).status, 200);
		await new Promise((r) => setTimeout(r, 3100));
		const r = await scim('GET', '/Users', undefined, short.access_token);
		assert.equal(r.status, 401);
		assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/);
		assert.match(r.json.detail, /expired/);
	} finally {
		sb.setTokenTtl({ accessTokenTtl: 3600 });
	}
});

test('403 for a valid token without the SCIM write scope', async () => {
	const noScope = await signInWithPkce(sb, { scope: 'openid profile offline_access' });
	const r = await scim('GET', '/Users', undefined, noScope.access_token);
	assert.equal(r.status, 403);
	assert.match(r.headers.get('www-authenticate') ?? '', /insufficient_scope/);
});

test('404 for an unknown SCIM token, without echoing the token', async () => {
	const wrong = 'f00dfeed-1111-2222-3333-444455556666';
	const r = await scim('GET', `${sb.scimBaseUrl}/tokens/${wrong}/scim/v2/Users`);
	assert.equal(r.status, 404);
	assert.match(r.json.detail, /No SCIM endpoint for this token: check the SCIM Token/);
	assert.ok(!r.text.includes(wrong));
	assert.ok(!r.text.includes(sb.scimToken));
});

test('ServiceProviderConfig is served with and without the token path', async () => {
	for (const url of [`${sb.scimBaseUrl}/scim/v2/ServiceProviderConfig`, `${root}/ServiceProviderConfig`]) {
		const r = await scim('GET', url);
		assert.equal(r.status, 200);
		assert.equal(r.json.patch.supported, true);
		assert.equal(r.json.filter.maxResults, 100);
		assert.equal(r.json.bulk.supported, false);
	}
	assert.equal((await scim('GET', `${sb.scimBaseUrl}/scim/v2/ServiceProviderConfig`, undefined, null)).status, 401);
	// K2's own sample calls `scim/v2/users` in lower case.
	assert.equal((await scim('GET', '/users?count=1')).status, 200);
	const schemas = await scim('GET', '/Schemas');
	assert.equal(schemas.status, 200);
	assert.ok(schemas.json.Resources.some((s: { id: string }) => s.id === ENTERPRISE));
});

test('create user 201 with meta; duplicate userName (any case) 409 uniqueness; get, put, delete', async () => {
	const created = await scim('POST', '/Users', {
		schemas: [USER, ENTERPRISE],
		userName: 'Jane.Doe@corp.example',
		externalId: 'HR-1',
		name: { givenName: 'Jane', familyName: 'Doe' },
		emails: [{ value: 'jane@corp.example', type: 'work', primary: true }],
		active: true,
		[ENTERPRISE]: { employeeNumber: '1001', department: 'Finance' },
	});
	assert.equal(created.status, 201);
	const u = created.json;
	assert.match(u.id, /^[0-9a-f-]{36}$/);
	assert.equal(u.meta.resourceType, 'User');
	assert.ok(u.meta.created && u.meta.lastModified && u.meta.version);
	assert.equal(u.meta.location, `${root}/Users/${u.id}`);
	assert.equal(created.headers.get('location'), u.meta.location);
	assert.equal(u[ENTERPRISE].department, 'Finance');

	const dup = await scim('POST', '/Users', { schemas: [USER], userName: 'jane.doe@CORP.example' });
	assert.equal(dup.status, 409);
	assert.equal(dup.json.scimType, 'uniqueness');

	const got = await scim('GET', `/Users/${u.id}`);
	assert.equal(got.status, 200);
	assert.equal(got.json.userName, 'Jane.Doe@corp.example');

	const other = (await scim('POST', '/Users', { schemas: [USER], userName: 'someone.else@corp.example' })).json;
	const rename = await scim('PUT', `/Users/${other.id}`, { schemas: [USER], userName: 'JANE.DOE@corp.example' });
	assert.equal(rename.status, 409);
	assert.equal(rename.json.scimType, 'uniqueness');

	const put = await scim('PUT', `/Users/${u.id}`, { schemas: [USER], userName: 'Jane.Doe@corp.example', active: false });
	assert.equal(put.status, 200);
	assert.equal(put.json.active, false);
	assert.equal(put.json.name, undefined, 'PUT replaces the whole resource');
	assert.equal(put.json.meta.created, u.meta.created);
	assert.notEqual(put.json.meta.version, u.meta.version);

	assert.equal((await scim('DELETE', `/Users/${other.id}`)).status, 204);
	const gone = await scim('GET', `/Users/${other.id}`);
	assert.equal(gone.status, 404);
	assert.deepEqual(gone.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
});

test('invalid requests get 400 with scimType', async () => {
	const noName = await scim('POST', '/Users', { schemas: [USER], active: true });
	assert.equal(noName.status, 400);
	assert.equal(noName.json.scimType, 'invalidValue');
	assert.ok(noName.json.detail);

	const badType = await scim('POST', '/Users', { schemas: [USER], userName: 'x@corp.example', active: 'yes' });
	assert.equal(badType.status, 400);
	assert.equal(badType.json.scimType, 'invalidValue');

	const badJson = await scim('POST', '/Users', '{"userName": ');
	assert.equal(badJson.status, 400);
	assert.equal(badJson.json.scimType, 'invalidSyntax');

	const badFilter = await scim('GET', `/Users${q('userName eq "unterminated')}`);
	assert.equal(badFilter.status, 400);
	assert.equal(badFilter.json.scimType, 'invalidFilter');

	const badPatch = await scim('PATCH', `/Users/${(await scim('GET', '/Users?count=1')).json.Resources[0].id}`, {
		schemas: [PATCH_OP],
		Operations: [{ op: 'explode', path: 'active', value: true }],
	});
	assert.equal(badPatch.status, 400);
	assert.ok(badPatch.json.scimType);
});

test('lists are capped at 100 per page; startIndex pages through the rest', async () => {
	await sb.reset();
	await createUsers('page', 150);
	const first = await scim('GET', '/Users');
	assert.equal(first.status, 200);
	assert.equal(first.json.totalResults, 150);
	assert.equal(first.json.startIndex, 1);
	assert.equal(first.json.itemsPerPage, 100);
	assert.equal(first.json.Resources.length, 100);

	const clamped = await scim('GET', '/Users?count=500');
	assert.equal(clamped.json.Resources.length, 100);

	const second = await scim('GET', '/Users?startIndex=101&count=100');
	assert.equal(second.json.totalResults, 150);
	assert.equal(second.json.startIndex, 101);
	assert.equal(second.json.itemsPerPage, 50);
	assert.equal(second.json.Resources.length, 50);
	const all = new Set([...first.json.Resources, ...second.json.Resources].map((r: { id: string }) => r.id));
	assert.equal(all.size, 150);

	const mid = await scim('GET', '/Users?startIndex=3&count=10');
	assert.equal(mid.json.Resources.length, 10);
	assert.equal(mid.json.Resources[0].id, first.json.Resources[2].id);

	const projected = await scim('GET', '/Users?count=2&attributes=userName');
	assert.deepEqual(Object.keys(projected.json.Resources[0]).sort(), ['id', 'schemas', 'userName']);
	const excluded = await scim('GET', '/Users?count=1&excludedAttributes=meta,active');
	assert.equal(excluded.json.Resources[0].meta, undefined);
	assert.equal(excluded.json.Resources[0].active, undefined);
	assert.ok(excluded.json.Resources[0].userName);
});

test('a group with 150 members returns its first 100 members on read; PATCH adds and removes', async () => {
	await sb.reset();
	const ids = await createUsers('member', 152);
	const created = await scim('POST', '/Groups', {
		schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
		displayName: 'Big Group',
		members: ids.slice(0, 150).map((value) => ({ value })),
	});
	assert.equal(created.status, 201);
	const gid = created.json.id;
	const read = await scim('GET', `/Groups/${gid}`);
	assert.equal(read.json.members.length, 100);
	assert.deepEqual(read.json.members.map((m: { value: string }) => m.value), ids.slice(0, 100));

	const dupGroup = await scim('POST', '/Groups', { displayName: 'big group' });
	assert.equal(dupGroup.status, 409);
	assert.equal(dupGroup.json.scimType, 'uniqueness');

	// Remove the first member and add two new ones: the patch applies to all 150, not the read view.
	const patched = await scim('PATCH', `/Groups/${gid}`, {
		schemas: [PATCH_OP],
		Operations: [
			{ op: 'remove', path: `members[value eq "${ids[0]}"]` },
			{ op: 'add', path: 'members', value: [{ value: ids[150] }, { value: ids[151] }] },
		],
	});
	assert.equal(patched.status, 200);
	const byFilter = await scim('GET', `/Groups${q(`members[value eq "${ids[151]}"]`)}&attributes=displayName`);
	assert.equal(byFilter.json.totalResults, 1);
	const removed = await scim('GET', `/Groups${q(`members[value eq "${ids[0]}"]`)}`);
	assert.equal(removed.json.totalResults, 0);
	const kept = await scim('GET', `/Groups${q(`members[value eq "${ids[149]}"]`)}`);
	assert.equal(kept.json.totalResults, 1, 'members beyond the first 100 survive a PATCH');

	const unknown = await scim('PATCH', `/Groups/${gid}`, {
		schemas: [PATCH_OP],
		Operations: [{ op: 'add', path: 'members', value: [{ value: 'no-such-user' }] }],
	});
	assert.equal(unknown.status, 400);

	// Deleting a user takes it out of its groups.
	assert.equal((await scim('DELETE', `/Users/${ids[151]}`)).status, 204);
	assert.equal((await scim('GET', `/Groups${q(`members[value eq "${ids[151]}"]`)}`)).json.totalResults, 0);
});

test('PATCH replace active, and add/remove a single member', async () => {
	await sb.reset();
	const [a, b] = await createUsers('patch', 2);
	const off = await scim('PATCH', `/Users/${a}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
	assert.equal(off.status, 200);
	assert.equal(off.json.active, false);
	const g = (await scim('POST', '/Groups', { displayName: 'Small', members: [{ value: a }] })).json;
	await scim('PATCH', `/Groups/${g.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: b }] }] });
	let read = (await scim('GET', `/Groups/${g.id}`)).json;
	assert.deepEqual(read.members.map((m: { value: string }) => m.value).sort(), [a, b].sort());
	await scim('PATCH', `/Groups/${g.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${a}"]` }] });
	read = (await scim('GET', `/Groups/${g.id}`)).json;
	assert.deepEqual(read.members.map((m: { value: string }) => m.value), [b]);
});

test('filters with escaped quotes, backslashes and " or " inside values match exactly one user', async () => {
	await sb.reset();
	const names = ['a"b', 'back\\slash', 'x or y', 'x', 'y', 'a', 'b'];
	for (const userName of names) assert.equal((await scim('POST', '/Users', { schemas: [USER], userName })).status, 201);
	const cases: Array<[string, string]> = [
		['userName eq "a\\"b"', 'a"b'],
		['userName eq "back\\\\slash"', 'back\\slash'],
		['userName eq "x or y"', 'x or y'],
		['userName eq "X OR Y"', 'x or y'],
	];
	for (const [filter, expected] of cases) {
		const r = await scim('GET', `/Users${q(filter)}`);
		assert.equal(r.status, 200, filter);
		assert.equal(r.json.totalResults, 1, filter);
		assert.equal(r.json.Resources[0].userName, expected, filter);
	}
	// Same through the full-scan path (a compound filter cannot use the index).
	const compound = await scim('GET', `/Users${q('userName eq "a\\"b" and active pr or userName eq "x or y"')}`);
	assert.equal(compound.status, 200);
	assert.deepEqual(compound.json.Resources.map((u: { userName: string }) => u.userName).sort(), ['x or y']);
	const sw = await scim('GET', `/Users${q('userName sw "back\\\\"')}`);
	assert.deepEqual(sw.json.Resources.map((u: { userName: string }) => u.userName), ['back\\slash']);
	const ext = await scim('GET', `/Users${q('externalId eq "nope"')}`);
	assert.equal(ext.json.totalResults, 0);
});
