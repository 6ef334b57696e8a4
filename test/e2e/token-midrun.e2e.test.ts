// End to end: the K2 access token expires in the middle of a run while several requests are in
// flight, in real n8n (2.8.4, or the line K2_E2E_N8N names; the package installed as a community package, the credential
// connected through n8n's own OAuth2 PKCE flow, read from n8n's database on every request).
// n8n refreshes on every 401 it sees and K2's refresh tokens are single use, so parallel
// refreshes would make all but one fail with invalid_grant; the transport sends the requests
// that met a 401 through the refresh one at a time. Here: 60 creates, 4 in flight, 2 s tokens,
// 200 ms per SCIM request: the run takes 3 s at least (15 rounds of 4), so the token, issued just
// before the run, expires after some users are created and before the last (at 100 ms the run
// took 2.0-2.5 s in real n8n and sometimes finished on the first token).
// Prerequisites (npm run test:e2e does them): node scripts/ensure-n8n.mjs && npm run build
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, jest, test } from '@jest/globals';
import { startSandbox, type Sandbox } from '../../sandbox';
import { followAuthorization } from '../support/oidc-login';
import { ScimClient } from '../support/scim-client';
import { startTokenProxy, type TokenProxy } from './support/token-proxy';
import { CREDENTIAL_TYPE, N8N_UNDER_TEST, N8n, NODE_TYPE, freePort, sandboxCredentialData, type WorkflowJson } from './support/n8n';

const ITEMS = 60;
const ACCESS_TOKEN_TTL_S = 2;
const LATENCY_MS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Manual trigger -> Code (60 items {u}) -> K2 SCIM User > Create (default Requests in Flight: 4). */
function createUsersWorkflow(credential: { id: string; name: string }): WorkflowJson {
	return {
		name: `e2e token expires mid-run ${randomUUID().slice(0, 8)}`,
		nodes: [
			{
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				name: 'Sixty People',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 0],
				parameters: {
					jsCode: `return Array.from({ length: ${ITEMS} }, (_, i) => ({ json: { u: 'midrun' + i + '@example.com' } }));`,
				},
			},
			{
				name: 'K2 SCIM',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [440, 0],
				// Fixed 4, as the suite's name says: Auto would climb and could finish before the token expires.
				parameters: { resource: 'user', operation: 'create', userName: '={{ $json.u }}', options: { requestsInFlightMode: 'fixed', requestsInFlight: 4 } },
				credentials: { [CREDENTIAL_TYPE]: credential },
			},
		],
		connections: {
			Start: { main: [[{ node: 'Sixty People', type: 'main', index: 0 }]] },
			'Sixty People': { main: [[{ node: 'K2 SCIM', type: 'main', index: 0 }]] },
		},
	};
}

jest.setTimeout(300_000);

