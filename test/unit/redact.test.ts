import assert from 'node:assert/strict';
import { test } from 'node:test';

import { redact, redactInPlace, secretsOf } from '../../nodes/K2Scim/transport/redact';

const credentials = {
	scimToken: 'tok/en+with=chars',
	clientSecret: 'shh-secret',
	oauthTokenData: { access_token: 'eyJaccess.part.sig', refresh_token: 'refresh-123456' },
};

test('secretsOf lists each secret as is and URL-encoded, and skips short or missing values', () => {
	const secrets = secretsOf({ ...credentials, clientSecret: 'abc' });
	assert.ok(secrets.includes('tok/en+with=chars'));
	assert.ok(secrets.includes(encodeURIComponent('tok/en+with=chars')));
	assert.ok(secrets.includes('refresh-123456'));
	assert.ok(!secrets.includes('abc'));
});

test('redact masks the token in a URL path, raw or encoded, and unknown bearer tokens', () => {
	const secrets = secretsOf(credentials);
	const text = `GET https://k2/tokens/${encodeURIComponent('tok/en+with=chars')}/scim/v2 (raw tok/en+with=chars) Authorization: Bearer other.jwt.value`;
	const clean = redact(text, secrets);
	assert.ok(!clean.includes('tok/en'), clean);
	assert.ok(!clean.includes('other.jwt.value'), clean);
	assert.match(clean, /tokens\/\[redacted\]\/scim/);
});

test('redactInPlace cleans nested strings and leaves clean values untouched', () => {
	const secrets = secretsOf(credentials);
	const body = { id: '1', meta: { location: 'https://k2/tokens/tok%2Fen%2Bwith%3Dchars/scim/v2/Users/1' }, list: ['refresh-123456', 7, null] };
	const result = redactInPlace(body, secrets);
	assert.equal(result, body);
	assert.equal(body.id, '1');
	assert.equal(body.meta.location, 'https://k2/tokens/[redacted]/scim/v2/Users/1');
	assert.deepEqual(body.list, ['[redacted]', 7, null]);
});
