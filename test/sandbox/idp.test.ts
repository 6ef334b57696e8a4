// The sandbox IdentityToken service behaves like K2's: PKCE public client, JWT access tokens for
// the SCIM API, rotating refresh tokens with an absolute lifetime, client credentials option.
import { afterAll, beforeAll, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { startSandbox, Sandbox } from '../../sandbox/index';
import {
	signInWithPkce,
	clientCredentialsToken,
	refreshRaw,
	decodeJwt,
	followAuthorization,
} from '../support/oidc-login';

let sb: Sandbox;

beforeAll(async () => {
	sb = await startSandbox({ quiet: true });
});

afterAll(async () => {
	await sb.stop();
});

test('discovery lists IdentityServer-style endpoints under the tenant authority', async () => {
	const res = await fetch(`${sb.authority}/.well-known/openid-configuration`);
	assert.equal(res.status, 200);
	const meta = (await res.json()) as Record<string, unknown>;
	assert.equal(meta.issuer, sb.authority);
	assert.equal(meta.authorization_endpoint, `${sb.authority}/connect/authorize`);
	assert.equal(meta.token_endpoint, `${sb.authority}/connect/token`);
	const jwks = await fetch(meta.jwks_uri as string);
	assert.equal(jwks.status, 200);
	const keys = ((await jwks.json()) as { keys: Array<Record<string, unknown>> }).keys;
	assert.ok(keys.length >= 1);
	assert.equal(keys[0].d, undefined, 'JWKS must not publish private key material');
});

test('PKCE sign-in returns a JWT access token with scope and auth_time, and a refresh token', async () => {
	const tokens = await signInWithPkce(sb, { login: 'alice' });
	assert.equal(typeof tokens.access_token, 'string');
	assert.equal(typeof tokens.refresh_token, 'string');
	assert.equal(typeof tokens.id_token, 'string');
	assert.equal(tokens.token_type, 'Bearer');
	assert.equal(tokens.expires_in, 3600);
	const claims = decodeJwt(tokens.access_token);
	assert.equal(claims.iss, sb.authority);
	assert.equal(claims.sub, 'alice');
	assert.equal(claims.client_id, sb.pkceClientId);
	assert.equal(claims.aud, 'https://scim.onk2.com');
	assert.ok(String(claims.scope).split(' ').includes('https://scim.onk2.com/write'));
	assert.equal(typeof claims.auth_time, 'number');
	assert.ok((claims.exp as number) > Date.now() / 1000);
});

test('authorize rejects a PKCE-client request without code_challenge', async () => {
	const redirectUri = 'http://127.0.0.1:5678/rest/oauth2-credential/callback';
	const url = new URL(`${sb.authority}/connect/authorize`);
	url.search = new URLSearchParams({
		client_id: sb.pkceClientId,
		response_type: 'code',
		redirect_uri: redirectUri,
		scope: sb.scope,
		state: 'xyz',
	}).toString();
	const final = await followAuthorization(url.href, redirectUri);
	assert.equal(final.searchParams.get('code'), null);
	assert.equal(final.searchParams.get('error'), 'invalid_request');
	assert.match(final.searchParams.get('error_description') ?? '', /PKCE|code_challenge/);
});

test('loopback redirect URIs match on any port (RFC 8252), others are refused', async () => {
	const tokens = await signInWithPkce(sb, { redirectUri: 'http://127.0.0.1:49152/callback' });
	assert.ok(tokens.access_token);
	await assert.rejects(signInWithPkce(sb, { redirectUri: 'https://evil.example/callback' }));
});

test('refresh as n8n does it (client_id in body, no resource) rotates the refresh token', async () => {
	const first = await signInWithPkce(sb);
	const r1 = await refreshRaw(sb, first.refresh_token!);
	assert.equal(r1.status, 200);
	assert.equal(typeof r1.body.access_token, 'string');
	assert.equal(typeof r1.body.refresh_token, 'string');
	assert.notEqual(r1.body.refresh_token, first.refresh_token);
	const claims = decodeJwt(r1.body.access_token as string);
	assert.ok(String(claims.scope).includes('https://scim.onk2.com/write'));
	assert.equal(typeof claims.auth_time, 'number');

	// The old refresh token is spent...
	sb.resetStats();
	const reuse = await refreshRaw(sb, first.refresh_token!);
	assert.equal(reuse.status, 400);
	assert.equal(reuse.body.error, 'invalid_grant');
	// ...and, as with IdentityServer (the default 'refuse' mode), reusing it does not kill the new one
	// nor the access token issued with it.
	assert.equal(await scimStatus(r1.body.access_token as string), 200);
	const r2 = await refreshRaw(sb, r1.body.refresh_token as string);
	assert.equal(r2.status, 200);
	const stats = sb.idpStats();
	assert.deepEqual(stats.byGrant.refresh_token, { invalid_grant: 1, ok: 1 });
	assert.equal(stats.refreshOk, 1);
	assert.equal(stats.invalidGrant, 1);
	assert.equal(stats.grantsRevoked, 0);
});

/** Status of a SCIM read with this access token. */
async function scimStatus(accessToken: string): Promise<number> {
	const res = await fetch(`${sb.scimBaseUrl}/tokens/${sb.scimToken}/scim/v2/Users?count=1`, {
		headers: { Authorization: `Bearer ${accessToken}` },
	});
	await res.arrayBuffer();
	return res.status;
}

test("'revoke' mode: reusing a rotated refresh token revokes the grant, every token of it stops working", async () => {
	sb.setRefreshReuse('revoke');
	try {
		const first = await signInWithPkce(sb);
		const r1 = await refreshRaw(sb, first.refresh_token!);
		assert.equal(r1.status, 200);
		assert.equal(await scimStatus(r1.body.access_token as string), 200, 'the new access token works before the reuse');
		// A token of another sign-in, to show the revocation is per grant.
		const other = await signInWithPkce(sb);

		sb.resetStats();
		const reuse = await refreshRaw(sb, first.refresh_token!);
		assert.equal(reuse.status, 400);
		assert.equal(reuse.body.error, 'invalid_grant');
		// The newest refresh token and access token of that grant are dead too: the user must sign in again.
		const r2 = await refreshRaw(sb, r1.body.refresh_token as string);
		assert.equal(r2.status, 400);
		assert.equal(r2.body.error, 'invalid_grant');
		assert.equal(await scimStatus(r1.body.access_token as string), 401);
		assert.equal(await scimStatus(other.access_token), 200, 'another grant is untouched');
		const stats = sb.idpStats();
		assert.equal(stats.grantsRevoked, 1);
		assert.equal(stats.invalidGrant, 2);
		assert.equal(stats.refreshOk, 0);
	} finally {
		sb.setRefreshReuse('refuse');
	}
});

test('the IdentityToken stats count invalid_client (a wrong client secret) apart from invalid_grant', async () => {
	sb.resetStats();
	const res = await fetch(`${sb.authority}/connect/token`, {
		method: 'POST',
		headers: {
			'Content-Type': 'application/x-www-form-urlencoded',
			Authorization: `Basic ${Buffer.from(`${sb.ccClientId}:wrong-secret`).toString('base64')}`,
		},
		body: new URLSearchParams({ grant_type: 'client_credentials', scope: sb.ccScope }).toString(),
	});
	const body = (await res.json()) as Record<string, unknown>;
	assert.equal(res.status, 401);
	assert.equal(body.error, 'invalid_client');
	const stats = sb.idpStats();
	assert.equal(stats.invalidClient, 1);
	assert.equal(stats.invalidGrant, 0);
	assert.deepEqual(stats.byGrant.client_credentials, { invalid_client: 1 });
});

test('client credentials returns an access token with the write scope and no refresh token', async () => {
	const tokens = await clientCredentialsToken(sb);
	assert.equal(typeof tokens.access_token, 'string');
	assert.equal(tokens.refresh_token, undefined);
	const claims = decodeJwt(tokens.access_token);
	assert.equal(claims.client_id, sb.ccClientId);
	assert.equal(claims.scope, 'https://scim.onk2.com/write');
});

test('an expired refresh token gets 400 invalid_grant (K2 after 30 days)', async () => {
	const short = await startSandbox({ quiet: true, refreshTokenTtl: 2 });
	try {
		const tokens = await signInWithPkce(short);
		assert.ok(tokens.refresh_token);
		await new Promise((r) => setTimeout(r, 3000));
		const res = await refreshRaw(short, tokens.refresh_token!);
		assert.equal(res.status, 400);
		assert.equal(res.body.error, 'invalid_grant');
	} finally {
		await short.stop();
	}
});
