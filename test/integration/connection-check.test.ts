import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { setTimeout as wait } from 'node:timers/promises';

import type { Sandbox } from '../../sandbox';
import { runNode } from '../harness/run-workflow';
import type { Harness } from '../harness/run-workflow';
import type { K2Fixture } from '../support/fixture';
import { startK2 } from '../support/fixture';
import { decodeJwt } from '../support/oidc-login';
import type { TokenSet } from '../support/oidc-login';
import { ScimClient } from '../support/scim-client';

const DAY_MS = 86_400_000;
/** The n8n-workflow n8n-core runs the node with here (2.8.0, as n8n 2.8.4 ships). */
const N8N_WORKFLOW_VERSION = JSON.parse(readFileSync(require.resolve('n8n-workflow/package.json'), 'utf8')).version as string;
const check = { resource: 'connection', operation: 'check' };

async function setup(accessTokenTtl?: number) {
	const k2 = await startK2({ accessTokenTtl });
	return { k2, sandbox: k2.sandbox, harness: k2.harness, tokens: k2.tokens as unknown as TokenSet };
}

function assertNoSecrets(output: unknown, secrets: unknown[]) {
	const text = JSON.stringify(output);
	for (const secret of secrets) {
		if (typeof secret === 'string' && secret) assert.ok(!text.includes(secret), 'no token in the output');
	}
}

