// The credential refuses what cannot work before n8n signs in: its authorization and token URLs
// are n8n expressions over its own fields, resolved here the way n8n resolves them (n8n-workflow's
// expression engine as installed, defaults applied, the credential itself as $self). No request
// is made: the non-loopback host below is never contacted.
import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';

import { NodeHelpers } from 'n8n-workflow';
import type { ICredentialDataDecryptedObject, ICredentialType, INodeParameters, INodeTypes } from 'n8n-workflow';

import { K2ScimOAuth2Api } from '../../credentials/K2ScimOAuth2Api.credentials';
import { InMemoryCredentialsHelper } from '../harness/credentials-store';
import { OAuth2Api } from '../harness/oauth2-api.credential';

const TYPE = 'k2ScimOAuth2Api';
const credentialType = new K2ScimOAuth2Api();
const nodeTypes: INodeTypes = {
	getByName: () => undefined as never,
	getByNameAndVersion: () => undefined as never,
	getKnownTypes: () => ({}),
};
const helper = new InMemoryCredentialsHelper(
	new Map<string, ICredentialType>([
		['oAuth2Api', new OAuth2Api()],
		[TYPE, credentialType],
	]),
	nodeTypes,
);

const STORED = {
	grantType: 'pkce',
	authority: 'https://login.onk2.com/00000000-0000-0000-0000-000000000000',
	clientId: 'k2-client',
	scimBaseUrl: 'https://scim.onk2.com',
	scimToken: '3f2b8c1e-9a4d-4e7b-b6c2-0d1e2f3a4b5c',
};

let next = 0;
/** What n8n's Connect (and its token calls) would read from a credential saved with these fields. */
async function resolve(change: Record<string, string>): Promise<ICredentialDataDecryptedObject> {
	const details = helper.add({ id: `c${next++}`, name: 'K2 Prod', type: TYPE, data: { ...STORED, ...change } });
	return await helper.getDecrypted({} as never, details, TYPE);
}

/** n8n 2.x refuses an OAuth URL that `new URL` cannot read ("OAuth url is not a valid URL."); 1.x fails the same way ("Invalid URL"). */
function isUnusable(url: unknown): boolean {
	try {
		new URL(String(url));
		return false;
	} catch {
		return true;
	}
}

const REMOTE_HTTP = 'http://login.k2.example.test/00000000-0000-0000-0000-000000000000';

