// The transport against a hostile SCIM server and hostile credentials: redirects are never
// followed, tokens never travel in clear or leak in any form, answers that are not SCIM are
// refused, paging ends, and a trickling answer hits a deadline. Every case runs with Continue
// On Fail and asserts the error text, what the servers received, one result per input item, no
// secret form anywhere (outputs, errors, n8n's log at debug level) and clean prototypes.
// The cases are listed in README.md.
import assert from 'node:assert/strict';
import dns from 'node:dns';
import http from 'node:http';
import { afterAll, beforeAll, describe, test } from '@jest/globals';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { createHarness, k2Credential, runNode, shutdownHarness } from '../harness/run-workflow';
import type { Harness, RunResult } from '../harness/run-workflow';
import {
	html,
	listResponse,
	redirect,
	scimError,
	scimJson,
	startHostileServer,
} from '../support/hostile-server';
import type { Handler, HostileServer } from '../support/hostile-server';
import { assertEachItemOnce, assertNoSecrets, assertPrototypesClean, captureLogs } from './support';
import type { CapturedLog } from './support';

// A mixed-case GUID: K2's tokens are GUIDs, and a server may echo them in any case.
const SCIM_TOKEN = '9F1c2D3e-4B5a-4c6D-8e7F-0a1B2c3D4e5F';
const CLIENT_SECRET = 'hostile-client-secret-Q7w8E9';
const ACCESS_TOKEN = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"sub":"n8n","scope":"https://scim.onk2.com/write"}').toString('base64url')}.c2lnbmF0dXJlLXZhbHVl`;
const REFRESH_TOKEN = 'rT-8c1f0e6b2d4a4f3e9b7c5a1d0e2f4a6b';
const ID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpZC10b2tlbiJ9.aWQtc2lnbmF0dXJl';
const SECRETS = [SCIM_TOKEN, CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN];
const TOKEN_DATA = { access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, id_token: ID_TOKEN, token_type: 'Bearer', expires_in: 3600 };

const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');
const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
const TWO_ITEMS = [{ n: 1 }, { n: 2 }];

const user = (id: string, extra: Record<string, unknown> = {}) => ({
	schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
	id,
	userName: `${id}@example.com`,
	...extra,
});
const users = (from: number, count: number) => Array.from({ length: count }, (_, i) => user(`u-${from + i}`));

/** The operations that send each method once per item, with nothing read first. */
const BY_METHOD = {
	GET: { resource: 'user', operation: 'get', user: byId('u-1') },
	POST: { resource: 'user', operation: 'create', userName: 'new.person@example.com', additionalFields: { givenName: 'Personal', familyName: 'Data' } },
	PATCH: { resource: 'user', operation: 'deactivate', user: byId('u-1') },
	PUT: { resource: 'user', operation: 'replace', user: byId('u-1'), userName: 'replaced@example.com', additionalFields: { givenName: 'Personal' } },
	DELETE: { resource: 'user', operation: 'delete', user: byId('u-1') },
} as const;
const GET_MANY = { resource: 'user', operation: 'getMany', returnAll: true };

let harness: Harness;
let k2: HostileServer;
let elsewhere: HostileServer;
/** Host names the test process looked up (the HTTPS rule must refuse before any lookup). */
const lookedUp: string[] = [];
const originalLookup = dns.lookup;

function credential(fields: Partial<Record<string, string | number>> = {}): ICredentialDataDecryptedObject {
	const data = k2Credential({
		authority: `${k2.url}/tenant`,
		clientId: 'n8n-client',
		clientSecret: CLIENT_SECRET,
		scimBaseUrl: k2.url,
		scimToken: SCIM_TOKEN,
		oauthTokenData: TOKEN_DATA,
	});
	return { ...data, ...fields } as ICredentialDataDecryptedObject;
}

let credentialCount = 0;
function addCredential(fields: Partial<Record<string, string | number>> = {}): string {
	const id = `hostile-${++credentialCount}`;
	harness.credentials.add({ id, name: 'K2 Hostile', type: 'k2ScimOAuth2Api', data: credential(fields) });
	return id;
}

interface CaseRun {
	result: RunResult;
	/** What n8n's logger received during the run, debug level included. */
	logs: CapturedLog[];
	/** One entry per input item: the error message, or undefined when it succeeded. */
	errors: Array<string | undefined>;
	/** Each item's error item json (or its first output). */
	items: Array<Record<string, unknown>>;
	ms: number;
}

/**
 * Runs the node with Continue On Fail against the hostile server, then asserts what every case
 * must: each input item out once, no secret in outputs, errors or the debug log, no prototype
 * written.
 */
