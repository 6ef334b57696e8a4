// n8n's own OAuth2 client (@n8n/client-oauth2, what n8n-core uses for PKCE credentials) against
// the sandbox: the authorization URL n8n builds (no prompt, no resource), the code exchange with
// client_id in the body and no secret, and a refresh that rotates the refresh token.
import { afterAll, beforeAll, test } from '@jest/globals';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ClientOAuth2 } from '@n8n/client-oauth2';
import { startSandbox, Sandbox } from '../../sandbox/index';
import { followAuthorization, decodeJwt } from '../support/oidc-login';

let sb: Sandbox;
beforeAll(async () => {
	sb = await startSandbox({ quiet: true });
});
afterAll(async () => {
	await sb.stop();
});

test("n8n's OAuth2 client signs in with PKCE, gets a refresh token without prompt=consent, and refreshes", async () => {
	const redirectUri = 'http://localhost:5678/rest/oauth2-credential/callback';
	const client = new ClientOAuth2({
		clientId: sb.pkceClientId,
		clientSecret: '',
		accessTokenUri: `${sb.authority}/connect/token`,
		authorizationUri: `${sb.authority}/connect/authorize`,
		redirectUri,
		scopes: sb.scope.split(' '),
		scopesSeparator: ' ',
	});
	const verifier = crypto.randomBytes(32).toString('base64url');
	const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
	const uri = client.code.getUri({ state: 'n8n-state', query: { code_challenge: challenge, code_challenge_method: 'S256' } });
	assert.ok(!uri.includes('prompt='));
	const callback = await followAuthorization(uri, redirectUri);
	const token = await client.code.getToken(callback.href, { state: 'n8n-state', body: { code_verifier: verifier } });
	assert.equal(typeof token.data.refresh_token, 'string');
	assert.ok(String(decodeJwt(token.accessToken).scope).includes('https://scim.onk2.com/write'));

	const refreshed = await token.refresh();
	assert.equal(typeof refreshed.data.access_token, 'string');
	assert.notEqual(refreshed.data.refresh_token, token.data.refresh_token);

	const res = await fetch(`${sb.scimBaseUrl}/tokens/${sb.scimToken}/scim/v2/Users`, {
		headers: { authorization: `Bearer ${refreshed.accessToken}` },
	});
	assert.equal(res.status, 200);
});
