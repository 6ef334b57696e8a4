import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import type { INode } from 'n8n-workflow';

import { notScimError, scimApiError } from '../../nodes/K2Scim/transport/errors';
import { secretsOf } from '../../nodes/K2Scim/transport/redact';
import { assertNoSecrets } from '../hostile/support';

const node = {
	name: 'K2 SCIM',
	type: 'k2Scim',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
	credentials: { k2ScimOAuth2Api: { id: '1', name: 'K2 Prod' } },
} as unknown as INode;
const TOKEN = '9F1c2D3e-4B5a-4c6D-8e7F-0a1B2c3D4e5F';
const ACCESS = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJuOG4ifQ.c2lnbmF0dXJl';
const SECRET = 'client-secret-value';
const secrets = secretsOf({ scimToken: TOKEN, clientSecret: SECRET, oauthTokenData: { access_token: ACCESS } });
const context = { resource: 'user' as const, operation: 'get', id: 'u-1' };
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Every field of an error a user, a log or n8n's UI can see, one by one. */
function fields(error: Error & Record<string, unknown>): Record<string, unknown> {
	return {
		message: error.message,
		description: error.description,
		stack: error.stack,
		cause: error.cause,
		messages: error.messages,
		context: error.context,
		errorResponse: error.errorResponse,
		httpCode: error.httpCode,
		json: JSON.stringify(error),
	};
}

test('every field of a SCIM error is free of every secret form, whatever field of the body echoed it', () => {
	const echoes = [TOKEN.toUpperCase(), TOKEN.toLowerCase(), encodeURIComponent(TOKEN), b64(TOKEN), Buffer.from(TOKEN.toUpperCase()).toString('base64url'), `Bearer ${ACCESS}`, b64(`id:${SECRET}`)];
	for (const echo of echoes) {
		const bodies = [
			{ status: '400', detail: `x ${echo} y` },
			{ status: '400', scimType: echo, detail: 'bad' },
			{ status: '400', detail: `${'z'.repeat(480)}${echo}` },
			{ Errors: [{ description: echo, code: 400 }] },
			{ error: 'invalid_request', error_description: echo },
			`<html><body>${echo}</body></html>`,
			`plain ${echo}`,
		];
		for (const body of bodies) {
			const error = scimApiError(node, { status: 400, body: structuredClone(body) }, context, secrets) as unknown as Error & Record<string, unknown>;
			for (const [name, value] of Object.entries(fields(error))) {
				assertNoSecrets(value, [TOKEN, ACCESS, SECRET], `${name} of ${JSON.stringify(body).slice(0, 60)}`);
			}
		}
	}
});

test('a redirect error names the status and host only, relative locations against the request URL', () => {
	const absolute = scimApiError(node, { status: 307, headers: { location: `https://evil.example.test:8443/tokens/${TOKEN}/x?access_token=${ACCESS}` } }, context, secrets);
	assert.equal(absolute.message, 'K2 answered with a redirect (307) to evil.example.test:8443, which is not followed');
	assert.ok(!JSON.stringify(fields(absolute as never)).includes('/tokens/'));
	const relative = scimApiError(node, { status: 302, headers: { location: '/login' }, url: 'https://scim.onk2.com/tokens/x/scim/v2/Users' }, context, secrets);
	assert.match(relative.message, /redirect \(302\) to scim\.onk2\.com,/);
	const none = scimApiError(node, { status: 301 }, context, secrets);
	assert.equal(none.message, 'K2 answered with a redirect (301), which is not followed');
	assert.match(String(none.description), /SCIM Base URL in the credential "K2 Prod"/);
});

test('a timeout says so, says a re-run is safe, and keeps its own words (n8n would swap ETIMEDOUT\'s)', () => {
	const error = scimApiError(node, { timedOutAfterMs: 120_000 }, context, secrets);
	assert.equal(error.message, 'K2 did not answer within 120 s: the request timed out');
	assert.match(String(error.description), /Re-running is safe/);
	assert.match(String(error.description), /Request Timeout in the credential "K2 Prod"/);
});