async function run(
	name: string,
	parameters: Record<string, unknown>,
	answer: Handler,
	options: { items?: Array<Record<string, unknown>>; credentialId?: string; emptyResultOk?: boolean } = {},
): Promise<CaseRun> {
	const items = options.items ?? TWO_ITEMS;
	k2.reset();
	elsewhere.reset();
	k2.answer(answer);
	const logs = captureLogs();
	const started = Date.now();
	let result: RunResult;
	try {
		result = await runNode(harness, {
			parameters,
			items,
			credentialId: options.credentialId ?? 'hostile',
			continueOnFail: true,
		});
	} finally {
		logs.restore();
	}
	const ms = Date.now() - started;
	// Get Many with no results emits nothing, as n8n's list operations do.
	if (!options.emptyResultOk) assertEachItemOnce(result, items.length, name);
	assertNoSecrets(result.output, SECRETS, `${name}: output`);
	assertNoSecrets(result.run, SECRETS, `${name}: run data`);
	assertNoSecrets(logs.records, SECRETS, `${name}: n8n log`);
	assertPrototypesClean(name);
	const byItem = new Map<number, Record<string, unknown>>();
	for (const entry of result.output ?? []) {
		const index = (entry.pairedItem as { item: number }).item;
		if (!byItem.has(index)) byItem.set(index, entry.json as Record<string, unknown>);
	}
	const perItem = items.map((_, index) => byItem.get(index) ?? {});
	return {
		result,
		logs: logs.records,
		items: perItem,
		errors: perItem.map((json) => (typeof json.error === 'string' ? json.error : undefined)),
		ms,
	};
}

/** Every item failed with a message matching `pattern`. */
function assertAllFailed(outcome: CaseRun, pattern: RegExp, where: string): void {
	outcome.errors.forEach((message, index) => {
		assert.ok(message !== undefined, `${where}: item ${index} did not fail: ${JSON.stringify(outcome.items[index])}`);
		assert.match(message, pattern, `${where}: item ${index}`);
	});
}

/** The whole error item (message, description, detail, scimType, status) as one text. */
function errorText(outcome: CaseRun, index = 0): string {
	return JSON.stringify(outcome.items[index]);
}

beforeAll(async () => {
	// *.example.test names resolve to loopback, so even a refusal that failed would stay on this machine.
	(dns as { lookup: unknown }).lookup = ((hostname: string, options: unknown, callback?: unknown) => {
		const done = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
		const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
		if (hostname.endsWith('.example.test')) {
			lookedUp.push(hostname);
			if (all) done(null, [{ address: '127.0.0.1', family: 4 }]);
			else done(null, '127.0.0.1', 4);
			return;
		}
		return (originalLookup as (...args: unknown[]) => void)(hostname, options, callback);
	}) as typeof dns.lookup;
	harness = await createHarness();
	k2 = await startHostileServer();
	elsewhere = await startHostileServer();
	harness.credentials.add({ id: 'hostile', name: 'K2 Hostile', type: 'k2ScimOAuth2Api', data: credential() });
});

afterAll(async () => {
	dns.lookup = originalLookup;
	shutdownHarness();
	await k2?.close();
	await elsewhere?.close();
});

describe('Redirects are never followed (item 2)', () => {
	for (const [method, parameters] of Object.entries(BY_METHOD)) {
		for (const status of [301, 302, 303, 307, 308]) {
			test(`${method} answered ${status} to another port: the error names the status and host; the target receives nothing`, async () => {
				const target = `${elsewhere.url}/tokens/${SCIM_TOKEN}/scim/v2/Users/u-1?access_token=${ACCESS_TOKEN}`;
				const outcome = await run(`${method} ${status}`, parameters, () => redirect(status, target));
				assertAllFailed(outcome, new RegExp(`redirect \\(${status}\\) to 127\\.0\\.0\\.1:${elsewhere.port}, which is not followed`), `${method} ${status}`);
				const text = errorText(outcome);
				assert.ok(!text.includes('/tokens/') && !text.includes('access_token'), `only the host is named: ${text}`);
				assert.equal(elsewhere.requests.length, 0, 'the redirect target received no request (no token, no body)');
				assert.equal(k2.requests.length, 2, 'one request per item, not retried');
				assert.equal(k2.requests.filter((r) => r.method === method).length, 2);
			});
		}
	}

	test('a relative redirect names K2\'s own host and is not followed either', async () => {
		const outcome = await run('relative redirect', BY_METHOD.GET, () => redirect(302, '/login?next=/scim'));
		assertAllFailed(outcome, new RegExp(`redirect \\(302\\) to 127\\.0\\.0\\.1:${k2.port}`), 'relative');
		assert.ok(!errorText(outcome).includes('/login'));
		assert.equal(k2.requests.length, 2);
	});

	test('a listing answered with a redirect stops at the first page', async () => {
		const outcome = await run('listing redirect', GET_MANY, () => redirect(307, `${elsewhere.url}/Users`), { items: [{}] });
		assertAllFailed(outcome, /redirect \(307\)/, 'listing');
		assert.equal(k2.requests.length, 1);
		assert.equal(elsewhere.requests.length, 0);
	});

	test('a redirect without a Location still fails, naming the status', async () => {
		const outcome = await run('no location', BY_METHOD.GET, () => ({ status: 302, body: '' }));
		assertAllFailed(outcome, /redirect \(302\), which is not followed/, 'no location');
		assert.equal(k2.requests.length, 2);
	});
});

