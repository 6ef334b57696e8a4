// `npm start`: the working environment on one machine. The K2 sandbox (IdP on 7601, SCIM on
// 7602, data in .sandbox-data), real n8n on 5678 (user folder .n8n-home, kept across runs) with
// this package installed as a community package, an owner account, the "K2 sandbox" credential
// connected through n8n's own OAuth2 PKCE flow, and the workflows in examples/ imported.
// Ctrl-C stops everything; the sandbox flushes its data first.
// `npm start -- --queue [--workers N] [--webhook-processor]`: the same, in n8n's queue mode — Redis and
// PostgreSQL 15 (Debian's packages, installed by scripts/ensure-queue-infra.sh when missing) on free
// loopback ports with data in .queue-data/start (start-<line> for a non-default line), a main
// `n8n start` on 5678, N `n8n worker` processes (default 2) and optionally an `n8n webhook`
// process, each with the package installed, on the same n8n line as plain `npm start`.
// (npm start runs `npm run build` before this.) Which n8n: scripts/start-options.ts (--n8n <line>).
import { N8N_HOME, QUEUE_HOME } from './start-options';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox';
import { followAuthorization } from '../test/support/oidc-login';
import { CREDENTIAL_TYPE, N8n, NODE_TYPE, ROOT, sandboxCredentialData, type WorkflowJson } from '../test/e2e/support/n8n';
import { QUEUE_DATA, startQueueCluster, type QueueCluster } from '../test/e2e/support/queue';

const N8N_PORT = Number(process.env.N8N_PORT ?? 5678);
const IDP_PORT = Number(process.env.K2_IDP_PORT ?? 7601);
const SCIM_PORT = Number(process.env.K2_SCIM_PORT ?? 7602);
/** Queue mode's webhook processor (--webhook-processor): production webhooks at <this port>/webhook/... */
const WEBHOOK_PORT = Number(process.env.N8N_WEBHOOK_PORT ?? N8N_PORT + 2);
const CREDENTIAL_NAME = 'K2 sandbox';
/** Queue mode's database, user folders and logs, kept across runs like .n8n-home (one per n8n line). */
const QUEUE_DIR = path.join(QUEUE_DATA, QUEUE_HOME);
const verbose = process.argv.includes('--verbose');
const queue = process.argv.includes('--queue');
const webhookProcessor = process.argv.includes('--webhook-processor');
const workersArg = process.argv.indexOf('--workers');
const WORKERS = workersArg > 0 ? Number(process.argv[workersArg + 1]) : 2;
if (!Number.isInteger(WORKERS) || WORKERS < 1 || WORKERS > 16) {
	console.error(`--workers needs a whole number from 1 to 16 (got ${process.argv[workersArg + 1]})`);
	process.exit(2);
}
if (!queue && (workersArg > 0 || webhookProcessor)) {
	console.error('--workers and --webhook-processor need --queue: npm start -- --queue --workers 2 --webhook-processor');
	process.exit(2);
}

async function ensureCredential(n8n: N8n, sandbox: Sandbox): Promise<{ id: string; name: string }> {
	const data = sandboxCredentialData(sandbox);
	const existing = (await n8n.listCredentials()).find((c) => c.type === CREDENTIAL_TYPE && c.name === CREDENTIAL_NAME);
	// An existing credential gets this run's sandbox URLs: the ports may have changed since.
	if (existing) await n8n.updateCredential(existing.id, CREDENTIAL_NAME, CREDENTIAL_TYPE, data);
	const credential = existing ?? (await n8n.createCredential(CREDENTIAL_NAME, CREDENTIAL_TYPE, data));
	// Sign in again on every start: fresh tokens, whatever happened while everything was stopped.
	await n8n.connectOAuth2(credential.id, (url, redirectUri) => followAuthorization(url, redirectUri));
	return { id: credential.id, name: credential.name };
}

async function importExamples(n8n: N8n, credential: { id: string; name: string }): Promise<string[]> {
	const dir = path.join(ROOT, 'examples');
	if (!existsSync(dir)) return [];
	const present = new Set((await n8n.listWorkflows()).map((w) => w.name));
	const imported: string[] = [];
	for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
		const workflow = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as WorkflowJson;
		if (present.has(workflow.name)) continue;
		for (const node of workflow.nodes) {
			// Point every K2 node at this instance's credential, whatever the file references.
			if (node.type === NODE_TYPE || node.credentials?.[CREDENTIAL_TYPE]) {
				node.credentials = { ...node.credentials, [CREDENTIAL_TYPE]: credential };
			}
		}
		const { id: _id, active: _active, versionId: _v, ...body } = workflow as WorkflowJson & { id?: string; active?: boolean; versionId?: string };
		await n8n.createWorkflow(body as WorkflowJson);
		imported.push(workflow.name);
	}
	return imported;
}