test('a non-SCIM answer names what was expected, what came and its content type, with no secret', () => {
	const error = notScimError(node, { expectation: 'list', got: `a JSON object with "${TOKEN}"`, status: 200, contentType: 'text/html', secrets });
	assert.match(error.message, /^K2's answer is not SCIM: expected a SCIM ListResponse .* got a JSON object with "\[redacted\]" \(Content-Type text\/html\)$/);
	assertNoSecrets(fields(error as never), [TOKEN], 'not SCIM');
});

test('a connection failure names the host only, says its message once, and says "retried" only of a dropped connection', () => {
	const url = `https://scim.onk2.com/tokens/${TOKEN}/scim/v2/Users`;
	const refused = scimApiError(node, { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED / connect ECONNREFUSED', url }, context, secrets);
	// n8n's NodeApiError puts its own message on ECONNREFUSED; the description is the node's.
	assert.equal(refused.httpCode, 'ECONNREFUSED');
	assert.match(String(refused.description), /^connect ECONNREFUSED\. Check the SCIM Base URL in the credential "K2 Prod" and that n8n can reach it \(scim\.onk2\.com\)\.$/);
	const dropped = scimApiError(node, { code: 'ECONNRESET', message: 'socket hang up', url }, context, secrets);
	assert.match(String(dropped.description), /retried before giving up/);
	for (const error of [refused, dropped]) assertNoSecrets(fields(error as never), [TOKEN], 'a connection failure');
});

test('a server certificate n8n cannot verify has its own error; a TLS alert about the client does not', () => {
	const url = `https://scim.onk2.com/tokens/${TOKEN}/scim/v2/Users`;
	for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'INVALID_CA']) {
		const error = scimApiError(node, { code, message: 'certificate problem', url }, context, secrets);
		assert.equal(error.message, `K2's TLS certificate was not accepted (${code})`);
		assert.match(String(error.description), /of scim\.onk2\.com .*nothing was sent to it.*NODE_EXTRA_CA_CERTS/s);
		assertNoSecrets(fields(error as never), [TOKEN], code);
	}
	for (const code of ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'OUT_OF_MEM']) {
		assert.match(scimApiError(node, { code, message: 'alert', url }, context, secrets).message, /^Could not reach the K2 SCIM service/, code);
	}
});

test('a SCIM service that refuses the token names the SCIM Token, Scope and SCIM Base URL of the credential, and no secret', () => {
	const bodies = ['', undefined, {}, `Bearer ${ACCESS}`];
	for (const body of bodies) {
		const fresh = scimApiError(node, { status: 401, body: structuredClone(body), freshTokenRefused: true }, context, secrets) as unknown as Error & Record<string, unknown>;
		assert.match(fresh.message, /K2's SCIM service refused the credential "K2 Prod" \(401\): check its SCIM Token, Scope and SCIM Base URL/);
		assert.match(String(fresh.description), /token service accepted the sign-in and n8n refreshed the access token/);
		assert.match(String(fresh.description), /https:\/\/scim\.onk2\.com\/write/);
		assert.match(String(fresh.description), /no further requests/);
		assert.doesNotMatch(`${fresh.message} ${fresh.description}`, /sign in again\)|Reconnect the K2 credential \(sign in again\)/);
		for (const [name, value] of Object.entries(fields(fresh))) assertNoSecrets(value, [TOKEN, ACCESS, SECRET], `${name} of ${JSON.stringify(body)}`);
	}
	// 403 with an empty body, no refresh involved: the same advice.
	const empty = scimApiError(node, { status: 403, body: '' }, { resource: 'user', operation: 'create', userName: 'bob' }, secrets);
	assert.match(empty.message, /refused the credential "K2 Prod" \(403\): check its SCIM Token, Scope and SCIM Base URL/);
	assert.match(String(empty.description), /no SCIM error/);
	// 403 with a SCIM error: K2 said why; that message stays.
	const said = scimApiError(node, { status: 403, body: { status: '403', detail: 'insufficient scope' } }, { resource: 'user', operation: 'create', userName: 'bob' }, secrets);
	assert.match(said.message, /not allowed to create the user "bob"/);
	assert.match(String(said.description), /insufficient scope/);
	// A 401 n8n could not clear by refreshing (no fresh token refused): the reconnect advice stays.
	const plain = scimApiError(node, { status: 401, body: '' }, context, secrets);
	assert.match(plain.message, /K2 rejected the credential \(401 Unauthorized\)/);
});
