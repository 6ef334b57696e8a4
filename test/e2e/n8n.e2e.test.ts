// End to end: real n8n (2.8.4, or the line K2_E2E_N8N names) with this package installed as a community package, the K2
// sandbox on loopback, the credential connected through n8n's own OAuth2 PKCE flow, workflows
// run by n8n (production webhooks), and token life (refresh; expired refresh token).
// Prerequisites (npm run test:e2e does them): node scripts/ensure-n8n.mjs && npm run build
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, jest, test } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { startSandbox, type Sandbox } from '../../sandbox';
import { followAuthorization } from '../support/oidc-login';
import { ScimClient } from '../support/scim-client';
import { startTokenProxy, type TokenProxy } from './support/token-proxy';
import { CREDENTIAL_TYPE, N8N_UNDER_TEST, N8n, NODE_TYPE, PACKAGE_NAME, freePort, sandboxCredentialData, type WorkflowJson } from './support/n8n';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A webhook -> K2 SCIM (User > Get Many) workflow that answers with the node's output. */
function listUsersWorkflow(credential: { id: string; name: string }, webhookPath: string): WorkflowJson {
	return {
		name: `e2e list users ${webhookPath}`,
		nodes: [
			{
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'lastNode', responseData: 'allEntries', options: {} },
			},
			{
				name: 'K2 SCIM',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [240, 0],
				parameters: { resource: 'user', operation: 'getMany', returnAll: true },
				credentials: { [CREDENTIAL_TYPE]: credential },
			},
		],
		connections: { Webhook: { main: [[{ node: 'K2 SCIM', type: 'main', index: 0 }]] } },
	};
}

jest.setTimeout(300_000);