async function main(): Promise<void> {
	const t0 = Date.now();
	let sandbox: Sandbox | undefined;
	let n8n: N8n | undefined;
	let cluster: QueueCluster | undefined;
	let stopping: Promise<void> | undefined;
	const stop = (code: number) =>
		(stopping ??= (async () => {
			console.log(queue ? `\nStopping ${webhookProcessor ? 'the webhook processor, ' : ''}the workers, main, Redis, PostgreSQL and the sandbox...` : '\nStopping n8n and the sandbox...');
			await cluster?.stop().catch((e) => console.error(`queue mode: ${e.message}`));
			if (!cluster) await n8n?.stop().catch((e) => console.error(`n8n: ${e.message}`));
			await sandbox?.stop().catch((e) => console.error(`sandbox: ${e.message}`));
			console.log(
				queue
					? `Stopped. Sandbox data is in .sandbox-data, n8n's database and user folders in ${path.relative(ROOT, QUEUE_DIR)}.`
					: `Stopped. Sandbox data is in .sandbox-data, n8n data in ${N8N_HOME}.`,
			);
			process.exit(code);
		})());
	process.on('SIGINT', () => void stop(0));
	process.on('SIGTERM', () => void stop(0));

	try {
		sandbox = await startSandbox({
			idpPort: IDP_PORT,
			scimPort: SCIM_PORT,
			dataDir: path.join(ROOT, '.sandbox-data'),
			// n8n's OAuth2 callback on this run's port (5678's is registered anyway).
			redirectUris: [`http://127.0.0.1:${N8N_PORT}/rest/oauth2-credential/callback`],
			quiet: !verbose,
		});
		console.log(`K2 sandbox: authority ${sandbox.authority}, SCIM ${sandbox.scimBaseUrl}`);
		if (queue) {
			console.log(`Starting queue mode: Redis, PostgreSQL, n8n main, ${WORKERS} worker(s)${webhookProcessor ? ', a webhook processor' : ''} (about 20 s)...`);
			cluster = await startQueueCluster({
				port: N8N_PORT,
				workers: WORKERS,
				webhookProcessor,
				webhookPort: WEBHOOK_PORT,
				dir: QUEUE_DIR,
				removeOnStop: false,
				secrets: [sandbox.scimToken],
				echo: verbose,
				mainLogLevel: verbose ? 'debug' : 'info',
			});
			n8n = cluster.main;
		} else {
			console.log('Starting n8n (about 10 s)...');
			n8n = await N8n.start({
				port: N8N_PORT,
				userFolder: path.join(ROOT, N8N_HOME),
				logFile: path.join(ROOT, N8N_HOME, 'n8n.log'),
				echo: verbose,
				env: { N8N_LOG_LEVEL: verbose ? 'debug' : 'info' },
			});
		}
		n8n.addSecret(sandbox.scimToken);
		const owner = await n8n.setupOwner();
		const credential = await ensureCredential(n8n, sandbox);
		const imported = await importExamples(n8n, credential);

		console.log('');
		console.log(`n8n is ready (${Math.round((Date.now() - t0) / 1000)} s): ${n8n.baseUrl}${queue ? ' (queue mode)' : ''}`);
		console.log(`  sign in: ${owner.email} / ${owner.password}`);
		console.log(`  credential "${credential.name}" (${CREDENTIAL_TYPE}) connected through n8n's OAuth2 PKCE flow`);
		console.log(`  example workflows imported now: ${imported.length ? imported.join(', ') : 'none new'}`);
		console.log(`  K2 sandbox: authority ${sandbox.authority}`);
		console.log(`              SCIM base URL ${sandbox.scimBaseUrl} (the SCIM token is in the credential)`);
		console.log(`              client id ${sandbox.pkceClientId}, redirect URI ${n8n.oauthRedirectUri}`);
		if (cluster) {
			console.log('  processes (every one has n8n-nodes-k2-scim installed in its user folder):');
			for (const line of cluster.describe()) console.log(`    ${line}`);
			console.log('  executions (webhooks, "Execute workflow" too) run on the workers; each worker logs "Worker started execution <id>"');
		} else {
			console.log(`  n8n log: ${path.relative(process.cwd(), n8n.logFile)}${verbose ? '' : ' (--verbose to see it here)'}`);
		}
		console.log('Press Ctrl-C to stop.');
	} catch (error) {
		console.error(`npm start failed: ${(error as Error).message}`);
		await stop(1);
	}
}

void main();
