import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { decodeJwtPayload, reconnectDeadline } from '../../nodes/K2Scim/scim/jwt';

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: unknown) => `${segment({ alg: 'RS256' })}.${segment(payload)}.c2ln`;

test('decodeJwtPayload reads the claims of a compact JWS without verifying it', () => {
	assert.deepEqual(decodeJwtPayload(jwt({ sub: 'u1', auth_time: 1700000000, name: 'Zoë ✓' })), {
		sub: 'u1',
		auth_time: 1700000000,
		name: 'Zoë ✓',
	});
});

test('decodeJwtPayload returns undefined for malformed tokens', () => {
	assert.equal(decodeJwtPayload(''), undefined);
	assert.equal(decodeJwtPayload('not-a-jwt'), undefined);
	assert.equal(decodeJwtPayload('a.b'), undefined);
	assert.equal(decodeJwtPayload('a.!!!.c'), undefined);
	assert.equal(decodeJwtPayload(`x.${Buffer.from('not json').toString('base64url')}.y`), undefined);
	assert.equal(decodeJwtPayload(`x.${segment([1, 2])}.y`), undefined, 'an array is not a claims set');
	assert.equal(decodeJwtPayload('a.b.c.d.e'), undefined, 'JWE payloads are encrypted');
	assert.equal(decodeJwtPayload(undefined as unknown as string), undefined);
});

test('reconnectDeadline is auth_time plus 30 days', () => {
	const authTime = Date.UTC(2025, 0, 1) / 1000;
	assert.equal(reconnectDeadline({ auth_time: authTime })?.toISOString(), '2025-01-31T00:00:00.000Z');
	assert.equal(reconnectDeadline({ auth_time: authTime }, 7)?.toISOString(), '2025-01-08T00:00:00.000Z');
});

test('reconnectDeadline gives no date without a usable auth_time', () => {
	assert.equal(reconnectDeadline(undefined), undefined);
	assert.equal(reconnectDeadline({ iat: 1700000000 }), undefined);
	assert.equal(reconnectDeadline({ auth_time: 'soon' }), undefined);
});
