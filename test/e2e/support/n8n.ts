// Real n8n (e2e/n8n, n8n@2.8.4; or the line K2_E2E_N8N / K2_E2E_LINE name: see n8n-version.ts)
// with this package installed the way n8n installs community packages:
// <user folder>/.n8n/nodes/node_modules/n8n-nodes-k2-scim. Starts and stops n8n on loopback,
// sets up the owner, and wraps the REST calls the e2e tests and `npm start` need.
// Every wait has a hard timeout; n8n's output goes to a log file with secrets masked.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, cpSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as versions from './n8n-version';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The n8n under test (K2_E2E_N8N, default e2e/n8n); its version differences live in n8n-version.ts. */
export const N8N_UNDER_TEST = versions.n8nUnderTest();
export const N8N_DIR = N8N_UNDER_TEST.dir;
export const N8N_BIN = N8N_UNDER_TEST.bin;
/** The Node that runs n8n (a registry Node 24 for n8n 2.41, the system Node otherwise). */
export const N8N_NODE = N8N_UNDER_TEST.nodeBin;
export const PACKAGE_NAME = 'n8n-nodes-k2-scim';
export const NODE_TYPE = `${PACKAGE_NAME}.k2Scim`;
export const CREDENTIAL_TYPE = 'k2ScimOAuth2Api';
/** The poll schedule of the trigger e2e tests on this line: every 5 s, every minute on n8n 2.41 (see n8n-version.ts). */
export const TEST_POLL = versions.pollSchedule();

/** The K2 credential's fields for a sandbox's PKCE client, as the n8n credential dialog saves them. */
export function sandboxCredentialData(sandbox: { authority: string; pkceClientId: string; scimBaseUrl: string; scimToken: string }): Record<string, unknown> {
	return {
		grantType: 'pkce',
		authority: sandbox.authority,
		clientId: sandbox.pkceClientId,
		clientSecret: '',
		scimBaseUrl: sandbox.scimBaseUrl,
		scimToken: sandbox.scimToken,
	};
}

export const DEFAULT_OWNER = {
	email: 'owner@k2-sandbox.test',
	firstName: 'K2',
	lastName: 'Sandbox',
	// n8n's rule: 8-64 chars, a number and a capital letter.
	password: 'K2-Sandbox-Passw0rd',
};

export interface N8nOptions {
	/** Port for n8n; a free one when omitted. */
	port?: number;
	/** n8n's user folder (N8N_USER_FOLDER). A fresh temp folder when omitted (removed on stop). */
	userFolder?: string;
	/** Where n8n's output goes; `<temp>/n8n.log` by default. */
	logFile?: string;
	/**
	 * How the package gets into n8n: a symlink to the repo (default), a copy of package.json + dist,
	 * or 'none' (n8n starts without it: a test installs it through n8n's Community Nodes installer).
	 */
	install?: 'symlink' | 'copy' | 'none';
	/** Extra environment (overrides the defaults). */
	env?: Record<string, string>;
	/** Values masked in the log (tokens are masked by pattern anyway). */
	secrets?: string[];
	/** Hard limit for n8n to become ready. */
	startTimeoutMs?: number;
	/** Also echo n8n's (masked) output to this process's stdout. */
	echo?: boolean;
}

export interface WorkflowNode {
	id?: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	webhookId?: string;
	[key: string]: unknown;
}

export interface WorkflowJson {
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	[key: string]: unknown;
}

