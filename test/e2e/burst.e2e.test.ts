// End to end, in real n8n 2.8.4: an HR system fires a burst of webhooks, each its own n8n
// execution, all sharing one K2 credential, just after its access token expired. K2's refresh
// tokens are single use: exactly one execution may refresh, the others must use the token it
// saved. The sandbox counts every grant its IdentityToken service answers (idpStats). Three bursts
// with the sandbox refusing a reused refresh token (K2's behaviour), three more with it revoking
// the whole grant on reuse (the strict reading of the OAuth security BCP, which kills the
// credential on the first double use). Then a sign-in that really expired: every execution must
// fail with the reconnect message naming the credential, and nothing else.
// Prerequisites (npm run test:e2e does them): node scripts/ensure-n8n.mjs && npm run build
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, jest, test } from '@jest/globals';
import { startSandbox, type RefreshReuse, type Sandbox } from '../../sandbox';
import { followAuthorization } from '../support/oidc-login';
import { ScimClient } from '../support/scim-client';
import { CREDENTIAL_TYPE, N8n, freePort, sandboxCredentialData } from './support/n8n';
import { createOrUpdateWebhook, syncWorkflow } from './support/workflows';

const BURST = 20;
const BURSTS = 3;
// exp has whole-second precision: a 4 s token lives 3-4 s; waiting 4.5 s after it was issued makes
// sure every execution of the burst meets an expired one.
const ACCESS_TOKEN_TTL_S = 4;
const EXPIRED_AFTER_MS = 4500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RECONNECT = /sign-in of credential .* has expired|needs to be reconnected/;

interface BurstResult {
	statuses: number[];
	executions: Array<{ id: string; status: string; data: any }>;
	errors: string[];
	idp: ReturnType<Sandbox['idpStats']>;
	scim401: number;
	durationMs: number;
}

jest.setTimeout(400_000);

