// End to end: real n8n (2.8.4, or the line K2_E2E_N8N names) asked for the authorization URL of
// a K2 credential — what the credential's Connect button does (GET /rest/oauth2-credential/auth).
// A credential that cannot work is refused there, before any browser is sent anywhere: an http://
// Authority or URL override on a non-loopback host, and a PKCE Scope without offline_access.
// Building the authorization URL contacts nobody, so the host names below are never looked up.
// Prerequisites (npm run test:e2e does them): node scripts/ensure-n8n.mjs && npm run build
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, jest, test } from '@jest/globals';
import { CREDENTIAL_TYPE, HttpError, N8N_UNDER_TEST, N8n } from './support/n8n';

const TENANT = '00000000-0000-0000-0000-000000000000';
const BASE = {
	grantType: 'pkce',
	clientId: 'k2-e2e-client',
	clientSecret: '',
	scimBaseUrl: 'https://scim.onk2.com',
	scimToken: '3f2b8c1e-9a4d-4e7b-b6c2-0d1e2f3a4b5c',
};
// n8n 2.x validates the OAuth URLs itself ("OAuth url is not a valid URL.", 400); 1.x fails when
// its OAuth2 client parses the URL ("Invalid URL"). Either way the editor shows it as
// "OAuth Authorization Error" and opens no window.
const REFUSED = /OAuth url is not a valid URL|Invalid URL/;

jest.setTimeout(180_000);

describe(`${N8N_UNDER_TEST.label}: the K2 credential's Connect`, () => {
	let n8n: N8n;

	beforeAll(async () => {
		n8n = await N8n.start();
		await n8n.setupOwner();
	});

	afterAll(async () => {
		await n8n?.stop();
	});

	async function authUrlFor(name: string, data: Record<string, unknown>): Promise<{ url?: URL; error?: HttpError }> {
		const credential = await n8n.createCredential(name, CREDENTIAL_TYPE, { ...BASE, ...data });
		try {
			return { url: new URL(await n8n.oauth2AuthUrl(credential.id)) };
		} catch (error) {
			if (error instanceof HttpError) return { error };
			throw error;
		}
	}

	test('https and loopback http Authorities get their authorization URL, with offline_access', async () => {
		for (const authority of [`https://login.k2.example.test/${TENANT}`, `http://127.0.0.1:9/${TENANT}`, `http://localhost:9/${TENANT}`]) {
			const { url, error } = await authUrlFor(`K2 ${authority}`, { authority });
			assert.ok(url, `${authority}: ${error?.message}`);
			assert.equal(`${url.origin}${url.pathname}`, `${authority}/connect/authorize`);
			assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
			assert.ok((url.searchParams.get('scope') ?? '').split(' ').includes('offline_access'));
		}
	});

	test('an http:// Authority on another host is refused before sign-in', async () => {
		const { url, error } = await authUrlFor('K2 http remote', { authority: `http://login.k2.example.test/${TENANT}` });
		assert.equal(url, undefined, `n8n built ${url?.href}`);
		console.log(`n8n answered: ${error!.message}`);
		assert.match(error!.body, REFUSED, error!.message);
		assert.ok(error!.status >= 400, error!.message);
	});

	test('an http:// Authorization URL or Access Token URL override on another host is refused before sign-in', async () => {
		const authority = `https://login.k2.example.test/${TENANT}`;
		for (const override of [
			{ authorizationUrl: `http://login.k2.example.test/${TENANT}/connect/authorize` },
			{ tokenUrl: `http://login.k2.example.test/${TENANT}/connect/token` },
		]) {
			const { url, error } = await authUrlFor(`K2 ${Object.keys(override)[0]}`, { authority, ...override });
			assert.equal(url, undefined, `n8n built ${url?.href}`);
			assert.match(error!.body, REFUSED, error!.message);
		}
	});

	test('a PKCE Scope without offline_access is refused before sign-in; with it, it is used', async () => {
		const authority = `https://login.k2.example.test/${TENANT}`;
		const refused = await authUrlFor('K2 no offline_access', { authority, k2Scope: 'openid profile https://scim.onk2.com/write' });
		assert.equal(refused.url, undefined, `n8n built ${refused.url?.href}`);
		assert.match(refused.error!.body, REFUSED, refused.error!.message);

		const scope = 'openid https://scim.onk2.com/write offline_access';
		const { url, error } = await authUrlFor('K2 custom scope', { authority, k2Scope: scope });
		assert.ok(url, error?.message);
		assert.equal(url.searchParams.get('scope'), scope);
	});

	// Skipped on n8n 1.x, which does not log it.
	(N8N_UNDER_TEST.major < 2 ? test.skip : test)("n8n's log keeps the credential's reason (n8n 2.x logs the refused URL)", () => {
		// n8n's console format spaces out colons ("https: //"): compare the words only.
		const log = n8n.log();
		for (const reason of [
			'the Authority must start with https',
			'the Authorization URL must start with https',
			'the Access Token URL must start with https',
			'the Scope must include offline_access',
		]) {
			assert.ok(log.includes(reason), `${reason} (see ${n8n.logFile})`);
		}
	});
});
