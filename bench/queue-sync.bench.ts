// `npm run bench:queue`: User > Sync of 10,000 users (K2_BENCH_USERS) in real n8n 2.8.4, once on
// a queue-mode worker (main + 2 workers, PostgreSQL 15 + Redis, started by test/e2e/support/queue.ts)
// and once in a single-process n8n (SQLite, regular mode), against the same sandbox with the same
// latency (K2_BENCH_LATENCY ms per SCIM request, default 30), emptied before each run. The queue
// e2e test (npm test) runs the same comparison at 2,000 users. Prints n8n's own execution time
// (startedAt -> stoppedAt) and the wall time from "Execute workflow" to the result.
import { startSandbox, type Sandbox } from '../sandbox';
import { followAuthorization } from '../test/support/oidc-login';
import { CREDENTIAL_TYPE, N8n, freePort, sandboxCredentialData } from '../test/e2e/support/n8n';
import { startQueueCluster } from '../test/e2e/support/queue';
import { executionMs, syncWorkflow } from '../test/e2e/support/workflows';

const USERS = Number(process.env.K2_BENCH_USERS ?? 10_000);
const LATENCY_MS = Number(process.env.K2_BENCH_LATENCY ?? 30);

interface Figure {
	mode: string;
	ranOn: string;
	status: string;
	executionMs: number;
	wallMs: number;
	counts: unknown;
}

async function syncOnce(n8n: N8n, sandbox: Sandbox, prefix: string, ranOn: (id: string) => string): Promise<Omit<Figure, 'mode'>> {
	await n8n.setupOwner();
	const credential = await n8n.createCredential('K2 bench', CREDENTIAL_TYPE, sandboxCredentialData(sandbox));
	await n8n.connectOAuth2(credential.id, (url, redirectUri) => followAuthorization(url, redirectUri));
	const wf = await n8n.createWorkflow(syncWorkflow(USERS, prefix, credential));
	await sandbox.reset();
	const started = Date.now();
	const execution: any = await n8n.waitForExecutionId(await n8n.runManually(await n8n.getWorkflow(wf.id), 'Start'), 1_800_000);
	const wallMs = Date.now() - started;
	await new Promise((r) => setTimeout(r, 500));
	return {
		ranOn: ranOn(String(execution.id)),
		status: execution.status,
		executionMs: executionMs(execution) ?? wallMs,
		wallMs,
		counts: N8n.nodeOutput(execution, 'K2 SCIM Sync')[0]?.counts,
	};
}

async function main(): Promise<void> {
	const queuePort = await freePort();
	const singlePort = await freePort();
	const sandbox = await startSandbox({
		quiet: true,
		latencyMs: LATENCY_MS,
		redirectUris: [queuePort, singlePort].map((p) => `http://127.0.0.1:${p}/rest/oauth2-credential/callback`),
	});
	const figures: Figure[] = [];
	try {
		console.log(`Sync of ${USERS} users, SCIM latency ${LATENCY_MS} ms: queue mode (main + 2 workers, PostgreSQL, Redis)...`);
		const cluster = await startQueueCluster({ port: queuePort, workers: 2, secrets: [sandbox.scimToken] });
		try {
			figures.push({ mode: 'queue mode, on a worker', ...(await syncOnce(cluster.main, sandbox, 'bench-queue', (id) => cluster.workerOf(id) ?? 'main?')) });
		} finally {
			await cluster.stop();
		}
		console.log('... single-process n8n (SQLite, regular mode)...');
		const single = await N8n.start({ port: singlePort, secrets: [sandbox.scimToken], env: { N8N_LOG_LEVEL: 'info' } });
		try {
			figures.push({ mode: 'single process', ...(await syncOnce(single, sandbox, 'bench-single', () => 'main')) });
		} finally {
			await single.stop();
		}
	} finally {
		await sandbox.stop();
	}
	console.log('');
	console.log(`| Sync of ${USERS} users (latency ${LATENCY_MS} ms) | ran on | status | n8n execution time | wall time | users/s | counts |`);
	console.log('|---|---|---|---|---|---|---|');
	for (const f of figures) {
		console.log(
			`| ${f.mode} | ${f.ranOn} | ${f.status} | ${(f.executionMs / 1000).toFixed(1)} s | ${(f.wallMs / 1000).toFixed(1)} s | ${Math.round(USERS / (f.executionMs / 1000))} | ${JSON.stringify(f.counts)} |`,
		);
	}
	if (figures.some((f) => f.status !== 'success')) process.exitCode = 1;
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
