// Many executions share one K2 credential (a webhook burst: each hire is its own n8n execution).
// K2's refresh tokens are single use, so when the access token has expired, exactly one of them
// may refresh; the others must wait for it and use the token it saved. Each execution here is a
// separate WorkflowExecute run in this process with the same credential ID, through n8n-core's own
// OAuth2 code, against the sandbox's IdentityToken service (grants counted by idpStats()).
import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';
import { setTimeout as wait } from 'node:timers/promises';

import type { RefreshReuse } from '../../sandbox';
import { useK2 } from '../support/fixture';
import { refreshRaw } from '../support/oidc-login';
import { k2Credential } from '../harness/run-workflow';

const EXECUTIONS = 12;
// exp has whole-second precision: a 2 s token is valid for 1-2 s; waiting 2.5 s makes sure it expired.
const ACCESS_TOKEN_TTL_S = 2;
const EXPIRED_AFTER_MS = 2500;

const createUser = (userName: string) => ({
	resource: 'user',
	operation: 'createOrUpdate',
	userName,
});

for (const reuse of ['refuse', 'revoke'] as RefreshReuse[]) {
	describe(`${EXECUTIONS} executions share a credential whose access token expired (sandbox reuse mode '${reuse}')`, () => {
		// Some latency so the executions' requests overlap at K2 the way a burst does.
		const k2 = useK2({ accessTokenTtl: ACCESS_TOKEN_TTL_S, latencyMs: 50, refreshReuse: reuse });

		test('exactly one refresh grant, no invalid_grant, every execution succeeds; twice in a row', async () => {
			await k2.connect('shared', 'K2 Shared');
			for (const burst of [1, 2]) {
				await wait(EXPIRED_AFTER_MS);
				k2.sandbox.resetStats();
				const runs = await Promise.all(
					Array.from({ length: EXECUTIONS }, (_, i) =>
						k2.run(createUser(`burst${burst}-${i}@example.com`), undefined, { credentialId: 'shared' }),
					),
				);
				const idp = k2.sandbox.idpStats();
				const failed = runs.filter((r) => r.error).map((r) => r.error!.message);
				assert.deepEqual(failed, [], `burst ${burst}: no execution fails`);
				assert.ok((k2.sandbox.stats().byStatus['401'] ?? 0) >= 1, `burst ${burst}: K2 refused the expired token`);
				assert.equal(idp.refreshOk, 1, `burst ${burst}: one refresh for all (${JSON.stringify(idp.byGrant)})`);
				assert.equal(idp.invalidGrant, 0, `burst ${burst}: no spent refresh token was sent again`);
				assert.equal(idp.grantsRevoked, 0);
				assert.equal(runs.every((r) => r.output?.length === 1 && !r.output[0].json.error), true);
			}
			const users = (await k2.scim.listUsers()).map((u) => String(u.userName));
			assert.equal(users.filter((u) => u.startsWith('burst')).length, 2 * EXECUTIONS, 'every user created once');
		});
	});
}