describe('Connection: Check', () => {
	let sandbox: Sandbox;
	let k2: K2Fixture;
	let harness: Harness;
	let tokens: TokenSet;
	beforeAll(async () => {
		({ k2, sandbox, harness, tokens } = await setup());
		await new ScimClient(sandbox).createUser('ada@example.com');
	});
	afterAll(async () => {
		await k2?.stop();
	});

	test('reports the capabilities and when to sign in again, with no token in the output', async () => {
		sandbox.resetStats();
		const { output, error } = await runNode(harness, { parameters: check, credentialId: 'k2' });
		assert.equal(error, undefined);
		const json = output![0].json;
		assert.equal(json.ok, true);
		assert.equal(json.totalUsers, 1);
		assert.deepEqual(json.capabilities, {
			patch: true,
			filter: true,
			maxResults: 100,
			bulk: false,
			sort: false,
			changePassword: false,
			etag: false,
		});
		const authTime = Number(decodeJwt(tokens.access_token).auth_time);
		assert.ok(authTime > 0, 'the sandbox access token carries auth_time');
		assert.equal(json.signedInAt, new Date(authTime * 1000).toISOString());
		assert.equal(json.reconnectBy, new Date(authTime * 1000 + 30 * DAY_MS).toISOString());
		assert.ok(json.daysUntilReconnect === 29 || json.daysUntilReconnect === 30, String(json.daysUntilReconnect));
		assert.equal(json.refreshTokenAgeDays, 0, 'signed in moments ago');
		assert.equal(json.grantType, 'pkce');

		// n8n's default: expressions cannot read the environment, so the mode is not known: the rule, no warning.
		const platform = json.platform as Record<string, unknown>;
		assert.equal(platform.n8nWorkflowVersion, N8N_WORKFLOW_VERSION);
		assert.equal(platform.n8nVersion, N8N_WORKFLOW_VERSION.split('.').slice(0, 2).join('.'));
		assert.equal(platform.executionMode, null);
		assert.equal(platform.refreshAcrossWorkers, 'not coordinated');
		assert.match(String(platform.refreshNote), /If this n8n runs in queue mode with several workers, upgrade n8n to 2\.30 or later, or run a single worker/);
		assert.equal(json.warnings, undefined);

		const features = json.features as Record<string, unknown>;
		assert.equal(features.usersListGroups, null, 'no group with members: nothing to tell by');
		assert.equal(features.containsSearch, true);
		assert.deepEqual(features.filterOperators, { eq: true, and: true, or: true, co: true, sw: true });

		const routes = sandbox.stats().byRoute;
		assert.equal(routes['GET /ServiceProviderConfig'], 1);
		assert.equal(routes['GET /Users'], 6, 'the token check and one probe per filter operator the node uses');
		assert.equal(routes['GET /Groups'], 1);
		assert.equal(sandbox.stats().byMethod.GET, sandbox.stats().total, 'reads only');
		assertNoSecrets(output, [tokens.access_token, tokens.refresh_token, tokens.id_token, sandbox.scimToken]);
	});

	test('with env access allowed, tells queue mode and warns that n8n < 2.30 lets two workers spend the refresh token twice', async () => {
		const saved = { block: process.env.N8N_BLOCK_ENV_ACCESS_IN_NODE, mode: process.env.EXECUTIONS_MODE };
		const restore = (name: string, value: string | undefined) => (value === undefined ? delete process.env[name] : (process.env[name] = value));
		process.env.N8N_BLOCK_ENV_ACCESS_IN_NODE = 'false';
		try {
			process.env.EXECUTIONS_MODE = 'queue';
			const queue = (await runNode(harness, { parameters: check, credentialId: 'k2' })).output![0].json;
			assert.equal((queue.platform as Record<string, unknown>).executionMode, 'queue');
			assert.equal((queue.warnings as string[]).length, 1);
			assert.match((queue.warnings as string[])[0], /queue mode.*spend K2's one-time refresh token twice.*Upgrade n8n to 2\.30 or later, or run a single worker/);

			delete process.env.EXECUTIONS_MODE;
			const regular = (await runNode(harness, { parameters: check, credentialId: 'k2' })).output![0].json;
			assert.equal((regular.platform as Record<string, unknown>).executionMode, 'regular');
			assert.equal(regular.warnings, undefined);
		} finally {
			restore('N8N_BLOCK_ENV_ACCESS_IN_NODE', saved.block);
			restore('EXECUTIONS_MODE', saved.mode);
		}
	});

	test("tells whether K2 searches inside names and lists users' groups (the two features K2 does not document)", async () => {
		const scim = new ScimClient(sandbox);
		const ada = await scim.findUser('ada@example.com');
		await scim.createGroup('Probe Group', [ada.id]);
		const features = async () => {
			const { containsSearch, usersListGroups } = (await runNode(harness, { parameters: check, credentialId: 'k2' })).output![0].json.features as Record<string, unknown>;
			return { containsSearch, usersListGroups };
		};
		assert.deepEqual(await features(), { containsSearch: true, usersListGroups: true });

		sandbox.setFilterOperators(['eq', 'sw', 'and']);
		sandbox.setUsersListGroups(false);
		try {
			assert.deepEqual(await features(), { containsSearch: false, usersListGroups: false });
		} finally {
			sandbox.setFilterOperators(undefined);
			sandbox.setUsersListGroups(true);
		}
	});
});

describe('Connection: Check with an expired access token', () => {
	let sandbox: Sandbox;
	let k2: K2Fixture;
	let harness: Harness;
	let tokens: TokenSet;
	beforeAll(async () => ({ k2, sandbox, harness, tokens } = await setup(1)));
	afterAll(async () => {
		await k2?.stop();
	});

	test('n8n refreshes during the check and the output still carries no token', async () => {
		await wait(1500);
		const { output, error } = await runNode(harness, { parameters: check, credentialId: 'k2' });
		assert.equal(error, undefined);
		assert.equal(output![0].json.ok, true);
		const stored = harness.credentials.stored('k2').oauthTokenData as Record<string, string>;
		assert.notEqual(stored.access_token, tokens.access_token, 'the token was refreshed');
		// The sign-in time survives refreshes: the deadline is still counted from it.
		assert.equal(output![0].json.signedInAt, new Date(Number(decodeJwt(tokens.access_token).auth_time) * 1000).toISOString());
		assertNoSecrets(output, [tokens.access_token, tokens.refresh_token, stored.access_token, stored.refresh_token, sandbox.scimToken]);
	});
});

describe('Connection: Check with a wrong SCIM token', () => {
	let k2: K2Fixture;
	let harness: Harness;
	beforeAll(async () => {
		({ k2, harness } = await setup());
		const data = harness.credentials.stored('k2');
		harness.credentials.add({ id: 'bad', name: 'K2 bad', type: 'k2ScimOAuth2Api', data: { ...data, scimToken: '11111111-2222-3333-4444-555555555555' } });
	});
	afterAll(async () => {
		await k2?.stop();
	});

	test('fails with an actionable message that does not contain the token', async () => {
		const { output, error } = await runNode(harness, { parameters: check, credentialId: 'bad' });
		assert.equal(output, undefined);
		assert.match(error!.message, /SCIM token/i);
		assert.ok(!JSON.stringify({ m: error!.message, d: error!.description }).includes('11111111-2222-3333-4444-555555555555'));
	});
});
