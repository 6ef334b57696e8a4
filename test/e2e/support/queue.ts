// n8n's queue mode on one machine, started by the project itself: Redis and PostgreSQL from
// Debian's packages (scripts/ensure-queue-infra.sh installs them) on free loopback ports with their
// data under .queue-data/<run>/, a main `n8n start`, N `n8n worker` and optionally an `n8n webhook`
// process, each with its own user folder (the package installed in each, as n8n installs community
// packages), its own task-runner broker port and log, sharing N8N_ENCRYPTION_KEY, Postgres and a
// QUEUE_BULL_PREFIX unique to the run. stop() ends everything it started, in reverse order.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { N8N_BIN, N8N_NODE, N8N_UNDER_TEST, N8n, ROOT, freePort, installPackage, makeRedactor, waitFor } from './n8n';

export const QUEUE_DATA = path.join(ROOT, '.queue-data');
const ENCRYPTION_KEY = 'k2-scim-sandbox-only-encryption-key';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Install Redis and PostgreSQL 15 from Debian's packages when missing (idempotent, ~1 s when present). */
export function ensureQueueInfra(): void {
	const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'ensure-queue-infra.sh'), '--quiet'], { stdio: 'inherit' });
	if (r.status !== 0) throw new Error(`scripts/ensure-queue-infra.sh failed (exit ${r.status})`);
}

function pgBin(): string {
	const candidates = ['/usr/lib/postgresql/15/bin'];
	try {
		for (const v of readdirSync('/usr/lib/postgresql').sort().reverse()) candidates.push(`/usr/lib/postgresql/${v}/bin`);
	} catch {}
	const dir = candidates.find((d) => existsSync(path.join(d, 'initdb')) && existsSync(path.join(d, 'postgres')));
	if (!dir) throw new Error('PostgreSQL is not installed: run scripts/ensure-queue-infra.sh');
	return dir;
}

/** initdb and postgres refuse to run as root: as root, they run as the `postgres` user. */
function pgIdentity(): { uid: number; gid: number } | undefined {
	if (process.getuid?.() !== 0) return undefined;
	const line = readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((l) => l.startsWith('postgres:'));
	if (!line) throw new Error('running as root and there is no `postgres` user (it comes with the postgresql-15 package)');
	const [, , uid, gid] = line.split(':');
	return { uid: Number(uid), gid: Number(gid) };
}

/** A server process of ours: own process group, output to a log file, stopped by stop(). */
class Daemon {
	private exited = false;
	private readonly exitedP: Promise<void>;
	output = '';
	constructor(
		readonly name: string,
		readonly child: ChildProcess,
		/** Raw output goes here; without one, the owner reads the output itself (n8n's, masked). */
		logFile?: string,
	) {
		const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
		if (log) {
			const onData = (c: Buffer) => {
				this.output = (this.output + c.toString()).slice(-200_000);
				log.write(c);
			};
			child.stdout?.on('data', onData);
			child.stderr?.on('data', onData);
		}
		this.exitedP = new Promise((resolve) =>
			child.once('exit', () => {
				this.exited = true;
				log?.end();
				resolve();
			}),
		);
		daemons.add(this);
	}
	get running(): boolean {
		return !this.exited;
	}
	async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
		daemons.delete(this);
		if (this.exited || !this.child.pid) return;
		try {
			process.kill(-this.child.pid, signal);
		} catch {}
		const timer = new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref());
		if (!(await Promise.race([this.exitedP.then(() => true), timer]))) {
			try {
				process.kill(-this.child.pid, 'SIGKILL');
			} catch {}
			await Promise.race([this.exitedP, sleep(3000)]);
		}
	}
}
const daemons = new Set<Daemon>();
/** Kills every Redis and PostgreSQL this module started that is still running (a file's last resort, and the process's). */
export function killLeftoverDaemons(): void {
	for (const d of daemons) {
		try {
			process.kill(-d.child.pid!, 'SIGKILL');
		} catch {}
	}
}
process.once('exit', killLeftoverDaemons);