describe('when a refresh is refused', () => {
	const k2 = useK2({ accessTokenTtl: ACCESS_TOKEN_TTL_S, latencyMs: 20 });

	test('because another process just spent the refresh token: re-sent with the tokens it saves, no error', async () => {
		const tokens = await k2.connect('worker', 'K2 Worker');
		await wait(EXPIRED_AFTER_MS);
		k2.sandbox.resetStats();
		// Another n8n worker refreshes with the same refresh token and saves the result a moment later.
		const other = await refreshRaw(k2.sandbox, String(tokens.refresh_token));
		assert.equal(other.status, 200);
		const saving = wait(600).then(() => {
			k2.harness.credentials.stored('worker').oauthTokenData = other.body as Record<string, string>;
		});
		const run = await k2.run(createUser('other-worker@example.com'), undefined, { credentialId: 'worker' });
		await saving;
		assert.equal(run.error, undefined, run.error?.message);
		assert.equal(run.output?.[0]?.json.userName, 'other-worker@example.com');
		const idp = k2.sandbox.idpStats();
		assert.equal(idp.refreshOk, 1, 'only the other worker refreshed');
		assert.equal(idp.invalidGrant, 1, "this process's refresh was refused, then absorbed");
	});

	test('because the refresh token expired: every execution fails with the reconnect message, K2 asked once', async () => {
		k2.sandbox.setTokenTtl({ refreshTokenTtl: 2 });
		await k2.connect('stale', 'K2 Stale');
		await wait(3000);
		k2.sandbox.resetStats();
		const started = Date.now();
		const runs = await Promise.all(
			Array.from({ length: 8 }, (_, i) => k2.run(createUser(`stale${i}@example.com`), undefined, { credentialId: 'stale' })),
		);
		const durationMs = Date.now() - started;
		k2.sandbox.setTokenTtl({ refreshTokenTtl: 30 * 24 * 3600 });
		for (const run of runs) {
			assert.ok(run.error, 'the execution fails');
			assert.match(run.error.message, /^The K2 sign-in of credential "K2 Stale" has expired: reconnect the credential$/);
			assert.match(String(run.error.description), /invalid_grant/);
			assert.match(String(run.error.description), /open the credential "K2 Stale"/);
		}
		const idp = k2.sandbox.idpStats();
		assert.equal(idp.invalidGrant, 1, 'one refused refresh; the waiting executions did not ask again');
		assert.equal(idp.refreshOk, 0);
		// One watch of the stored credential (3.75 s), not one per execution.
		assert.ok(durationMs < 8000, `all failed in ${durationMs} ms`);
		assert.equal((await k2.scim.listUsers()).filter((u) => String(u.userName).startsWith('stale')).length, 0);
	});

	test('because the Client Secret is wrong: says so (invalid_client), not "reconnect"', async () => {
		k2.harness.credentials.add({
			id: 'cc-wrong',
			name: 'K2 Client Credentials',
			type: 'k2ScimOAuth2Api',
			data: k2Credential({
				grantType: 'clientCredentials',
				authority: k2.sandbox.authority,
				clientId: k2.sandbox.ccClientId,
				clientSecret: 'not-the-secret',
				scimBaseUrl: k2.sandbox.scimBaseUrl,
				scimToken: k2.sandbox.scimToken,
			}),
		});
		k2.sandbox.resetStats();
		const run = await k2.run({ resource: 'user', operation: 'getMany', returnAll: true }, undefined, { credentialId: 'cc-wrong' });
		assert.ok(run.error, 'the run fails');
		assert.equal(run.error.message, 'K2 rejected the Client ID or Client Secret of credential "K2 Client Credentials"');
		assert.match(String(run.error.description), /invalid_client/);
		assert.match(String(run.error.description), /correct the Client Secret/);
		assert.doesNotMatch(`${run.error.message} ${run.error.description}`, /expired|Reconnect/);
		assert.ok(!JSON.stringify(run.error).includes('not-the-secret'), 'the secret is not in the error');
		assert.equal(k2.sandbox.idpStats().invalidClient, 1);
		assert.equal(k2.sandbox.stats().total, 0, 'no SCIM request without a token');
	});

	test('because a PKCE credential carries a Client Secret K2 does not expect: names the secret too', async () => {
		const tokens = await k2.connect('pkce-secret', 'K2 PKCE With Secret');
		k2.harness.credentials.stored('pkce-secret').clientSecret = 'left-over-secret';
		await wait(EXPIRED_AFTER_MS);
		k2.sandbox.resetStats();
		const run = await k2.run({ resource: 'user', operation: 'getMany', returnAll: true }, undefined, { credentialId: 'pkce-secret' });
		assert.ok(run.error, 'the run fails');
		assert.match(run.error.message, /Client ID or Client Secret of credential "K2 PKCE With Secret"/);
		assert.ok(!JSON.stringify(run.error).includes(String(tokens.refresh_token)));
		assert.equal(k2.sandbox.idpStats().invalidClient, 1);
	});
});
