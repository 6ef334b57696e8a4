import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';

import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { createHarness, k2Credential, runNode } from '../harness/run-workflow';
import type { Harness } from '../harness/run-workflow';
import { signInWithPkce } from '../support/oidc-login';
import { ScimClient } from '../support/scim-client';

const listAllUsers = { resource: 'user', operation: 'getMany', returnAll: true };

async function connectedCredential(harness: Harness, sandbox: Sandbox, id: string, name: string) {
	const tokens = await signInWithPkce(sandbox);
	harness.credentials.add({
		id,
		name,
		type: 'k2ScimOAuth2Api',
		data: k2Credential({
			authority: sandbox.authority,
			clientId: sandbox.pkceClientId,
			scimBaseUrl: sandbox.scimBaseUrl,
			scimToken: sandbox.scimToken,
			oauthTokenData: tokens as Record<string, unknown>,
		}),
	});
	return tokens;
}

function dataDir() {
	return mkdtempSync(path.join(tmpdir(), 'k2-token-life-'));
}

describe('the node lists users through n8n with a K2 PKCE sign-in', () => {
	let sandbox: Sandbox;
	let harness: Harness;
	before(async () => {
		sandbox = await startSandbox({ dataDir: dataDir(), accessTokenTtl: 2, quiet: true });
		harness = await createHarness();
		const scim = new ScimClient(sandbox);
		for (const name of ['ada', 'grace', 'linus']) await scim.createUser(`${name}@example.com`);
	});
	after(async () => sandbox?.stop());

	test('n8n loads the package types a community install gets', () => {
		assert.deepEqual(harness.loadedNodeTypes, ['n8n-nodes-k2-scim.k2Scim']);
		assert.deepEqual(harness.loadedCredentialTypes, ['k2ScimOAuth2Api']);
	});

	test('lists the users with a valid access token, without refreshing', async () => {
		await connectedCredential(harness, sandbox, 'valid', 'K2 valid');
		const saved = harness.credentials.savedTokens.length;
		const { output, error } = await runNode(harness, { parameters: listAllUsers, credentialId: 'valid' });
		assert.equal(error, undefined);
		assert.deepEqual(
			output!.map((item) => item.json.userName).sort(),
			['ada@example.com', 'grace@example.com', 'linus@example.com'],
		);
		assert.ok(output!.every((item) => (item.pairedItem as { item: number }).item === 0));
		assert.equal(harness.credentials.savedTokens.length, saved);
	});

	test('with an expired access token n8n refreshes, retries, and stores the rotated refresh token', async () => {
		const tokens = await connectedCredential(harness, sandbox, 'expiring', 'K2 expiring');
		await wait(2500);
		const saved = harness.credentials.savedTokens.length;
		const { output, error } = await runNode(harness, { parameters: listAllUsers, credentialId: 'expiring' });
		assert.equal(error, undefined);
		assert.equal(output!.length, 3);
		assert.equal(harness.credentials.savedTokens.length, saved + 1);
		const stored = harness.credentials.stored('expiring').oauthTokenData as Record<string, string>;
		assert.notEqual(stored.access_token, tokens.access_token);
		assert.ok(stored.refresh_token, 'a rotated refresh token is stored');
		assert.notEqual(stored.refresh_token, tokens.refresh_token);
	});
});

describe('when the K2 refresh token has expired', () => {
	let sandbox: Sandbox;
	let harness: Harness;
	before(async () => {
		sandbox = await startSandbox({ dataDir: dataDir(), accessTokenTtl: 1, refreshTokenTtl: 2, quiet: true });
		harness = await createHarness();
	});
	after(async () => sandbox?.stop());

	test('the node fails with a reconnect message that leaks no token', async () => {
		const tokens = await connectedCredential(harness, sandbox, 'stale', 'K2 Production');
		await wait(3000);
		const { output, error } = await runNode(harness, { parameters: listAllUsers, credentialId: 'stale' });
		assert.equal(output, undefined);
		assert.ok(error, 'the run fails');
		assert.match(error.message, /K2 sign-in of credential "K2 Production" has expired/);
		assert.match(error.message, /reconnect/i);
		assert.match(String(error.description), /30 days/);
		assert.match(String(error.description), /open the credential "K2 Production"/i);
		const everything = JSON.stringify(error) + String(error.message) + String(error.description) + String(error.stack);
		for (const secret of [tokens.access_token, tokens.refresh_token, sandbox.scimToken]) {
			assert.ok(!everything.includes(String(secret)), 'no token or SCIM token in the error');
		}
	});
});