describe('in real n8n, bursts of 20 webhook executions share one K2 credential at token expiry', () => {
	let sandbox: Sandbox;
	let n8n: N8n;
	let credential: { id: string; name: string };
	let workflowId: string;
	const seen = new Map<string, Set<string>>();
	/** The executions of a workflow already looked at. */
	const seenFor = (wfId: string) => {
		if (!seen.has(wfId)) seen.set(wfId, new Set());
		return seen.get(wfId)!;
	};

	/** 20 concurrent webhook calls; waits for their 20 executions. */
	async function burst(webhookPath: string, wfId: string, label: string, resetStats = true): Promise<BurstResult> {
		const after = seenFor(wfId);
		if (resetStats) sandbox.resetStats();
		const started = Date.now();
		const responses = await Promise.all(
			Array.from({ length: BURST }, (_, i) =>
				n8n.callWebhook(webhookPath, { userName: `${label}-${i}@example.com`, department: label }),
			),
		);
		const executions = await n8n.waitForExecutions(wfId, after, BURST);
		const durationMs = Date.now() - started;
		const errors = executions.map((e) => N8n.executionError(e)).filter((e): e is string => e !== undefined);
		return {
			statuses: responses.map((r) => r.status),
			executions,
			errors,
			idp: sandbox.idpStats(),
			scim401: sandbox.stats().byStatus['401'] ?? 0,
			durationMs,
		};
	}

	function report(label: string, r: BurstResult): void {
		const failed = r.executions.filter((e) => e.status !== 'success').length;
		console.log(
			`# ${label}: ${BURST} executions in ${r.durationMs} ms, ${failed} failed ` +
				`(${r.errors.filter((e) => RECONNECT.test(e)).length} with the reconnect message); ` +
				`refresh grants ok ${r.idp.refreshOk}, invalid_grant ${r.idp.invalidGrant}, grants revoked ${r.idp.grantsRevoked}; ` +
				`SCIM 401s ${r.scim401}; webhook answers ${JSON.stringify(countOf(r.statuses))}` +
				(r.errors[0] ? `; first error: ${r.errors[0]}` : ''),
		);
	}

	beforeAll(async () => {
		const port = await freePort();
		sandbox = await startSandbox({
			quiet: true,
			accessTokenTtl: ACCESS_TOKEN_TTL_S,
			latencyMs: 30,
			redirectUris: [`http://127.0.0.1:${port}/rest/oauth2-credential/callback`],
		});
		n8n = await N8n.start({ port, secrets: [sandbox.scimToken] });
		await n8n.setupOwner();
		credential = await n8n.createCredential('K2 HR burst', CREDENTIAL_TYPE, sandboxCredentialData(sandbox));
		const wf = await n8n.createWorkflow(createOrUpdateWebhook('k2/burst', credential));
		await n8n.activateWorkflow(wf.id, wf.versionId);
		workflowId = wf.id;
		await n8n.connectOAuth2(credential.id, (url, redirectUri) => followAuthorization(url, redirectUri));
	});

	afterAll(async () => {
		await n8n?.stop();
		await sandbox?.stop();
	});

	for (const mode of ['refuse', 'revoke'] as RefreshReuse[]) {
		test(`${BURSTS} bursts just after the access token expired, sandbox '${mode}' on refresh-token reuse: no execution fails`, async () => {
			sandbox.setRefreshReuse(mode);
			for (let b = 1; b <= BURSTS; b++) {
				// The last refresh (or the sign-in) was at most a burst ago: wait until that token expired.
				await sleep(EXPIRED_AFTER_MS);
				const label = `${mode}${b}`;
				const r = await burst('k2/burst', workflowId, label);
				report(`${mode} burst ${b}`, r);
				assert.ok(r.scim401 >= 1, `burst ${b}: K2 refused the expired access token`);
				assert.deepEqual(r.errors, [], `burst ${b}: no execution failed`);
				assert.ok(r.executions.every((e) => e.status === 'success'));
				assert.deepEqual(r.statuses, Array(BURST).fill(200), `burst ${b}: every webhook answered 200`);
				assert.equal(r.idp.invalidGrant, 0, `burst ${b}: no spent refresh token was sent again`);
				assert.equal(r.idp.grantsRevoked, 0, `burst ${b}: the grant is alive`);
				// One refresh per expiry: a refreshed token lives 3-4 s.
				const most = Math.floor(r.durationMs / ((ACCESS_TOKEN_TTL_S - 1) * 1000)) + 1;
				assert.ok(r.idp.refreshOk >= 1 && r.idp.refreshOk <= most, `burst ${b}: ${r.idp.refreshOk} refreshes in ${r.durationMs} ms (1..${most})`);
				const users = await new ScimClient(sandbox).listUsers();
				assert.equal(users.filter((u) => String(u.userName).startsWith(`${label}-`)).length, BURST, `burst ${b}: 20 users, none twice`);
			}
			// The credential still works afterwards: connected, and a call after the next expiry refreshes fine.
			assert.equal(await n8n.isConnected(credential.id), true);
			await sleep(EXPIRED_AFTER_MS);
			sandbox.resetStats();
			const after = seenFor(workflowId);
			const response = await n8n.callWebhook('k2/burst', { userName: `${mode}-after@example.com`, department: 'after' });
			const [execution] = await n8n.waitForExecutions(workflowId, after, 1);
			assert.equal(execution.status, 'success', N8n.executionError(execution));
			assert.equal(response.status, 200);
			assert.equal(sandbox.idpStats().refreshOk, 1);
		});
	}

	test('a nightly Sync running across the token expiry while a burst arrives: all succeed, no refresh token reused', async () => {
		sandbox.setRefreshReuse('revoke');
		sandbox.setLatency(60);
		const SYNC_USERS = 200;
		// Fixed 4, so that the Sync is still writing when the burst comes (Auto could be done by then).
		const sync = await n8n.createWorkflow(syncWorkflow(SYNC_USERS, 'nightly-sync', credential, { requestsInFlightMode: 'fixed', requestsInFlight: 4 }));
		const syncData = await n8n.getWorkflow(sync.id);
		// A refresh now, at a known time: the token it gives expires 3-4 s later.
		await sleep(EXPIRED_AFTER_MS);
		const after = seenFor(workflowId);
		await n8n.callWebhook('k2/burst', { userName: 'nightly-before@example.com', department: 'before' });
		await n8n.waitForExecutions(workflowId, after, 1);
		const refreshedAt = Date.now();
		// The Sync (200 writes, 4 in flight, 60 ms each: about 3.5 s) starts 1.5 s later and runs
		// across the expiry; the burst arrives just after the expiry, while the Sync is writing.
		await sleep(1500);
		sandbox.resetStats();
		const syncStarted = Date.now();
		const executionId = await n8n.runManually(syncData, 'Start');
		await sleep(Math.max(0, refreshedAt + ACCESS_TOKEN_TTL_S * 1000 + 200 - Date.now()));
		const r = await burst('k2/burst', workflowId, 'nightly', false);
		const execution = await n8n.waitForExecutionId(executionId, 120_000);
		const syncMs = Date.now() - syncStarted;
		sandbox.setLatency(30);
		const summary = N8n.nodeOutput(execution, 'K2 SCIM Sync')[0];
		const idp = sandbox.idpStats();
		report('burst during a nightly Sync', r);
		console.log(
			`# nightly Sync: ${execution.status} in ${syncMs} ms, counts ${JSON.stringify(summary?.counts)}; ` +
				`refresh grants (Sync and burst) ok ${idp.refreshOk}, invalid_grant ${idp.invalidGrant}, grants revoked ${idp.grantsRevoked}`,
		);
		assert.equal(execution.status, 'success', N8n.executionError(execution));
		assert.deepEqual(summary?.counts, { created: SYNC_USERS });
		assert.deepEqual(summary?.errors, []);
		assert.deepEqual(r.errors, [], 'no burst execution failed');
		assert.ok(r.scim401 >= 1, 'the token expired while they ran');
		assert.equal(idp.invalidGrant, 0);
		assert.equal(idp.grantsRevoked, 0);
		const most = Math.floor(syncMs / ((ACCESS_TOKEN_TTL_S - 1) * 1000)) + 1;
		assert.ok(idp.refreshOk >= 1 && idp.refreshOk <= most, `${idp.refreshOk} refreshes in ${syncMs} ms (1..${most})`);
		assert.equal(await n8n.isConnected(credential.id), true);
	});

	test('the sign-in really expired: every execution of the burst fails with the reconnect message naming the credential', async () => {
		// A second credential whose refresh token lives 3 s (K2: 30 days), connected now.
		sandbox.setRefreshReuse('refuse');
		sandbox.setTokenTtl({ accessTokenTtl: 2, refreshTokenTtl: 3 });
		const expiring = await n8n.createCredential('K2 expiring sign-in', CREDENTIAL_TYPE, sandboxCredentialData(sandbox));
		const wf = await n8n.createWorkflow(createOrUpdateWebhook('k2/burst-expired', expiring));
		await n8n.activateWorkflow(wf.id, wf.versionId);
		await n8n.connectOAuth2(expiring.id, (url, redirectUri) => followAuthorization(url, redirectUri));
		sandbox.setTokenTtl({ accessTokenTtl: ACCESS_TOKEN_TTL_S, refreshTokenTtl: 30 * 24 * 3600 });
		await sleep(3500);

		const r = await burst('k2/burst-expired', wf.id, 'expired');
		report('expired sign-in burst', r);
		assert.equal(r.executions.length, BURST);
		assert.ok(r.executions.every((e) => e.status === 'error'), 'every execution failed');
		for (const error of r.errors) {
			assert.match(error, /^The K2 sign-in of credential "K2 expiring sign-in" has expired: reconnect the credential — /);
			assert.match(error, /open the credential "K2 expiring sign-in"/);
		}
		assert.equal(r.errors.length, BURST, 'each failed with that message, none with anything else');
		assert.equal(r.idp.refreshOk, 0);
		assert.equal(r.idp.invalidGrant, 1, 'K2 was asked once; the executions waiting behind did not ask again');
		const users = await new ScimClient(sandbox).listUsers();
		assert.equal(users.filter((u) => String(u.userName).startsWith('expired-')).length, 0);
	});
});

function countOf(values: number[]): Record<string, number> {
	const out: Record<string, number> = {};
	for (const v of values) out[v] = (out[v] ?? 0) + 1;
	return out;
}
