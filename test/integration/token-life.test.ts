import assert from 'node:assert/strict';
import { beforeAll, describe, test } from '@jest/globals';
import { setTimeout as wait } from 'node:timers/promises';

import { useK2 } from '../support/fixture';

const listAllUsers = { resource: 'user', operation: 'getMany', returnAll: true };

describe('the node lists users through n8n with a K2 PKCE sign-in', () => {
	// exp has whole-second precision: a 3 s token is valid for at least 2 s.
	const k2 = useK2({ accessTokenTtl: 3 });
	beforeAll(async () => {
		for (const name of ['ada', 'grace', 'linus']) await k2.scim.createUser(`${name}@example.com`);
	});

	test('n8n loads the package types a community install gets', () => {
		assert.deepEqual(k2.harness.loadedNodeTypes, ['n8n-nodes-k2-scim.k2Scim', 'n8n-nodes-k2-scim.k2ScimTrigger']);
		assert.deepEqual(k2.harness.loadedCredentialTypes, ['k2ScimOAuth2Api']);
	});

	test('lists the users with a valid access token, without refreshing', async () => {
		await k2.connect('valid', 'K2 valid');
		const saved = k2.harness.credentials.savedTokens.length;
		const { output, error } = await k2.run(listAllUsers, undefined, { credentialId: 'valid' });
		assert.equal(error, undefined);
		assert.deepEqual(
			output!.map((item) => item.json.userName).sort(),
			['ada@example.com', 'grace@example.com', 'linus@example.com'],
		);
		assert.ok(output!.every((item) => (item.pairedItem as { item: number }).item === 0));
		assert.equal(k2.harness.credentials.savedTokens.length, saved);
	});

	test('with an expired access token n8n refreshes, retries, and stores the rotated refresh token', async () => {
		const tokens = await k2.connect('expiring', 'K2 expiring');
		await wait(3500);
		const saved = k2.harness.credentials.savedTokens.length;
		const { output, error } = await k2.run(listAllUsers, undefined, { credentialId: 'expiring' });
		assert.equal(error, undefined);
		assert.equal(output!.length, 3);
		assert.equal(k2.harness.credentials.savedTokens.length, saved + 1);
		const stored = k2.harness.credentials.stored('expiring').oauthTokenData as Record<string, string>;
		assert.notEqual(stored.access_token, tokens.access_token);
		assert.ok(stored.refresh_token, 'a rotated refresh token is stored');
		assert.notEqual(stored.refresh_token, tokens.refresh_token);
	});
});

describe('when the K2 refresh token has expired', () => {
	const k2 = useK2({ accessTokenTtl: 1, refreshTokenTtl: 2 });

	test('the node fails with a reconnect message that leaks no token', async () => {
		const tokens = await k2.connect('stale', 'K2 Production');
		await wait(3000);
		const { output, error } = await k2.run(listAllUsers, undefined, { credentialId: 'stale' });
		assert.equal(output, undefined);
		assert.ok(error, 'the run fails');
		assert.match(error.message, /K2 sign-in of credential "K2 Production" has expired/);
		assert.match(error.message, /reconnect/i);
		assert.match(String(error.description), /30 days/);
		assert.match(String(error.description), /open the credential "K2 Production"/i);
		const everything = JSON.stringify(error) + String(error.message) + String(error.description) + String(error.stack);
		for (const secret of [tokens.access_token, tokens.refresh_token, k2.sandbox.scimToken]) {
			assert.ok(!everything.includes(String(secret)), 'no token or SCIM token in the error');
		}
	});
});

describe('when the access token expires in the middle of a run with several requests in flight', () => {
	// 2 s tokens (1-2 s left at sign-in) and 200 ms per request: 60 creates, 4 at a time, take 3 s or more.
	const k2 = useK2({ accessTokenTtl: 2, latencyMs: 200 });

	test('one refresh serves every request: no item fails, no user is created twice', async () => {
		const before = k2.harness.credentials.savedTokens.length;
		const started = Date.now();
		const { output, error } = await k2.run(
			// Fixed 4, the premise above: Auto would climb and could be done before the token expires.
			{ resource: 'user', operation: 'create', userName: '={{ $json.u }}', options: { requestsInFlightMode: 'fixed', requestsInFlight: 4 } },
			Array.from({ length: 60 }, (_, i) => ({ u: `midrun${i}@example.com` })),
		);
		assert.equal(error, undefined);
		assert.equal(output!.length, 60);
		const elapsedMs = Date.now() - started;
		const savedAt = k2.harness.credentials.savedAt.slice(before);
		assert.ok(savedAt.length >= 1, 'the token was refreshed during the run');
		// A slow machine stretches the run over more token lifetimes (each token lives at least 1 s), so
		// the count alone cannot tell; a refresh repeated per request shows as refreshes close together
		// (4 requests answered 401 within the same few ms).
		const gaps = savedAt.slice(1).map((at, i) => at - savedAt[i]);
		assert.ok(gaps.every((gap) => gap >= 500), `no refresh repeated per request (gaps ${gaps.join(', ')} ms)`);
		assert.ok(savedAt.length <= Math.max(2, Math.ceil(elapsedMs / 1000)), `${savedAt.length} refreshes in ${elapsedMs} ms`);
		const users = await k2.scim.listUsers();
		assert.equal(users.length, 60);
	});
});
