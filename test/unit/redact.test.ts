import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import { redact, redactInPlace, secretsOf } from '../../nodes/K2Scim/transport/redact';
import { assertNoSecrets } from '../hostile/support';

const GUID = '3f2b8c1e-9a4d-4e7b-b6c2-0d1e2f3a4b5c';
const credentials = {
	scimToken: 'tok/en+with=chars',
	clientSecret: 'shh-secret',
	oauthTokenData: { access_token: 'eyJaccess.part.sig', refresh_token: 'refresh-123456', id_token: 'eyJid.token.sig' },
};
const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');

test('short or missing values are not secrets (they would mask ordinary words)', () => {
	const secrets = secretsOf({ scimToken: 'abc', clientSecret: '' });
	assert.equal(redact('abc is fine', secrets), 'abc is fine');
});

test('redact masks the token in a URL path, raw or encoded, and unknown bearer tokens', () => {
	const secrets = secretsOf(credentials);
	const text = `GET https://k2/tokens/${encodeURIComponent('tok/en+with=chars')}/scim/v2 (raw tok/en+with=chars) Authorization: Bearer other.jwt.value`;
	const clean = redact(text, secrets);
	assert.ok(!clean.includes('tok/en'), clean);
	assert.ok(!clean.includes('other.jwt.value'), clean);
	assert.match(clean, /tokens\/\[redacted\]\/scim/);
});

test('the SCIM token is masked in any case (GUIDs are case-insensitive), and lower-case percent escapes too', () => {
	const secrets = secretsOf({ scimToken: GUID });
	for (const text of [GUID, GUID.toUpperCase(), 'x' + GUID.slice(0, 10).toUpperCase() + GUID.slice(10) + 'y']) {
		assert.equal(redact(text, secrets).includes('[redacted]'), true, text);
		assertNoSecrets(redact(text, secrets), [GUID], text);
	}
	const encoded = secretsOf({ scimToken: 'tok/en+with=chars' });
	assert.equal(redact('tok%2fen%2bwith%3dchars', encoded), '[redacted]');
});

test('base64 and base64url forms of each secret are masked, in the stored, lower and upper case', () => {
	const secrets = secretsOf({ ...credentials, scimToken: GUID });
	for (const value of [GUID, GUID.toUpperCase(), 'shh-secret', 'eyJaccess.part.sig', 'refresh-123456', 'eyJid.token.sig']) {
		for (const form of [b64(value), b64(value).replace(/=+$/, ''), b64url(value)]) {
			const clean = redact(`echo ${form} end`, secrets);
			assert.ok(!clean.includes(form), `${value} as ${form}: ${clean}`);
		}
	}
});

test('base64 of a secret inside a longer encoded text (Basic id:secret) is masked whatever its offset', () => {
	const secrets = secretsOf({ clientSecret: 'a-long-client-secret-value' });
	for (const prefix of ['', 'c', 'cl', 'client-id:']) {
		const encoded = b64(`${prefix}a-long-client-secret-value!`);
		const clean = redact(`Basic ${encoded}`, secrets);
		// What remains may not decode to the secret: at most a few bytes at each end survive.
		const decoded = Buffer.from(clean.replace('Basic ', '').replace(/\[redacted\]/g, ''), 'base64').toString('latin1');
		assert.ok(!decoded.includes('client-secret'), `${prefix}: ${clean}`);
	}
});

test('oauthTokenData stored as JSON text is read too', () => {
	const secrets = secretsOf({ oauthTokenData: JSON.stringify({ access_token: 'access-token-as-text' }) });
	assert.equal(redact('x access-token-as-text y', secrets), 'x [redacted] y');
});

test('redactInPlace cleans nested strings and keys, and leaves clean values untouched', () => {
	const secrets = secretsOf(credentials);
	const body = {
		id: '1',
		meta: { location: 'https://k2/tokens/tok%2Fen%2Bwith%3Dchars/scim/v2/Users/1' },
		list: ['refresh-123456', 7, null],
		'refresh-123456': 'as a key',
	} as Record<string, unknown>;
	const result = redactInPlace(body, secrets);
	assert.equal(result, body);
	assert.equal(body.id, '1');
	assert.equal((body.meta as { location: string }).location, 'https://k2/tokens/[redacted]/scim/v2/Users/1');
	assert.deepEqual(body.list, ['[redacted]', 7, null]);
	assert.equal(body['[redacted]'], 'as a key');
	assert.equal('refresh-123456' in body, false);
});

test('redactInPlace writes a redacted __proto__ key as data, never through the prototype setter', () => {
	const secrets = secretsOf({ scimToken: GUID });
	const body = JSON.parse(`{"__proto__": {"polluted": "${GUID}"}}`) as Record<string, unknown>;
	redactInPlace(body, secrets);
	assert.equal(Object.getPrototypeOf(body), Object.prototype);
	assert.deepEqual(Object.getOwnPropertyDescriptor(body, '__proto__')?.value, { polluted: '[redacted]' });
	assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('redacting a 10,000-user listing masks the token in every location', () => {
	const secrets = secretsOf({ ...credentials, scimToken: GUID });
	const users = Array.from({ length: 10_000 }, (_, i) => ({
		id: `id-${i}`,
		userName: `user${i}@example.com`,
		name: { givenName: 'Given', familyName: 'Family' },
		emails: [{ value: `user${i}@example.com`, primary: true }],
		meta: { location: `https://scim.onk2.com/tokens/${GUID}/scim/v2/Users/id-${i}`, resourceType: 'User' },
	}));
	redactInPlace(users, secrets);
	assert.ok(!JSON.stringify(users).toLowerCase().includes(GUID), 'a token survived');
	assert.equal(users[9_999].meta.location, `https://scim.onk2.com/tokens/[redacted]/scim/v2/Users/id-9999`);
});