describe(`${N8N_UNDER_TEST.label} with n8n-nodes-k2-scim as a community package`, () => {
	let sandbox: Sandbox;
	let n8n: N8n;
	let tokenProxy: TokenProxy;
	let scim: ScimClient;
	/** Users read directly from the sandbox (a fresh client: its cached token lives only 2 s here). */
	const directUsers = () => new ScimClient(sandbox).listUsers();
	const seeded: string[] = [];
	let credential: { id: string; name: string };
	let workflow: { id: string; versionId: string };
	const webhookPath = `k2-e2e-list-${randomUUID().slice(0, 8)}`;

	const credentialData = () => sandboxCredentialData(sandbox);

	/** Run the list workflow through its production webhook; returns the response and the execution. */
	async function runList(wf: { id: string }, path: string) {
		const before = new Set((await n8n.listExecutions(wf.id)).map((e) => String(e.id)));
		const response = await n8n.callWebhook(path, {});
		const execution = await n8n.waitForExecution(wf.id, before);
		return { response, execution };
	}

	beforeAll(async () => {
		const port = await freePort();
		sandbox = await startSandbox({
			quiet: true,
			accessTokenTtl: 2,
			redirectUris: [`http://127.0.0.1:${port}/rest/oauth2-credential/callback`],
		});
		scim = new ScimClient(sandbox);
		// The main credential's Access Token URL goes through a recorder, to see what n8n sends.
		tokenProxy = await startTokenProxy(`${sandbox.authority}/connect/token`);
		n8n = await N8n.start({ port, secrets: [sandbox.scimToken] });
		n8n.addSecret(sandbox.scimToken);
		await n8n.setupOwner();
		for (const name of ['e2e.ada@example.com', 'e2e.grace@example.com', 'e2e.linus@example.com']) {
			await scim.createUser(name, { name: { givenName: name.split('.')[1], familyName: 'E2E' } });
			seeded.push(name);
		}
	});

	afterAll(async () => {
		await n8n?.stop();
		await tokenProxy?.stop();
		await sandbox?.stop();
	});

	test('n8n loads the package: node and credential types under their community names', async () => {
		assert.match(n8n.log(), new RegExp(`Loaded all credentials and nodes from ${PACKAGE_NAME}`), `see ${n8n.logFile}`);
		const nodes = await n8n.nodeTypes();
		const node = nodes.find((n) => n.name === NODE_TYPE);
		assert.ok(node, `${NODE_TYPE} is listed in /types/nodes.json`);
		// No "Custom API Call" (n8n's HTTP Request route could not put the SCIM token in the URL).
		const choices = node.properties
			.filter((p) => p.name === 'resource' || p.name === 'operation')
			.flatMap((p) => (p.options ?? []).map((o) => o.value));
		assert.ok(choices.includes('sync'), 'the operations are listed');
		assert.ok(!choices.includes('__CUSTOM_API_CALL__'), 'no Custom API Call option');
		const creds = await n8n.credentialTypes();
		const cred = creds.find((c) => c.name === CREDENTIAL_TYPE);
		assert.ok(cred, `${CREDENTIAL_TYPE} is listed in /types/credentials.json`);
		assert.deepEqual(cred.extends, ['oAuth2Api']);
	});

	test("the credential connects through n8n's own OAuth2 PKCE flow", async () => {
		credential = await n8n.createCredential('K2 sandbox (e2e)', CREDENTIAL_TYPE, {
			...credentialData(),
			tokenUrl: tokenProxy.url, // the "Access Token URL" override field
		});
		assert.equal(await n8n.isConnected(credential.id), false);
		const authUrl = await n8n.connectOAuth2(credential.id, (url, redirectUri) => followAuthorization(url, redirectUri));
		// n8n's authorization request: the sandbox tenant's /connect/authorize with a S256 challenge.
		assert.equal(`${authUrl.origin}${authUrl.pathname}`, `${sandbox.authority}/connect/authorize`);
		assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
		assert.match(authUrl.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
		assert.equal(authUrl.searchParams.get('client_id'), sandbox.pkceClientId);
		assert.equal(authUrl.searchParams.get('redirect_uri'), n8n.oauthRedirectUri);
		const scope = authUrl.searchParams.get('scope') ?? '';
		assert.deepEqual(scope.split(' ').sort(), sandbox.scope.split(' ').sort(), `n8n asked for scope "${scope}"`);
		// n8n's token request: the authorization code with the code_verifier matching that challenge,
		// as a public client (client_id, no secret); the sandbox (PKCE required) accepted it.
		const exchange = tokenProxy.requests.filter((r) => r.grantType === 'authorization_code');
		assert.equal(exchange.length, 1);
		assert.equal(exchange[0].status, 200, exchange[0].error);
		const verifier = exchange[0].codeVerifier ?? '';
		assert.ok(verifier.length >= 43, 'n8n sent a code_verifier');
		assert.equal(createHash('sha256').update(verifier).digest('base64url'), authUrl.searchParams.get('code_challenge'));
		assert.equal(exchange[0].clientId, sandbox.pkceClientId);
		// n8n stored the tokens:
		assert.equal(await n8n.isConnected(credential.id), true);
	});

	test('a workflow with the K2 SCIM node lists the users in K2 (production webhook)', async () => {
		assert.ok(credential, 'needs the connected credential');
		workflow = await n8n.createWorkflow(listUsersWorkflow(credential, webhookPath));
		await n8n.activateWorkflow(workflow.id, workflow.versionId);
		const { response, execution } = await runList(workflow, webhookPath);
		assert.equal(execution.status, 'success', N8n.executionError(execution));
		assert.equal(response.status, 200, response.text.slice(0, 500));
		const userNames = N8n.nodeOutput(execution, 'K2 SCIM').map((u) => u.userName);
		for (const name of seeded) assert.ok(userNames.includes(name), `${name} in ${JSON.stringify(userNames)}`);
		const direct = await directUsers();
		assert.equal(userNames.length, direct.length);
		assert.deepEqual(
			(response.body as any[]).map((u) => u.userName).sort(),
			[...userNames].sort(),
			'the webhook answers with the node output',
		);
	});

	test("after the access token expires, n8n refreshes it and the next run succeeds", async () => {
		assert.ok(workflow, 'needs the list workflow');
		await sleep(3_000); // the sandbox issued a 2 s access token
		sandbox.resetStats();
		const refreshesBefore = tokenProxy.requests.filter((r) => r.grantType === 'refresh_token').length;
		const { execution } = await runList(workflow, webhookPath);
		assert.equal(execution.status, 'success', N8n.executionError(execution));
		const stats = sandbox.stats();
		// The expired token was refused once, then the refreshed one accepted.
		assert.ok((stats.byStatus['401'] ?? 0) >= 1, `a 401 first: ${JSON.stringify(stats.byStatus)}`);
		assert.ok((stats.byStatus['200'] ?? 0) >= 1, `then 200: ${JSON.stringify(stats.byStatus)}`);
		// n8n refreshed with the stored refresh token, and K2 (the sandbox) accepted it.
		const refreshes = tokenProxy.requests.filter((r) => r.grantType === 'refresh_token').slice(refreshesBefore);
		assert.ok(refreshes.length >= 1, 'n8n sent a refresh_token grant');
		assert.ok(refreshes.every((r) => r.status === 200), JSON.stringify(refreshes.map((r) => r.error)));
		assert.equal(N8n.nodeOutput(execution, 'K2 SCIM').length, (await directUsers()).length);
		assert.equal(await n8n.isConnected(credential.id), true);
	});

	test('with an expired refresh token the execution fails and says to reconnect', async () => {
		sandbox.setTokenTtl({ accessTokenTtl: 1, refreshTokenTtl: 2 });
		try {
			const expiring = await n8n.createCredential('K2 sandbox (expiring)', CREDENTIAL_TYPE, credentialData());
			await n8n.connectOAuth2(expiring.id, (url, redirectUri) => followAuthorization(url, redirectUri));
			const path = `k2-e2e-expired-${randomUUID().slice(0, 8)}`;
			const wf = await n8n.createWorkflow(listUsersWorkflow(expiring, path));
			await n8n.activateWorkflow(wf.id, wf.versionId);
			await sleep(3_500); // both tokens are dead now
			const { response, execution } = await runList(wf, path);
			assert.equal(execution.status, 'error');
			const message = N8n.executionError(execution) ?? '';
			console.log(`# the failed execution says: ${message}`);
			// The package's own message on every n8n line (2.8 says EAUTH, 2.41 "needs to be reconnected"),
			// not a network error that sends the user to the SCIM Base URL.
			assert.ok(
				message.startsWith('The K2 sign-in of credential "K2 sandbox (expiring)" has expired: reconnect the credential'),
				message,
			);
			assert.doesNotMatch(message, /could not reach|SCIM Base URL|ENETWORK/i, message);
			assert.notEqual(response.status, 200);
			await n8n.deactivateWorkflow(wf.id);
		} finally {
			sandbox.setTokenTtl({ accessTokenTtl: 2, refreshTokenTtl: 30 * 24 * 3600 });
		}
	});
});