export interface QueueInfra {
	runId: string;
	dir: string;
	redis: { host: string; port: number };
	postgres: { host: string; port: number; user: string; password: string; database: string };
	/** QUEUE_BULL_PREFIX of this run. */
	prefix: string;
	/** The database and queue settings every n8n process of the run gets. */
	env: Record<string, string>;
	/** Milliseconds: initdb + both servers up. */
	startMs: number;
	stop(): Promise<void>;
}

export interface QueueInfraOptions {
	/** Folder for this run's data; .queue-data/<runId> by default. Kept when it exists (initdb skipped). */
	dir?: string;
	/** Remove the folder on stop (default: true for a fresh per-run folder). */
	removeOnStop?: boolean;
	runId?: string;
}

/**
 * Remove run folders a killed test left behind: no live PostgreSQL in them and untouched for 10
 * minutes (a run that is starting has a fresh folder; a running one has its postmaster alive).
 */
function removeStaleRuns(keep: string): void {
	let entries: string[] = [];
	try {
		entries = readdirSync(QUEUE_DATA);
	} catch {
		return;
	}
	for (const name of entries) {
		const dir = path.join(QUEUE_DATA, name);
		// npm start's folders (start, start-<line>) are kept across runs.
		if (name === 'start' || name.startsWith('start-') || dir === keep) continue;
		try {
			if (Date.now() - statSync(dir).mtimeMs < 10 * 60_000) continue;
			const pidFile = path.join(dir, 'pg', 'postmaster.pid');
			if (existsSync(pidFile)) {
				const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
				try {
					process.kill(pid, 0);
					continue;
				} catch {}
			}
			rmSync(dir, { recursive: true, force: true });
		} catch {}
	}
}