describe(`in real ${N8N_UNDER_TEST.label}, the access token expires mid-run with 4 requests in flight`, () => {
	let sandbox: Sandbox;
	let n8n: N8n;
	let tokenProxy: TokenProxy;

	beforeAll(async () => {
		const port = await freePort();
		sandbox = await startSandbox({
			quiet: true,
			accessTokenTtl: ACCESS_TOKEN_TTL_S,
			latencyMs: LATENCY_MS,
			redirectUris: [`http://127.0.0.1:${port}/rest/oauth2-credential/callback`],
		});
		// The credential's Access Token URL goes through a recorder: every grant n8n sends, and K2's answer.
		tokenProxy = await startTokenProxy(`${sandbox.authority}/connect/token`);
		n8n = await N8n.start({ port, secrets: [sandbox.scimToken] });
		await n8n.setupOwner();
	});

	afterAll(async () => {
		await n8n?.stop();
		await tokenProxy?.stop();
		await sandbox?.stop();
	});

	test('one refresh per expiry serves every request: the run succeeds, 60 users, no invalid_grant', async () => {
		const credential = await n8n.createCredential('K2 sandbox (mid-run)', CREDENTIAL_TYPE, {
			...sandboxCredentialData(sandbox),
			tokenUrl: tokenProxy.url, // the "Access Token URL" override field
		});
		const saved = await n8n.createWorkflow(createUsersWorkflow(credential));
		const workflowData = await n8n.getWorkflow(saved.id);

		// Connect last, so the run starts on a fresh 2 s token and the token expires during the run.
		await n8n.connectOAuth2(credential.id, (url, redirectUri) => followAuthorization(url, redirectUri));
		assert.equal(tokenProxy.requests.filter((r) => r.grantType === 'authorization_code' && r.status === 200).length, 1);
		const grantsBefore = tokenProxy.requests.length;
		sandbox.resetStats();

		const started = Date.now();
		const executionId = await n8n.runManually(workflowData, 'Start');
		// While it runs: how many users had been created when each refresh reached K2.
		const createdAtRefresh: number[] = [];
		let execution: Awaited<ReturnType<N8n['waitForExecutionId']>> | undefined;
		const watching = (async () => {
			const deadline = Date.now() + 120_000;
			while (!execution && Date.now() < deadline) {
				const seen = tokenProxy.requests.slice(grantsBefore).filter((r) => r.grantType === 'refresh_token').length;
				while (createdAtRefresh.length < seen) createdAtRefresh.push(sandbox.stats().byStatus['201'] ?? 0);
				await sleep(20);
			}
		})();
		execution = await n8n.waitForExecutionId(executionId, 120_000);
		const durationMs = Date.now() - started;
		await watching;

		const grants = tokenProxy.requests.slice(grantsBefore);
		const refreshes = grants.filter((r) => r.grantType === 'refresh_token');
		const invalidGrants = grants.filter((r) => r.error === 'invalid_grant');
		const stats = sandbox.stats();
		const users = await new ScimClient(sandbox).listUsers();
		const userNames = users.map((u) => String(u.userName));
		const output = N8n.nodeOutput(execution, 'K2 SCIM');
		const error = N8n.executionError(execution);
		console.log(
			`# mid-run: execution ${execution.status} in ${durationMs} ms; ${refreshes.length} refresh_token grant(s) ` +
				`(${refreshes.filter((r) => r.status === 200).length} accepted), ${invalidGrants.length} invalid_grant; ` +
				`SCIM answers ${JSON.stringify(stats.byStatus)}; users created ${users.length}/${ITEMS} ` +
				`(refreshes came after ${JSON.stringify(createdAtRefresh)}); node output ${output.length} item(s)` +
				(error ? `; error: ${error}` : ''),
		);

		assert.equal(execution.status, 'success', error);
		// The token expired mid-run: some creates went through on the first token, then K2 refused
		// the expired one (401) and n8n refreshed it.
		assert.ok((stats.byStatus['401'] ?? 0) >= 1, `K2 refused an expired token: ${JSON.stringify(stats.byStatus)}`);
		assert.ok(refreshes.length >= 1, 'n8n sent a refresh_token grant during the run');
		assert.ok(
			createdAtRefresh.some((created) => created >= 1 && created < ITEMS),
			`a refresh came mid-run (users created before each refresh: ${JSON.stringify(createdAtRefresh)})`,
		);
		// One refresh per expiry, not one per request that met the 401: a refreshed token lives 2 s.
		const maxRefreshes = Math.floor(durationMs / (ACCESS_TOKEN_TTL_S * 1000)) + 1;
		assert.ok(refreshes.length <= maxRefreshes, `${refreshes.length} refreshes in ${durationMs} ms (at most ${maxRefreshes})`);
		assert.equal(invalidGrants.length, 0, 'K2 never answered invalid_grant (no spent refresh token was reused)');
		assert.ok(refreshes.every((r) => r.status === 200), JSON.stringify(refreshes.map((r) => r.error)));
		// Every item created its user, once.
		assert.equal(output.length, ITEMS);
		assert.ok(output.every((item) => !item.error), 'no item failed');
		const expected = Array.from({ length: ITEMS }, (_, i) => `midrun${i}@example.com`).sort();
		assert.deepEqual([...userNames].sort(), expected, 'the 60 users exist in K2, none twice');
		assert.equal(stats.byStatus['409'] ?? 0, 0, 'no create was sent twice');
		assert.equal(await n8n.isConnected(credential.id), true, 'the credential is still connected');
	});
});