describe('HTTPS and the credential\'s shape are checked before any request (item 4)', () => {
	const refusals: Array<{ name: string; fields: Record<string, string>; message: RegExp }> = [
		{ name: 'SCIM Base URL over http to a non-loopback host', fields: { scimBaseUrl: 'http://k2.example.test:9' }, message: /SCIM Base URL .* must start with https:\/\// },
		{ name: 'Authority over http to a non-loopback host', fields: { authority: 'http://login.example.test/tenant' }, message: /Authority .* must start with https:\/\// },
		{ name: 'Authorization URL override over http', fields: { authorizationUrl: 'http://login.example.test/connect/authorize' }, message: /Authorization URL .* must start with https:\/\// },
		{ name: 'Access Token URL override over http', fields: { tokenUrl: 'http://login.example.test/connect/token' }, message: /Access Token URL .* must start with https:\/\// },
		{ name: 'SCIM Base URL with a query string', fields: { scimBaseUrl: 'https://k2.example.test/?tenant=1' }, message: /SCIM Base URL .* must not contain a query string/ },
		{ name: 'SCIM Base URL with an empty query (a bare ?)', fields: { scimBaseUrl: 'https://k2.example.test/?' }, message: /must not contain a query string/ },
		{ name: 'SCIM Base URL with a fragment', fields: { scimBaseUrl: 'https://k2.example.test/#scim' }, message: /SCIM Base URL .* must not contain a fragment/ },
		{ name: 'SCIM Base URL with user-info', fields: { scimBaseUrl: 'https://admin:pw@k2.example.test' }, message: /must not contain a user name or password/ },
		{ name: 'SCIM Base URL with an empty user-info (https://@host)', fields: { scimBaseUrl: 'https://@k2.example.test' }, message: /must not contain a user name or password/ },
		{ name: 'Authority with a query string', fields: { authority: 'https://login.example.test/tenant?x=1' }, message: /Authority .* must not contain a query string/ },
		{ name: 'SCIM Base URL with another scheme', fields: { scimBaseUrl: 'ftp://k2.example.test' }, message: /must start with https:\/\// },
		{ name: 'SCIM Base URL that is not a URL', fields: { scimBaseUrl: 'scim.onk2.com' }, message: /SCIM Base URL .* is not a valid URL/ },
		{ name: 'SCIM Base URL empty', fields: { scimBaseUrl: '' }, message: /SCIM Base URL .* is empty/ },
		{ name: 'SCIM token with a slash', fields: { scimToken: 'abc/../../admin' }, message: /SCIM Token .* is not a K2 SCIM token/ },
		{ name: 'SCIM token with a query', fields: { scimToken: 'abc?x=1' }, message: /SCIM Token/ },
		{ name: 'SCIM token with a fragment', fields: { scimToken: 'abc#frag' }, message: /SCIM Token/ },
		{ name: 'SCIM token with a percent escape', fields: { scimToken: 'abc%2F..' }, message: /SCIM Token/ },
		{ name: 'SCIM token with inner whitespace', fields: { scimToken: '9f1c2d3e 4b5a' }, message: /SCIM Token/ },
		{ name: 'SCIM token "."', fields: { scimToken: '.' }, message: /SCIM Token/ },
		{ name: 'SCIM token ".."', fields: { scimToken: '..' }, message: /SCIM Token/ },
		{ name: 'SCIM token empty', fields: { scimToken: '' }, message: /SCIM Token/ },
	];
	for (const refusal of refusals) {
		test(`refused: ${refusal.name}; 0 requests, no lookup`, async () => {
			const credentialId = addCredential(refusal.fields);
			lookedUp.length = 0;
			const outcome = await run(refusal.name, BY_METHOD.GET, () => scimJson(user('u-1')), { credentialId });
			assertAllFailed(outcome, refusal.message, refusal.name);
			assert.match(String(outcome.items[0].description), /Fix: open the credential "K2 Hostile"/);
			assert.equal(k2.requests.length, 0, 'no request reached the server');
			assert.deepEqual(lookedUp, [], 'refused from the URL alone, before any DNS lookup');
		});
	}

	test('the refusal covers writes too: a create with an http:// base URL sends nothing', async () => {
		const credentialId = addCredential({ scimBaseUrl: 'http://k2.example.test:9' });
		const outcome = await run('http create', BY_METHOD.POST, () => scimJson(user('u-1'), 201), { credentialId });
		assertAllFailed(outcome, /must start with https:\/\//, 'http create');
		assert.equal(k2.requests.length, 0);
	});

	test('the host-name mapping holds, so a refusal that failed would still stay on this machine', async () => {
		lookedUp.length = 0;
		k2.reset();
		k2.answer(() => scimJson({ ok: true }));
		await new Promise<void>((resolve, reject) => {
			http.get(`http://k2.example.test:${k2.port}/probe`, (res) => {
				res.resume();
				res.on('end', resolve);
			}).on('error', reject);
		});
		assert.deepEqual(lookedUp, ['k2.example.test']);
		assert.equal(k2.requests.length, 1);
	});

	test('loopback over http (127.0.0.1) is accepted', async () => {
		const outcome = await run('loopback ok', BY_METHOD.GET, () => scimJson(user('u-1')));
		assert.deepEqual(outcome.errors, [undefined, undefined]);
		assert.equal(k2.requests.length, 2);
		assert.match(k2.requests[0].url, new RegExp(`^/tokens/${SCIM_TOKEN}/scim/v2/Users/u-1$`));
	});
});

describe('Secrets are redacted in every form and field (item 3)', () => {
	const echo = (status: number, body: object): Handler => () => scimJson(body, status);
	const cases: Array<{ name: string; answer: Handler; parameters?: Record<string, unknown>; expect: RegExp }> = [
		{ name: 'detail echoing the SCIM token in upper case', answer: echo(400, { status: '400', detail: `Bad token ${SCIM_TOKEN.toUpperCase()} in path` }), expect: /K2 rejected the request/ },
		{ name: 'detail echoing the SCIM token in lower case', answer: echo(400, { status: '400', detail: `token=${SCIM_TOKEN.toLowerCase()}` }), expect: /K2 rejected the request/ },
		{ name: 'detail with the SCIM token URL-encoded in lower-case escapes', answer: echo(400, { status: '400', detail: `path /tokens/${encodeURIComponent(SCIM_TOKEN).toLowerCase()}/x` }), expect: /K2 rejected/ },
		{ name: 'detail with the SCIM token in base64', answer: echo(400, { status: '400', detail: `ctx ${b64(SCIM_TOKEN)}` }), expect: /K2 rejected/ },
		{ name: 'detail with the upper-case SCIM token in base64url', answer: echo(400, { status: '400', detail: `ctx ${b64url(SCIM_TOKEN.toUpperCase())}` }), expect: /K2 rejected/ },
		{ name: 'scimType carrying the SCIM token', answer: echo(400, { status: '400', scimType: `invalid-${SCIM_TOKEN}`, detail: 'bad' }), expect: /K2 rejected/ },
		{ name: 'meta.location in an error body, token in upper case', answer: echo(409, { status: '409', detail: 'exists', meta: { location: `https://k2/tokens/${SCIM_TOKEN.toUpperCase()}/scim/v2/Users/u-1` } }), expect: /already exists/, parameters: BY_METHOD.POST },
		{
			name: 'token straddling the 500-character cut of detail',
			answer: echo(400, { status: '400', detail: `${'x'.repeat(490)}${SCIM_TOKEN.toUpperCase()} tail` }),
			expect: /K2 rejected/,
		},
		{ name: 'detail echoing the Bearer access token', answer: echo(401, { status: '401', detail: `Authorization: Bearer ${ACCESS_TOKEN} refused` }), expect: /K2 rejected the credential|sign-in|401/i },
		{ name: 'detail echoing the access token in base64 without "Bearer"', answer: echo(400, { status: '400', detail: `seen ${b64(ACCESS_TOKEN)}` }), expect: /K2 rejected/ },
		{ name: 'detail echoing Basic base64(client id:client secret)', answer: echo(400, { status: '400', detail: `Basic ${b64(`n8n-client:${CLIENT_SECRET}`)}` }), expect: /K2 rejected/ },
		{ name: 'detail echoing the refresh token and id token', answer: echo(400, { status: '400', detail: `refresh=${REFRESH_TOKEN} id=${ID_TOKEN}` }), expect: /K2 rejected/ },
		{ name: 'the client secret URL-encoded in an OAuth-style error', answer: echo(400, { error: 'invalid_request', error_description: `client_secret=${encodeURIComponent(CLIENT_SECRET)}` }), expect: /K2 rejected/ },
		{ name: 'the token as a JSON key and in an SCIM 1.1 Errors list', answer: echo(400, { Errors: [{ code: 400, description: `for ${SCIM_TOKEN}` }], [SCIM_TOKEN]: 1 }), expect: /K2 rejected/ },
		{ name: 'an HTML 500 page echoing the token', answer: () => html(500, `Error at /tokens/${SCIM_TOKEN.toUpperCase()}/scim/v2`), expect: /K2's SCIM service failed \(500\)/ },
		{ name: 'a plain-text 403 echoing the token base64url', answer: () => ({ status: 403, headers: { 'content-type': 'text/plain' }, body: `denied ${b64url(SCIM_TOKEN)}` }), expect: /not allowed/ },
	];
	for (const entry of cases) {
		test(`error with ${entry.name}: no form of any secret in any field`, async () => {
			const outcome = await run(entry.name, entry.parameters ?? BY_METHOD.GET, entry.answer);
			assertAllFailed(outcome, entry.expect, entry.name);
			// Retries of 401 (n8n refreshes) are not under test here; every other case is one request per item.
			if (!/Bearer/.test(entry.name)) assert.equal(k2.requests.length, 2);
		});
	}

	test('the 500-character cut keeps the redaction mark, not a piece of the token', async () => {
		const outcome = await run('cut', BY_METHOD.GET, echo(400, { status: '400', detail: `${'y'.repeat(495)}${SCIM_TOKEN}` }));
		const detail = String(outcome.items[0].detail);
		assert.ok(detail.length <= 501, `detail is bounded (${detail.length})`);
		assert.ok(!detail.toLowerCase().includes(SCIM_TOKEN.slice(0, 5).toLowerCase()), detail.slice(480));
		assert.ok(detail.includes('[red'), detail.slice(480));
	});

	test('a 200 user whose meta.location and $ref carry the token in upper case comes out redacted', async () => {
		const upper = SCIM_TOKEN.toUpperCase();
		const outcome = await run('output redaction', { ...BY_METHOD.GET, simplify: false }, () =>
			scimJson(
				user('u-1', {
					meta: { location: `https://k2/tokens/${upper}/scim/v2/Users/u-1` },
					groups: [{ value: 'g-1', $ref: `https://k2/tokens/${upper}/scim/v2/Groups/g-1` }],
					title: b64(SCIM_TOKEN),
				}),
			),
		);
		assert.deepEqual(outcome.errors, [undefined, undefined]);
		const json = outcome.items[0] as { meta: { location: string }; groups: Array<{ $ref: string }> };
		assert.equal(json.meta.location, 'https://k2/tokens/[redacted]/scim/v2/Users/u-1');
		assert.equal(json.groups[0].$ref, 'https://k2/tokens/[redacted]/scim/v2/Groups/g-1');
	});

	test('a retried request logs its URL at debug level with the token redacted', async () => {
		let calls = 0;
		const outcome = await run('retry log', BY_METHOD.GET, () => (++calls === 1 ? scimError(503, `busy ${SCIM_TOKEN}`) : scimJson(user('u-1'))), { items: [{}] });
		assert.deepEqual(outcome.errors, [undefined]);
		assert.equal(k2.requests.length, 2, 'one retry');
		const retryLog = outcome.logs.find((record) => record.level === 'debug' && /retry 1 of 5/.test(record.message));
		assert.ok(retryLog, `a debug record for the retry: ${JSON.stringify(outcome.logs.map((r) => r.message))}`);
		assert.match(retryLog.message, /\/tokens\/\[redacted\]\/scim\/v2\/Users\/u-1/);
	});

	test('a listing whose resources echo every secret comes out redacted', async () => {
		const echoed = [SCIM_TOKEN.toLowerCase(), b64(CLIENT_SECRET), ACCESS_TOKEN, REFRESH_TOKEN.toUpperCase(), b64url(ID_TOKEN)];
		const outcome = await run('listing redaction', { ...GET_MANY, simplify: false }, () =>
			listResponse(echoed.map((value, i) => user(`u-${i}`, { displayName: value })), echoed.length),
		{ items: [{}] });
		assert.equal(outcome.result.output!.length, echoed.length);
		assert.ok(outcome.result.output!.every((entry) => entry.json.displayName === '[redacted]'));
	});
});

describe('Answers that are not SCIM are refused (item 7)', () => {
	const cases: Array<{ name: string; parameters: Record<string, unknown>; answer: Handler; expect: RegExp; requests?: number }> = [
		{ name: 'Get answered 200 with an HTML login page', parameters: BY_METHOD.GET, answer: () => html(), expect: /K2's answer is not SCIM: expected a SCIM resource .* got an HTML page \(Content-Type text\/html\)/ },
		{ name: 'Get answered 200 with JSON without an id', parameters: BY_METHOD.GET, answer: () => scimJson({ userName: 'x' }), expect: /not SCIM: .* got a JSON object with "userName" but no text "id"/ },
		{ name: 'Get answered 200 with a JSON array', parameters: BY_METHOD.GET, answer: () => scimJson([user('u-1')] as unknown as object), expect: /not SCIM: .* got a JSON array/ },
		{ name: 'Get answered 200 with an empty body', parameters: BY_METHOD.GET, answer: () => ({ status: 200, body: '' }), expect: /not SCIM: .* got an empty answer \(no Content-Type\)/ },
		{ name: 'Get answered 200 with a numeric id', parameters: BY_METHOD.GET, answer: () => scimJson({ id: 7 }), expect: /no text "id"/ },
		{ name: 'Create answered 201 with HTML', parameters: BY_METHOD.POST, answer: () => ({ ...html(), status: 201 }), expect: /not SCIM: .* got an HTML page/ },
		{ name: 'Replace answered 200 with plain text', parameters: BY_METHOD.PUT, answer: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'OK' }), expect: /got text that is not JSON \(Content-Type text\/plain\)/ },
		{ name: 'Deactivate (PATCH) answered 200 with HTML', parameters: BY_METHOD.PATCH, answer: () => html(), expect: /expected a SCIM resource .* or an empty answer, got an HTML page/ },
		{ name: 'Get Many answered 200 with HTML', parameters: GET_MANY, answer: () => html(), expect: /expected a SCIM ListResponse .* got an HTML page/, requests: 1 },
		{ name: 'Get Many answered with Resources that is not a list', parameters: GET_MANY, answer: () => scimJson({ totalResults: 1, Resources: { id: 'u-1' } }), expect: /Resources value that is a JSON object/, requests: 1 },
		{ name: 'Get Many answered with Resources holding strings', parameters: GET_MANY, answer: () => scimJson({ totalResults: 2, Resources: ['u-1', 'u-2'] }), expect: /entry 1 is text/, requests: 1 },
		{ name: 'Get Many answered with a totalResults that is text', parameters: GET_MANY, answer: () => scimJson({ totalResults: 'lots', Resources: [] }), expect: /totalResults that is not a whole number/, requests: 1 },
		{ name: 'Get Many answered with a non-SCIM JSON object', parameters: GET_MANY, answer: () => scimJson({ data: [{ id: 'u-1' }] }), expect: /got a JSON object with "data" but no Resources list/, requests: 1 },
	];
	for (const entry of cases) {
		test(`${entry.name}: a clear error, nothing acted on`, async () => {
			const items = entry.requests === 1 ? [{}] : TWO_ITEMS;
			const outcome = await run(entry.name, entry.parameters, entry.answer, { items });
			assertAllFailed(outcome, entry.expect, entry.name);
			assert.equal(k2.requests.length, items.length, 'one request per item, not retried');
		});
	}

	test('one bad answer fails only its own item; the other item goes on', async () => {
		const outcome = await run('mixed', { ...BY_METHOD.POST, userName: '={{ $json.mail }}' }, (request) =>
			request.body.includes('bad@example.com') ? html() : scimJson(user('u-9'), 201),
		{ items: [{ mail: 'good@example.com' }, { mail: 'bad@example.com' }] });
		assert.equal(outcome.errors[0], undefined);
		assert.equal(outcome.items[0].id, 'u-9');
		assert.match(outcome.errors[1] ?? '', /K2's answer is not SCIM/);
		assert.equal(k2.requests.length, 2);
	});

	test('Deactivate answered 204 with no body is fine (PATCH may answer nothing)', async () => {
		const outcome = await run('patch 204', BY_METHOD.PATCH, () => ({ status: 204 }));
		assert.deepEqual(outcome.errors, [undefined, undefined]);
		assert.equal(outcome.items[0].active, false);
	});

	test('Deactivate answered 200 with {} is read as no resource: the output says what was asked', async () => {
		const outcome = await run('patch {}', BY_METHOD.PATCH, () => scimJson({}));
		assert.deepEqual(outcome.errors, [undefined, undefined]);
		assert.equal(outcome.items[0].id, 'u-1');
		assert.equal(outcome.items[0].active, false);
	});

	test('Delete answered 200 with HTML is fine (a DELETE expects nothing back)', async () => {
		const outcome = await run('delete html', BY_METHOD.DELETE, () => html());
		assert.deepEqual(outcome.errors, [undefined, undefined]);
		assert.equal(outcome.items[0].deleted, true);
	});

	test('Get Many answered totalResults 0 without Resources is an empty list', async () => {
		const outcome = await run('empty list', GET_MANY, () => scimJson({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0 }), { items: [{}], emptyResultOk: true });
		assert.equal(outcome.result.error, undefined);
		assert.equal(outcome.result.output!.length, 0, 'no users, no error');
		assert.equal(k2.requests.length, 1);
	});

	test('Sync whose listing is an HTML page stops before any write', async () => {
		const sync = { resource: 'user', operation: 'sync', matchOn: 'userName', userName: '={{ $json.mail }}', syncOptions: {} };
		const outcome = await run('sync html', sync, () => html(), { items: [{ mail: 'a@example.com' }, { mail: 'b@example.com' }] });
		// Sync reads K2 before anything else: its listing failing fails the whole run.
		const failed = [outcome.result.error?.message, ...outcome.errors].filter(Boolean).join(' | ');
		assert.match(failed, /K2's answer is not SCIM: expected a SCIM ListResponse/);
		assert.equal(k2.requests.filter((r) => r.method !== 'GET').length, 0, 'no write after a listing that is not SCIM');
	});
});

describe('Paging always ends (item 8)', () => {
	test('totalResults 10^9 with a full first page and empty pages after: refused at once', async () => {
		const outcome = await run('lying total', GET_MANY, (request) =>
			request.query.get('startIndex') === '1' ? listResponse(users(1, 100), 1_000_000_000) : listResponse([], 1_000_000_000),
		{ items: [{}] });
		assertAllFailed(outcome, /K2's paging is inconsistent: it reported 1000000000 results, which would take 10000000 pages; a listing stops at 10000 pages/, 'lying total');
		assert.ok(k2.requests.length <= 5, `${k2.requests.length} requests`);
	});

	test('totalResults 10^9 with an empty first page: one request, a clear error', async () => {
		const outcome = await run('empty first page', GET_MANY, () => listResponse([], 1_000_000_000), { items: [{}] });
		assertAllFailed(outcome, /reported 1000000000 results but sent none on the first page/, 'empty first');
		assert.equal(k2.requests.length, 1);
	});

	test('totalResults 5,000 but every page after the first is empty: a handful of requests, a clear error', async () => {
		const outcome = await run('empty pages', GET_MANY, (request) =>
			request.query.get('startIndex') === '1' ? listResponse(users(1, 100), 5000) : listResponse([], 5000, Number(request.query.get('startIndex'))),
		{ items: [{}] });
		assertAllFailed(outcome, /paging is inconsistent: it reported 5000 results but the page at \d+ was empty/, 'empty pages');
		assert.ok(k2.requests.length <= 6, `${k2.requests.length} requests`);
	});

	test('a server that ignores startIndex (same page again): a handful of requests, a clear error', async () => {
		const outcome = await run('ignores startIndex', GET_MANY, () => listResponse(users(1, 100), 100_000), { items: [{}] });
		assertAllFailed(outcome, /the page at \d+ repeated resources already listed/, 'repeated');
		assert.ok(k2.requests.length <= 6, `${k2.requests.length} requests`);
	});

	test('a list that shrank while paging (last page empty, its total says so) ends without error', async () => {
		const outcome = await run('shrank', GET_MANY, (request) =>
			request.query.get('startIndex') === '1' ? listResponse(users(1, 100), 150) : listResponse([], 100, 101),
		{ items: [{}] });
		assert.equal(outcome.result.output!.length, 100);
		assert.ok(outcome.result.output!.every((entry) => entry.json.error === undefined));
		assert.equal(k2.requests.length, 2);
	});

	test('a resource that shifted across a page boundary comes out once', async () => {
		const outcome = await run('shifted', GET_MANY, (request) =>
			request.query.get('startIndex') === '1' ? listResponse(users(1, 100), 150) : listResponse(users(100, 50), 150, 101),
		{ items: [{}] });
		const ids = outcome.result.output!.map((entry) => entry.json.id);
		assert.equal(new Set(ids).size, ids.length, 'no duplicate');
		assert.equal(ids.length, 149);
	});
});

describe('Each request has a total deadline (item 9)', () => {
	/** A credential whose Request Timeout is 1 s. */
	const quick = () => addCredential({ requestTimeout: 1000 });

	test('a body that trickles a byte every 100 ms forever times out; the error says a re-run is safe', async () => {
		const outcome = await run('trickle get', BY_METHOD.GET, () => ({ trickle: { intervalMs: 100 } }), { credentialId: quick() });
		assertAllFailed(outcome, /K2 did not answer within 1 s: the request timed out/, 'trickle');
		assert.match(String(outcome.items[0].description), /Re-running is safe/);
		assert.match(String(outcome.items[0].description), /raise the Request Timeout in the credential "K2 Hostile"/);
		assert.equal(k2.requests.length, 2, 'a timed-out request is not re-sent');
		assert.ok(outcome.ms < 5000, `ended in ${outcome.ms} ms`);
	});

	test('a listing whose second page trickles times out instead of hanging', async () => {
		const outcome = await run('trickle page', GET_MANY, (request) =>
			request.query.get('startIndex') === '1' ? listResponse(users(1, 100), 200) : { trickle: { intervalMs: 100 } },
		{ items: [{}], credentialId: quick() });
		assertAllFailed(outcome, /timed out/, 'trickle page');
		assert.equal(k2.requests.length, 2);
		assert.ok(outcome.ms < 5000, `ended in ${outcome.ms} ms`);
	});

	test('a create whose answer trickles times out once, not re-sent (no duplicate)', async () => {
		const outcome = await run('trickle create', BY_METHOD.POST, () => ({ trickle: { intervalMs: 100 } }), { items: [{}], credentialId: quick() });
		assertAllFailed(outcome, /timed out/, 'trickle create');
		assert.equal(k2.requests.filter((r) => r.method === 'POST').length, 1);
	});
});

describe('Groups go through the same checks', () => {
	const groupById = { __rl: true, mode: 'id', value: 'g-1' };
	test('Group > Get answered 200 with HTML: not SCIM', async () => {
		const outcome = await run('group html', { resource: 'group', operation: 'get', group: groupById }, () => html());
		assertAllFailed(outcome, /K2's answer is not SCIM: expected a SCIM resource .* got an HTML page/, 'group html');
		assert.equal(k2.requests.length, 2);
	});

	test('Group > Delete answered 308 to another port: not followed, the target receives nothing', async () => {
		const outcome = await run('group redirect', { resource: 'group', operation: 'delete', group: groupById }, () => redirect(308, `${elsewhere.url}/Groups/g-1`));
		assertAllFailed(outcome, new RegExp(`redirect \\(308\\) to 127\\.0\\.0\\.1:${elsewhere.port}`), 'group redirect');
		assert.equal(elsewhere.requests.length, 0);
		assert.equal(k2.requests.filter((r) => r.method === 'DELETE').length, 2);
	});

	test('Group > Get Many against a server that ignores startIndex: a handful of requests, a clear error', async () => {
		const groups = Array.from({ length: 100 }, (_, i) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: `g-${i}`, displayName: `G${i}` }));
		const outcome = await run('group paging', { resource: 'group', operation: 'getMany', returnAll: true }, () => listResponse(groups, 50_000), { items: [{}] });
		assertAllFailed(outcome, /K2's paging is inconsistent: the page at \d+ repeated resources already listed/, 'group paging');
		assert.ok(k2.requests.length <= 6, `${k2.requests.length} requests`);
	});
});

describe('A 404 names the real cause (item 17)', () => {
	test('an ID containing "tokens" that does not exist is reported as not found, not as a bad SCIM token', async () => {
		const outcome = await run('id tokens', { ...BY_METHOD.GET, user: byId('tokens-archive') }, () => scimError(404, 'User tokens-archive not found'));
		assertAllFailed(outcome, /The user "tokens-archive" was not found in K2/, 'id tokens');
		assert.equal(k2.requests.length, 2);
	});

	test('a 404 whose detail quotes the request path (/tokens/...) is still "not found"', async () => {
		const outcome = await run('path in detail', BY_METHOD.GET, (request) => scimError(404, `Resource ${request.url} not found`));
		assertAllFailed(outcome, /The user "u-1" was not found in K2/, 'path in detail');
	});

	test('a 404 whose detail blames the token is reported as a bad SCIM token', async () => {
		const outcome = await run('bad token', BY_METHOD.GET, () => scimError(404, 'No SCIM endpoint for this token: check the SCIM Token'));
		assertAllFailed(outcome, /K2 did not recognise the SCIM token/, 'bad token');
	});
});