/** Start Redis and PostgreSQL on free loopback ports; data under .queue-data/<run>. */
export async function startQueueInfra(opts: QueueInfraOptions = {}): Promise<QueueInfra> {
	const t0 = Date.now();
	ensureQueueInfra();
	removeStaleRuns(path.resolve(opts.dir ?? ''));
	const runId = opts.runId ?? `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomUUID().slice(0, 6)}`;
	const dir = path.resolve(opts.dir ?? path.join(QUEUE_DATA, runId));
	const removeOnStop = opts.removeOnStop ?? !opts.dir;
	mkdirSync(dir, { recursive: true });
	const stops: Array<() => Promise<void>> = [];
	const stop = async () => {
		for (const s of stops.reverse()) await s().catch(() => undefined);
		stops.length = 0;
		if (removeOnStop && !process.env.K2_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
	};
	try {
		// Redis: no persistence, loopback only.
		const redisPort = await freePort();
		const redisDir = path.join(dir, 'redis');
		mkdirSync(redisDir, { recursive: true });
		const redisChild = spawn(
			'redis-server',
			['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'],
			{ stdio: ['ignore', 'pipe', 'pipe'], detached: true },
		);
		const redis = new Daemon('redis', redisChild, path.join(dir, 'redis.log'));
		stops.push(() => redis.stop('SIGTERM', 5000));

		// PostgreSQL: a throwaway cluster tuned for tests (no fsync), trust auth on loopback only.
		const bin = pgBin();
		const who = pgIdentity();
		const pgData = path.join(dir, 'pg');
		const user = 'n8n';
		const password = 'n8n-queue-sandbox';
		const database = 'n8n';
		if (!existsSync(path.join(pgData, 'PG_VERSION'))) {
			mkdirSync(pgData, { recursive: true });
			if (who) {
				chownSync(pgData, who.uid, who.gid);
				chmodSync(pgData, 0o700);
			}
			const init = spawnSync(path.join(bin, 'initdb'), ['-D', pgData, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
				encoding: 'utf8',
				cwd: '/',
				...(who ?? {}),
			});
			if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.stdout}`);
		}
		const pgPort = await freePort();
		const pgChild = spawn(
			path.join(bin, 'postgres'),
			['-D', pgData, '-p', String(pgPort), '-k', pgData, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
			{ stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: '/', ...(who ?? {}) },
		);
		const pg = new Daemon('postgres', pgChild, path.join(dir, 'postgres.log'));
		// SIGINT: PostgreSQL's fast shutdown.
		stops.push(() => pg.stop('SIGINT', 10_000));

		await waitFor(`redis on 127.0.0.1:${redisPort}`, 15_000, async () => {
			if (!redis.running) throw new Error(`redis-server exited: ${redis.output.slice(-800)}`);
			return spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG' ? true : undefined;
		}, 100);
		await waitFor(`postgres on 127.0.0.1:${pgPort}`, 30_000, async () => {
			if (!pg.running) throw new Error(`postgres exited: ${pg.output.slice(-800)}`);
			return spawnSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(pgPort)]).status === 0 ? true : undefined;
		}, 100);
		const exists = spawnSync(path.join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(pgPort), '-U', user, '-d', 'postgres', '-tAc', `SELECT 1 FROM pg_database WHERE datname='${database}'`], { encoding: 'utf8' });
		if (exists.stdout.trim() !== '1') {
			const created = spawnSync(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(pgPort), '-U', user, database], { encoding: 'utf8' });
			if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr}`);
		}

		const prefix = `k2q-${runId}`;
		const env: Record<string, string> = {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(pgPort),
			DB_POSTGRESDB_USER: user,
			DB_POSTGRESDB_PASSWORD: password,
			DB_POSTGRESDB_DATABASE: database,
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redisPort),
			QUEUE_BULL_PREFIX: prefix,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		};
		return {
			runId,
			dir,
			redis: { host: '127.0.0.1', port: redisPort },
			postgres: { host: '127.0.0.1', port: pgPort, user, password, database },
			prefix,
			env,
			startMs: Date.now() - t0,
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

export type ProcessRole = 'worker' | 'webhook';

/** An `n8n worker` or `n8n webhook` process with its own user folder, broker port and log. */
export class N8nProcess {
	private text = '';
	private constructor(
		readonly role: ProcessRole,
		readonly name: string,
		readonly userFolder: string,
		readonly logFile: string,
		/** worker: its health server; webhook: its HTTP port (production webhooks). */
		readonly port: number,
		private readonly daemon: Daemon,
	) {}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/** n8n's output so far (masked). */
	log(): string {
		return this.text;
	}

	/** Execution ids this worker started ("Worker started execution <id> (job <n>)"). */
	executionIds(): string[] {
		return [...this.text.matchAll(/Worker started execution (\d+)/g)].map((m) => m[1]);
	}

	static async start(opts: {
		role: ProcessRole;
		name: string;
		dir: string;
		env: Record<string, string>;
		concurrency?: number;
		secrets?: string[];
		echo?: boolean;
		startTimeoutMs?: number;
		/** webhook: its HTTP port; worker: its health server's port. Free one when omitted. */
		port?: number;
		/** false: a process without the package (what "Unrecognized node type" on a worker looks like). */
		withPackage?: boolean;
	}): Promise<N8nProcess> {
		const userFolder = path.join(opts.dir, opts.name);
		mkdirSync(userFolder, { recursive: true });
		// The package must be on every process that runs executions, or they fail with
		// "Unrecognized node type: n8n-nodes-k2-scim.k2Scim".
		if (opts.withPackage ?? true) installPackage(userFolder, 'symlink');
		const logFile = path.join(opts.dir, `${opts.name}.log`);
		const port = opts.port ?? (await freePort());
		const env: Record<string, string> = {
			...(process.env as Record<string, string>),
			...commonEnv(),
			N8N_USER_FOLDER: userFolder,
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			// The line's own settings (e.g. N8N_EXPRESSION_ENGINE=legacy for n8n 1.123 on Node 20).
			...N8N_UNDER_TEST.env,
			...(opts.role === 'worker'
				? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' }
				: { N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1' }),
			...opts.env,
		};
		const args = opts.role === 'worker' ? ['worker', `--concurrency=${opts.concurrency ?? 10}`] : ['webhook'];
		const child = spawn(N8N_NODE, [N8N_BIN, ...args], { cwd: userFolder, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
		const daemon = new Daemon(opts.name, child);
		const proc = new N8nProcess(opts.role, opts.name, userFolder, logFile, port, daemon);
		const redact = makeRedactor(() => opts.secrets ?? []);
		const masked = createWriteStream(logFile, { flags: 'a' });
		const onData = (c: Buffer) => {
			const t = redact(c.toString());
			proc.text = (proc.text + t).slice(-4_000_000);
			masked.write(t);
			if (opts.echo) process.stdout.write(t.replace(/^(?=.)/gm, `[${opts.name}] `));
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		child.once('exit', () => masked.end());
		// Fails at once when the process exits during start-up (a port in use, no database...).
		let onExit: () => void = () => undefined;
		const exited = new Promise<never>((_, reject) => {
			onExit = () => reject(new Error(`${opts.name} (n8n ${opts.role}) exited during start-up`));
			child.once('exit', onExit);
		});
		exited.catch(() => undefined);
		try {
			const ready = opts.role === 'worker' ? /n8n worker is now ready/ : /Webhook listener waiting for requests/;
			const up = waitFor(`${opts.name} (n8n ${opts.role}) to be ready`, opts.startTimeoutMs ?? 120_000, async () => {
				// Exited: stop polling (the exit has rejected the race already).
				if (!daemon.running) return false;
				if (!ready.test(proc.text)) return undefined;
				const res = await fetch(`${proc.baseUrl}/healthz/readiness`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
				return res?.ok ? true : undefined;
			}, 250);
			up.catch(() => undefined);
			await Promise.race([up, exited]);
			child.off('exit', onExit);
		} catch (error) {
			child.off('exit', onExit);
			// Let the last output arrive.
			await sleep(200);
			await daemon.stop('SIGKILL');
			throw new Error(`${(error as Error).message}\n--- last lines of ${logFile} ---\n${proc.text.split('\n').slice(-30).join('\n')}`);
		}
		return proc;
	}

	async stop(): Promise<void> {
		await this.daemon.stop('SIGTERM', 20_000);
	}
}

/** Settings every n8n process of a cluster gets (the main one gets them through N8n.start's env). */
function commonEnv(): Record<string, string> {
	return {
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		NO_COLOR: '1',
	};
}

export interface QueueCluster {
	infra: QueueInfra;
	main: N8n;
	workers: N8nProcess[];
	webhook?: N8nProcess;
	/** The environment every n8n process of the cluster got (database, queue, URLs, encryption key). */
	sharedEnv: Record<string, string>;
	/** Where production webhooks go: the webhook processor when there is one, else main. */
	webhookBaseUrl: string;
	/** The worker that ran an execution, by the worker logs. */
	workerOf(executionId: string): string | undefined;
	/** Human-readable list of the processes (role, port, log). */
	describe(): string[];
	stop(): Promise<void>;
}

export interface QueueClusterOptions {
	workers?: number;
	webhookProcessor?: boolean;
	/** Main's port; free one when omitted. */
	port?: number;
	/** The webhook processor's port; free one when omitted. */
	webhookPort?: number;
	/** Folder for the run (user folders, logs, data); per-run folder under .queue-data by default. */
	dir?: string;
	removeOnStop?: boolean;
	/** Jobs each worker runs at once (n8n's --concurrency, default 10). */
	concurrency?: number;
	/** Manual executions (the editor's "Execute workflow") run on workers too. Default true. */
	offloadManual?: boolean;
	secrets?: string[];
	echo?: boolean;
	/** Extra environment for every process. */
	env?: Record<string, string>;
	mainLogLevel?: string;
}

/** Redis + Postgres + main + N workers (+ a webhook processor), ready to use. */
export async function startQueueCluster(opts: QueueClusterOptions = {}): Promise<QueueCluster> {
	const infra = await startQueueInfra({ dir: opts.dir, removeOnStop: opts.removeOnStop });
	const stops: Array<() => Promise<void>> = [() => infra.stop()];
	const stopAll = async () => {
		for (const s of stops.reverse()) await s().catch(() => undefined);
		stops.length = 0;
	};
	try {
		// A port is free when chosen and bound seconds later, when n8n has loaded: another process
		// may take it in between (seen once in CI: "port … is already in use"). Then main starts
		// again on a new one.
		let port = 0;
		let shared: Record<string, string> = {};
		let main: N8n | undefined;
		for (let attempt = 1; !main; attempt++) {
			port = opts.port ?? (await freePort());
			const baseUrl = `http://127.0.0.1:${port}`;
			shared = {
				...infra.env,
				// Every process builds the same URLs (OAuth2 redirect, webhook URLs) as main.
				N8N_HOST: '127.0.0.1',
				N8N_PROTOCOL: 'http',
				N8N_EDITOR_BASE_URL: baseUrl,
				WEBHOOK_URL: `${baseUrl}/`,
				...(opts.offloadManual ?? true ? { OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true' } : {}),
				...opts.env,
			};
			try {
				// Main first: it runs the database migrations; workers started alongside would race it.
				main = await N8n.start({
					port,
					userFolder: path.join(infra.dir, 'main'),
					logFile: path.join(infra.dir, 'main.log'),
					secrets: opts.secrets,
					echo: opts.echo,
					env: { ...shared, N8N_LOG_LEVEL: opts.mainLogLevel ?? 'info' },
					startTimeoutMs: 150_000,
				});
			} catch (error) {
				if (opts.port !== undefined || attempt >= 3 || !/already in use/.test(String((error as Error).message))) throw error;
			}
		}
		stops.push(() => main.stop());
		// Workers and the webhook processor start side by side; each one started is stopped on failure.
		const started = await Promise.allSettled([
			...Array.from({ length: opts.workers ?? 2 }, (_, i) =>
				N8nProcess.start({ role: 'worker', name: `worker-${i + 1}`, dir: infra.dir, env: shared, concurrency: opts.concurrency, secrets: opts.secrets, echo: opts.echo }),
			),
			...(opts.webhookProcessor
				? [N8nProcess.start({ role: 'webhook', name: 'webhook-1', dir: infra.dir, env: shared, port: opts.webhookPort, secrets: opts.secrets, echo: opts.echo })]
				: []),
		]);
		for (const r of started) if (r.status === 'fulfilled') stops.push(() => r.value.stop());
		const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
		if (failed) throw failed.reason;
		const processes = started.map((r) => (r as PromiseFulfilledResult<N8nProcess>).value);
		const workers = processes.filter((p) => p.role === 'worker');
		const webhook = processes.find((p) => p.role === 'webhook');
		return {
			infra,
			main,
			workers,
			webhook,
			sharedEnv: shared,
			webhookBaseUrl: webhook?.baseUrl ?? main.baseUrl,
			workerOf: (id) => workers.find((w) => w.executionIds().includes(String(id)))?.name,
			describe: () => [
				`main      n8n start    ${main.baseUrl} (editor, REST, webhooks)   log ${path.relative(process.cwd(), main.logFile)}`,
				...workers.map((w) => `${w.name.padEnd(9)} n8n worker   health ${w.baseUrl}/healthz   log ${path.relative(process.cwd(), w.logFile)}`),
				...(webhook ? [`${webhook.name.padEnd(9)} n8n webhook  ${webhook.baseUrl}/webhook/...   log ${path.relative(process.cwd(), webhook.logFile)}`] : []),
				`redis     ${infra.redis.host}:${infra.redis.port}   QUEUE_BULL_PREFIX=${infra.prefix}`,
				`postgres  ${infra.postgres.host}:${infra.postgres.port}   database ${infra.postgres.database}, user ${infra.postgres.user}   data ${path.relative(process.cwd(), path.join(infra.dir, 'pg'))}`,
			],
			stop: stopAll,
		};
	} catch (error) {
		await stopAll();
		throw error;
	}
}