describe('the credential before sign-in', () => {
	test('https and loopback http Authorities give the Authority-derived URLs', async () => {
		for (const authority of [STORED.authority, 'http://127.0.0.1:9000/tenant', 'http://localhost:9000/tenant', 'http://[::1]:9000/tenant', 'HTTPS://LOGIN.ONK2.COM/t']) {
			const resolved = await resolve({ authority });
			assert.equal(resolved.authUrl, `${authority}/connect/authorize`, authority);
			assert.equal(resolved.accessTokenUrl, `${authority}/connect/token`, authority);
			assert.equal(resolved.scope, 'openid profile https://scim.onk2.com/write offline_access');
		}
	});

	test('an http:// Authority on another host makes both URLs unusable, and the text names the field', async () => {
		const lookAlikes = [REMOTE_HTTP, 'HTTP://login.k2.example.test/t', 'http://localhost.k2.example.test/t', 'http://localhost@k2.example.test/t', 'http://127.0.0.1.k2.example.test/t', 'ftp://login.k2.example.test/t', ''];
		for (const authority of lookAlikes) {
			const resolved = await resolve({ authority });
			for (const url of [resolved.authUrl, resolved.accessTokenUrl]) {
				assert.ok(isUnusable(url), `${authority}: ${String(url)}`);
				assert.match(String(url), /the Authority must start with https:\/\/ \(http:\/\/ only for localhost, 127\.0\.0\.0\/8 or \[::1\]\)/);
				assert.ok(!String(url).includes('k2.example.test'), 'the sentence does not repeat the URL');
			}
		}
	});

	test('an http:// Authorization URL or Access Token URL override on another host is refused by name', async () => {
		const authz = await resolve({ authorizationUrl: `${REMOTE_HTTP}/connect/authorize` });
		assert.ok(isUnusable(authz.authUrl));
		assert.match(String(authz.authUrl), /the Authorization URL must start with https:\/\//);
		assert.equal(authz.accessTokenUrl, `${STORED.authority}/connect/token`, 'the token URL does not use the authorization override');

		const token = await resolve({ tokenUrl: `${REMOTE_HTTP}/connect/token` });
		for (const url of [token.authUrl, token.accessTokenUrl]) {
			assert.ok(isUnusable(url));
			assert.match(String(url), /the Access Token URL must start with https:\/\//);
		}

		const overrides = await resolve({ authorizationUrl: ' https://other.onk2.com/authorize ', tokenUrl: 'http://127.0.0.1:9000/token' });
		assert.equal(overrides.authUrl, 'https://other.onk2.com/authorize');
		assert.equal(overrides.accessTokenUrl, 'http://127.0.0.1:9000/token');
	});

	test('a PKCE Scope without offline_access makes the authorization URL unusable, with the reason', async () => {
		for (const k2Scope of ['openid profile https://scim.onk2.com/write', 'https://scim.onk2.com/write offline_access_x']) {
			const resolved = await resolve({ k2Scope });
			assert.ok(isUnusable(resolved.authUrl), k2Scope);
			assert.match(String(resolved.authUrl), /the Scope must include offline_access \(without it K2 gives no refresh token and the sign-in ends after an hour\)/);
			assert.equal(resolved.accessTokenUrl, `${STORED.authority}/connect/token`, 'refreshing a connected credential is not blocked');
		}
		for (const k2Scope of ['openid https://scim.onk2.com/write offline_access', 'openid,https://scim.onk2.com/write,offline_access']) {
			const resolved = await resolve({ k2Scope });
			assert.equal(resolved.authUrl, `${STORED.authority}/connect/authorize`, k2Scope);
			assert.equal(resolved.scope, k2Scope);
		}
	});

	test('Client Credentials needs no offline_access', async () => {
		const resolved = await resolve({ grantType: 'clientCredentials', clientSecret: 's', k2Scope: 'https://scim.onk2.com/write' });
		assert.equal(resolved.accessTokenUrl, `${STORED.authority}/connect/token`);
		assert.equal(resolved.scope, 'https://scim.onk2.com/write');
		const defaulted = await resolve({ grantType: 'clientCredentials', clientSecret: 's' });
		assert.equal(defaulted.scope, 'https://scim.onk2.com/write');
	});
});

describe("the credential form's notices (n8n's displayOptions, as installed)", () => {
	const properties = credentialType.properties;
	const notice = (name: string) => properties.find((p) => p.name === name)!;
	/** Whether n8n's credential form shows the property for these field values (defaults filled in, as the form does). */
	function shown(name: string, change: Record<string, string>): boolean {
		const values = NodeHelpers.getNodeParameters(properties, { ...STORED, ...change } as INodeParameters, true, false, null, null) as INodeParameters;
		return NodeHelpers.displayParameter(values, notice(name), null, null);
	}

	test('the http:// Authority notice shows for an http:// Authority only', () => {
		assert.equal(shown('authorityHttpNotice', {}), false);
		assert.equal(shown('authorityHttpNotice', { authority: REMOTE_HTTP }), true);
		assert.equal(shown('authorityHttpNotice', { authority: '' }), false);
	});

	test('the offline_access notice shows for a PKCE Scope without it only', () => {
		assert.equal(shown('scopeOfflineAccessNotice', {}), false, 'empty Scope: K2 scope, which has it');
		assert.equal(shown('scopeOfflineAccessNotice', { k2Scope: 'openid https://scim.onk2.com/write' }), true);
		assert.equal(shown('scopeOfflineAccessNotice', { k2Scope: 'openid https://scim.onk2.com/write offline_access' }), false);
		assert.equal(shown('scopeOfflineAccessNotice', { grantType: 'clientCredentials', k2Scope: 'https://scim.onk2.com/write' }), false);
	});
});