export interface ExecutionSummary {
	id: string;
	status: string;
	finished?: boolean;
	mode?: string;
	workflowId?: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Ports already handed out by freePort in this process: n8n binds seconds after it is given one. */
const handedOut = new Set<number>();

/** A loopback port free now and never handed out before in this process. */
export async function freePort(): Promise<number> {
	for (let attempt = 0; attempt < 20; attempt++) {
		const port = await new Promise<number>((resolve, reject) => {
			const srv = net.createServer();
			srv.once('error', reject);
			srv.listen(0, '127.0.0.1', () => {
				const { port } = srv.address() as net.AddressInfo;
				srv.close(() => resolve(port));
			});
		});
		if (!handedOut.has(port)) {
			handedOut.add(port);
			return port;
		}
	}
	throw new Error('freePort: the kernel kept offering ports already handed out');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves true when `p` settles within `ms`, false otherwise; leaves no timer behind. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
	try {
		return await Promise.race([p.then(() => true as const), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** Poll `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	while (Date.now() < deadline) {
		try {
			const value = await check();
			if (value !== undefined) return value;
		} catch (error) {
			lastError = error;
		}
		await sleep(everyMs);
	}
	throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/**
 * Wait until `polls` more scheduled polls of TEST_POLL have started (its crons fire on whole
 * multiples of its period), plus `marginMs` for the last one to finish.
 */
export async function pollsPassed(polls = 1, marginMs = 3_000): Promise<void> {
	const { periodMs } = TEST_POLL;
	const next = Math.floor(Date.now() / periodMs) * periodMs + periodMs;
	await sleep(next + (polls - 1) * periodMs + marginMs - Date.now());
}

/** Mask JWTs, long opaque tokens in key=value / "key":"value" pairs, and the given secrets. */
export function makeRedactor(secrets: () => string[]): (text: string) => string {
	return (text) => {
		let out = text
			// eslint-disable-next-line no-control-regex
			.replace(/\x1b\[[0-9;]*m/g, '')
			.replace(/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, '<jwt>')
			.replace(
				/("?(?:access_token|refresh_token|id_token|code_verifier|code|token|scimToken|clientSecret|password)"?\s*[:=]\s*"?)([^"&\s,}]{6,})/gi,
				'$1<redacted>',
			);
		for (const s of secrets()) if (s && s.length >= 6) out = out.split(s).join('<secret>');
		return out;
	};
}

/** Install the built package where n8n looks for community packages. */
export function installPackage(userFolder: string, mode: 'symlink' | 'copy' = 'symlink'): string {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const target = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	mkdirSync(path.dirname(target), { recursive: true });
	rmSync(target, { recursive: true, force: true });
	if (mode === 'symlink') {
		symlinkSync(ROOT, target, 'dir');
	} else {
		mkdirSync(target, { recursive: true });
		cpSync(path.join(ROOT, 'package.json'), path.join(target, 'package.json'));
		cpSync(path.join(ROOT, 'dist'), path.join(target, 'dist'), { recursive: true });
	}
	const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
	writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: version } }, null, 2) + '\n',
	);
	return target;
}

export class HttpError extends Error {
	constructor(
		readonly method: string,
		readonly url: string,
		readonly status: number,
		readonly body: string,
	) {
		super(`${method} ${url} -> HTTP ${status}: ${body.slice(0, 500)}`);
	}
}

export class N8n {
	readonly baseUrl: string;
	private cookie = '';
	private exited = false;
	private exitInfo = '';
	private logText = '';
	private readonly extraSecrets: string[] = [];

	private constructor(
		readonly port: number,
		readonly userFolder: string,
		readonly logFile: string,
		private readonly child: ChildProcess,
		private readonly ownsUserFolder: boolean,
		private readonly logStream: NodeJS.WritableStream,
	) {
		this.baseUrl = `http://127.0.0.1:${port}`;
	}

	/** The redirect URI n8n uses for OAuth2 credentials. */
	get oauthRedirectUri(): string {
		return `${this.baseUrl}/rest/oauth2-credential/callback`;
	}

	/** Mask this value in the log from now on (e.g. a SCIM token). */
	addSecret(value: string): void {
		this.extraSecrets.push(value);
	}

	/** n8n's output so far (masked). */
	log(): string {
		return this.logText;
	}

	static async start(opts: N8nOptions = {}): Promise<N8n> {
		if (!existsSync(N8N_BIN)) throw new Error(`n8n is not installed: run "node scripts/ensure-n8n.mjs" (missing ${N8N_BIN})`);
		if (!existsSync(path.join(ROOT, 'dist', 'nodes'))) throw new Error('The package is not built: run "npm run build"');
		const port = opts.port ?? (await freePort());
		const brokerPort = await freePort();
		const ownsUserFolder = !opts.userFolder;
		const base = ownsUserFolder ? mkdtempSync(path.join(os.tmpdir(), 'k2-e2e-n8n-')) : undefined;
		const userFolder = path.resolve(opts.userFolder ?? path.join(base!, 'home'));
		mkdirSync(userFolder, { recursive: true });
		if (opts.install !== 'none') installPackage(userFolder, opts.install ?? 'symlink');
		const logFile = opts.logFile ?? path.join(base ?? userFolder, 'n8n.log');
		mkdirSync(path.dirname(logFile), { recursive: true });

		const baseUrl = `http://127.0.0.1:${port}`;
		const env: Record<string, string> = {
			...(process.env as Record<string, string>),
			N8N_USER_FOLDER: userFolder,
			N8N_PORT: String(port),
			N8N_HOST: '127.0.0.1',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: baseUrl,
			WEBHOOK_URL: `${baseUrl}/`,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			DB_TYPE: 'sqlite',
			// Fixed so a kept user folder (npm start's .n8n-home) can always decrypt its credentials.
			N8N_ENCRYPTION_KEY: 'k2-scim-sandbox-only-encryption-key',
			N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
			N8N_REINSTALL_MISSING_PACKAGES: 'false',
			// The JS task runner's broker port: free, so two n8n (npm start + tests) can run side by side.
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			// debug shows "Loaded all credentials and nodes from n8n-nodes-k2-scim".
			N8N_LOG_LEVEL: 'debug',
			N8N_LOG_OUTPUT: 'console',
			NO_COLOR: '1',
			...N8N_UNDER_TEST.env,
			...opts.env,
		};

		const logStream = createWriteStream(logFile, { flags: 'a' });
		const child = spawn(N8N_NODE, [N8N_BIN, 'start'], {
			cwd: userFolder,
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
			// Own process group: stop() ends n8n and its task runners together.
			detached: true,
		});
		const n8n = new N8n(port, userFolder, logFile, child, ownsUserFolder, logStream);
		const redact = makeRedactor(() => n8n.extraSecrets);
		const onData = (chunk: Buffer) => {
			const text = redact(chunk.toString());
			n8n.logText = (n8n.logText + text).slice(-2_000_000);
			logStream.write(text);
			if (opts.echo) process.stdout.write(text);
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		child.on('exit', (code, signal) => {
			n8n.exited = true;
			n8n.exitInfo = `exit code ${code}, signal ${signal}`;
		});
		alive.add(n8n);

		try {
			await n8n.waitUntilReady(opts.startTimeoutMs ?? 90_000);
		} catch (error) {
			await n8n.stop();
			throw new Error(`${(error as Error).message}\n--- last lines of ${logFile} ---\n${n8n.logText.split('\n').slice(-40).join('\n')}`);
		}
		return n8n;
	}

	private async waitUntilReady(timeoutMs: number): Promise<void> {
		await waitFor(`n8n at ${this.baseUrl}/healthz/readiness`, timeoutMs, async () => {
			if (this.exited) throw new Error(`n8n exited during start-up (${this.exitInfo})`);
			const res = await fetch(`${this.baseUrl}/healthz/readiness`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
			if (!res?.ok) return undefined;
			// Readiness comes before the HTTP routes are all mounted; this line comes after.
			return /Editor is now accessible via/.test(this.logText) ? true : undefined;
		});
	}

	/** Stop n8n (SIGTERM to its process group, SIGKILL after 20 s). Removes a temp user folder. */
	async stop(): Promise<void> {
		alive.delete(this);
		if (!this.exited && this.child.pid) {
			const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
			try {
				process.kill(-this.child.pid, 'SIGTERM');
			} catch {}
			if (!(await within(exited, 20_000))) {
				try {
					process.kill(-this.child.pid, 'SIGKILL');
				} catch {}
				await within(exited, 5_000);
			}
		}
		await new Promise<void>((resolve) => this.logStream.end(() => resolve()));
		if (this.ownsUserFolder && !process.env.K2_E2E_KEEP) rmSync(this.userFolder, { recursive: true, force: true });
	}

	// ---------------------------------------------------------------------------------
	// HTTP
	// ---------------------------------------------------------------------------------

	/** A raw request to n8n (with the session cookie). */
	async request(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Response> {
		const url = urlPath.startsWith('http') ? urlPath : `${this.baseUrl}${urlPath}`;
		const res = await fetch(url, {
			method,
			redirect: 'manual',
			headers: {
				accept: 'application/json',
				...(this.cookie ? { cookie: this.cookie } : {}),
				...(body !== undefined ? { 'content-type': 'application/json' } : {}),
				...headers,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
		if (setCookie) this.cookie = setCookie.split(';')[0];
		return res;
	}

	/** A REST call; returns n8n's `data` (or the whole body when there is none). Throws on non-2xx. */
	async rest<T = any>(method: string, urlPath: string, body?: unknown): Promise<T> {
		const res = await this.request(method, urlPath.startsWith('/rest') ? urlPath : `/rest${urlPath}`, body);
		const text = await res.text();
		if (!res.ok) throw new HttpError(method, urlPath, res.status, text);
		const json = text ? JSON.parse(text) : undefined;
		return (json && typeof json === 'object' && 'data' in json ? json.data : json) as T;
	}

	// ---------------------------------------------------------------------------------
	// Users
	// ---------------------------------------------------------------------------------

	/** Set up the owner (first start) or log in (the owner exists already). */
	async setupOwner(owner = DEFAULT_OWNER): Promise<typeof DEFAULT_OWNER> {
		// POST /rest/owner/setup {email, firstName, lastName, password} (OwnerSetupRequestDto).
		const res = await this.request('POST', '/rest/owner/setup', owner);
		const text = await res.text();
		if (!res.ok && !/already setup|Instance owner already setup/i.test(text)) {
			throw new HttpError('POST', '/rest/owner/setup', res.status, text);
		}
		await this.login(owner.email, owner.password);
		return owner;
	}

	/** POST /rest/login {emailOrLdapLoginId, password} (LoginRequestDto in n8n 2.x) -> n8n-auth cookie. */
	async login(email: string, password: string): Promise<void> {
		this.cookie = '';
		await this.rest('POST', '/login', { emailOrLdapLoginId: email, password });
		if (!this.cookie) throw new Error('n8n did not set the n8n-auth cookie on login');
	}

	// ---------------------------------------------------------------------------------
	// Community packages (Settings > Community Nodes)
	// ---------------------------------------------------------------------------------

	/**
	 * What the Community Nodes screen's Install button sends: POST /rest/community-packages
	 * {name, version?}. n8n runs `npm pack` and `npm install` against its registry
	 * (N8N_COMMUNITY_PACKAGES_REGISTRY) and loads the package. Returns the installed package.
	 */
	async installCommunityPackage(name: string, version?: string): Promise<{ packageName: string; installedVersion: string; installedNodes: Array<{ name: string; type: string }> }> {
		const res = await this.request('POST', '/rest/community-packages', { name, ...(version ? { version } : {}) }, {}, 180_000);
		const text = await res.text();
		if (!res.ok) throw new HttpError('POST', '/rest/community-packages', res.status, text);
		const json = JSON.parse(text);
		return json.data ?? json;
	}

	/** GET /rest/community-packages: what the Community Nodes screen lists. */
	async listCommunityPackages(): Promise<Array<{ packageName: string; installedVersion: string; installedNodes: Array<{ name: string; type: string }> }>> {
		return this.rest('GET', '/community-packages');
	}

	/**
	 * Turn a license feature on in a test instance, through n8n's own end-to-end test hook
	 * (PATCH /rest/e2e/feature, served only when n8n runs with E2E_TESTS=true, on 1.123, 2.8 and
	 * 2.41 alike). A custom community-package registry is a licensed feature
	 * (feat:communityNodes:customRegistry): users install from registry.npmjs.org without it.
	 */
	async enableLicenseFeatureForTests(feature: string): Promise<void> {
		await this.rest('PATCH', '/e2e/feature', { feature, enabled: true });
	}

	// ---------------------------------------------------------------------------------
	// Types
	// ---------------------------------------------------------------------------------

	/** What the editor loads: /types/nodes.json (all node type descriptions). */
	async nodeTypes(): Promise<
		Array<{ name: string; version: number | number[]; displayName: string; properties: Array<{ name: string; options?: Array<{ value?: unknown }> }> }>
	> {
		const res = await this.request('GET', '/types/nodes.json');
		if (!res.ok) throw new HttpError('GET', '/types/nodes.json', res.status, await res.text());
		return (await res.json()) as any;
	}

	/** What the editor loads: /types/credentials.json (all credential type descriptions). */
	async credentialTypes(): Promise<Array<{ name: string; extends?: string[]; displayName: string }>> {
		const res = await this.request('GET', '/types/credentials.json');
		if (!res.ok) throw new HttpError('GET', '/types/credentials.json', res.status, await res.text());
		return (await res.json()) as any;
	}

	// ---------------------------------------------------------------------------------
	// Credentials
	// ---------------------------------------------------------------------------------

	/** POST /rest/credentials {name, type, data, projectId?} (CreateCredentialDto). */
	async createCredential(name: string, type: string, data: Record<string, unknown>): Promise<{ id: string; name: string }> {
		for (const key of ['scimToken', 'clientSecret']) if (typeof data[key] === 'string') this.addSecret(data[key] as string);
		const created = await this.rest<{ id: string; name: string }>('POST', '/credentials', { name, type, data });
		return { id: created.id, name: created.name };
	}

	/** PATCH /rest/credentials/:id {name, type, data}: n8n keeps the stored oauthTokenData. */
	async updateCredential(id: string, name: string, type: string, data: Record<string, unknown>): Promise<void> {
		for (const key of ['scimToken', 'clientSecret']) if (typeof data[key] === 'string') this.addSecret(data[key] as string);
		await this.rest('PATCH', `/credentials/${id}`, { name, type, data });
	}

	async listCredentials(): Promise<Array<{ id: string; name: string; type: string }>> {
		return this.rest('GET', '/credentials');
	}

	/** GET /rest/credentials/:id?includeData=true — n8n shows `oauthTokenData: true` once connected. */
	async getCredential(id: string): Promise<{ id: string; name: string; type: string; data?: Record<string, unknown> }> {
		return this.rest('GET', `/credentials/${id}?includeData=true`);
	}

	async isConnected(id: string): Promise<boolean> {
		const cred = await this.getCredential(id);
		return Boolean(cred.data?.oauthTokenData);
	}

	/** GET /rest/oauth2-credential/auth?id=<id> — the authorization URL n8n sends the browser to. */
	async oauth2AuthUrl(credentialId: string): Promise<string> {
		return this.rest<string>('GET', `/oauth2-credential/auth?id=${encodeURIComponent(credentialId)}`);
	}

	/**
	 * Connect an OAuth2 credential through n8n's own flow: n8n's authorization URL, the IdP's
	 * pages (driven by `authorize`, which must return the URL the IdP redirects back to), then
	 * n8n's callback with the session cookie. Returns the authorization URL n8n built.
	 */
	async connectOAuth2(credentialId: string, authorize: (authUrl: string, redirectUri: string) => Promise<URL>): Promise<URL> {
		const authUrl = new URL(await this.oauth2AuthUrl(credentialId));
		const callback = await authorize(authUrl.href, this.oauthRedirectUri);
		if (callback.searchParams.get('error')) {
			throw new Error(`The IdP refused the authorization: ${callback.searchParams.get('error')} ${callback.searchParams.get('error_description') ?? ''}`);
		}
		if (!callback.href.startsWith(this.oauthRedirectUri)) throw new Error(`Unexpected redirect target ${callback.origin}${callback.pathname}`);
		const res = await this.request('GET', callback.href, undefined, { accept: 'text/html' });
		const html = await res.text();
		// n8n renders "oauth-callback" on success and an error page (status 200 too) otherwise.
		const connected = res.ok && (await this.isConnected(credentialId));
		if (!connected) {
			const message = /<[^>]*>([^<]*(?:error|fail)[^<]*)</i.exec(html)?.[1] ?? html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 600);
			throw new Error(`n8n's OAuth2 callback did not store tokens (HTTP ${res.status}): ${makeRedactor(() => this.extraSecrets)(message)}`);
		}
		return authUrl;
	}

	// ---------------------------------------------------------------------------------
	// Workflows and executions
	// ---------------------------------------------------------------------------------

	/** POST /rest/workflows (CreateWorkflowDto) -> {id, versionId}. */
	async createWorkflow(workflow: WorkflowJson): Promise<{ id: string; versionId: string; name: string }> {
		const body = {
			active: false,
			settings: { executionOrder: 'v1' },
			...workflow,
			nodes: workflow.nodes.map((n) => ({ id: randomUUID(), ...n })),
		};
		delete (body as Record<string, unknown>).id;
		const created = await this.rest('POST', '/workflows', body);
		return { id: created.id, versionId: created.versionId, name: created.name };
	}

	/** POST /rest/workflows/:id/activate {versionId}, then wait until its production webhooks answer (2.41 registers them later). */
	async activateWorkflow(id: string, versionId: string): Promise<void> {
		await versions.activateWorkflow(this, id, versionId);
	}

	async deactivateWorkflow(id: string): Promise<void> {
		await versions.deactivateWorkflow(this, id);
	}

	async listWorkflows(): Promise<Array<{ id: string; name: string; active: boolean }>> {
		return this.rest('GET', '/workflows');
	}

	/** Call a production webhook (of an active workflow). */
	async callWebhook(webhookPath: string, body?: unknown, method = 'POST', timeoutMs = 60_000): Promise<{ status: number; body: any; text: string }> {
		const res = await fetch(`${this.baseUrl}/webhook/${webhookPath}`, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {}
		return { status: res.status, body: parsed, text };
	}

	/** GET /rest/executions?filter={"workflowId":...} — newest first. */
	async listExecutions(workflowId: string): Promise<ExecutionSummary[]> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const data = await this.rest<any>('GET', `/executions?filter=${filter}&limit=50`);
		return (Array.isArray(data) ? data : data.results) as ExecutionSummary[];
	}

	/** GET /rest/executions/:id, with its run data un-flattened (n8n stores it with `flatted`). */
	async getExecution(id: string): Promise<{ id: string; status: string; data: any }> {
		const raw = await this.rest<any>('GET', `/executions/${id}`);
		// eslint-disable-next-line @typescript-eslint/no-var-requires
		const { parse } = require(require.resolve('flatted', { paths: [path.join(N8N_DIR, 'node_modules', 'n8n')] }));
		const data = typeof raw.data === 'string' ? parse(raw.data) : raw.data;
		return { ...raw, data };
	}

	/** Wait for an execution of the workflow newer than `after` to finish; returns it with its data. */
	async waitForExecution(workflowId: string, after: Set<string> = new Set(), timeoutMs = 60_000) {
		const summary = await waitFor(`an execution of workflow ${workflowId}`, timeoutMs, async () => {
			const list = await this.listExecutions(workflowId);
			return list.find((e) => !after.has(String(e.id)) && !['running', 'new', 'waiting'].includes(e.status));
		});
		return this.waitForExecutionId(String(summary.id), timeoutMs);
	}

	/**
	 * Wait until `count` executions of the workflow newer than `after` have finished (a burst of
	 * webhook calls); returns them with their data, and adds their ids to `after`.
	 */
	async waitForExecutions(workflowId: string, after: Set<string>, count: number, timeoutMs = 120_000) {
		const finished = await waitFor(`${count} executions of workflow ${workflowId}`, timeoutMs, async () => {
			const fresh = (await this.listExecutions(workflowId)).filter((e) => !after.has(String(e.id)));
			const done = fresh.filter((e) => !['running', 'new', 'waiting'].includes(e.status));
			return done.length >= count && fresh.length === done.length ? done : undefined;
		}, 500);
		for (const e of finished) after.add(String(e.id));
		return Promise.all(finished.map((e) => this.getExecution(String(e.id))));
	}

	/** GET /rest/workflows/:id — the saved workflow (nodes, connections, settings, pinData...). */
	async getWorkflow(id: string): Promise<WorkflowJson & { id: string; versionId: string }> {
		return this.rest('GET', `/workflows/${id}`);
	}

	/**
	 * Run a workflow manually, like the editor's "Execute workflow" button: POST
	 * /rest/workflows/:id/run {workflowData, triggerToStartFrom}. `workflowData` may differ from the
	 * saved workflow (the editor sends its unsaved state too; n8n 2.41 runs the saved one, so there
	 * the changes are saved first: see n8n-version.ts). Returns the execution id.
	 */
	async runManually(workflowData: WorkflowJson & { id: string }, triggerName: string): Promise<string> {
		return versions.runManually(this, workflowData, triggerName);
	}

	/** Wait until the execution with this id has finished; returns it with its data. */
	async waitForExecutionId(executionId: string, timeoutMs = 60_000) {
		return waitFor(`execution ${executionId} to finish`, timeoutMs, async () => {
			const execution = await this.getExecution(executionId);
			return versions.executionFinished(execution) ? execution : undefined;
		});
	}

	/** Names of the nodes that ran in an execution. */
	static executedNodes(execution: { data: any }): string[] {
		return Object.keys(execution.data?.resultData?.runData ?? {});
	}

	/** The first error message of an execution (node error or workflow error). */
	static executionError(execution: { data: any }): string | undefined {
		const result = execution.data?.resultData;
		if (result?.error?.message) return [result.error.message, result.error.description].filter(Boolean).join(' — ');
		for (const runs of Object.values(result?.runData ?? {}) as any[]) {
			for (const run of runs) if (run.error?.message) return [run.error.message, run.error.description].filter(Boolean).join(' — ');
		}
		return undefined;
	}

	/** Output items (json) of a node in an execution. */
	static nodeOutput(execution: { data: any }, nodeName: string): any[] {
		const runs = execution.data?.resultData?.runData?.[nodeName] ?? [];
		return runs.flatMap((r: any) => (r.data?.main?.[0] ?? []).map((i: any) => i.json));
	}

	/** Import workflow files with n8n's CLI (works while n8n runs: sqlite allows it). */
	async importWorkflowFile(file: string): Promise<void> {
		await runCli(['import:workflow', `--input=${file}`], this.userFolder, this.port);
	}
}

/** Run an n8n CLI command against a user folder; hard timeout 60 s. */
export async function runCli(args: string[], userFolder: string, port?: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(N8N_NODE, [N8N_BIN, ...args], {
			cwd: userFolder,
			env: {
				...process.env,
				N8N_USER_FOLDER: userFolder,
				DB_TYPE: 'sqlite',
				N8N_ENCRYPTION_KEY: 'k2-scim-sandbox-only-encryption-key',
				N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
				N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
				N8N_DIAGNOSTICS_ENABLED: 'false',
				N8N_RUNNERS_BROKER_PORT: String((port ?? 5678) + 1000),
				NO_COLOR: '1',
				...N8N_UNDER_TEST.env,
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		child.stdout.on('data', (c) => (out += c));
		child.stderr.on('data', (c) => (out += c));
		const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
		child.on('exit', (code) => {
			clearTimeout(timer);
			if (code === 0) resolve(out);
			else reject(new Error(`n8n ${args[0]} failed (exit ${code}): ${out.slice(-1500)}`));
		});
	});
}

// Never leave n8n running when the test process dies.
const alive = new Set<N8n>();
/** Kills every n8n this module started that is still running (a file's last resort, and the process's). */
export function killLeftoverN8n(): void {
	for (const n of alive) {
		try {
			process.kill(-(n as unknown as { child: ChildProcess }).child.pid!, 'SIGKILL');
		} catch {}
	}
}
process.once('exit', killLeftoverN8n);
