// The benchmark's K2: the sandbox either in a child process (default; real K2 is remote, so its
// CPU should not compete with the node's on one event loop) or in this process (--in-process, as
// the integration tests run it, for comparison). Both give the same surface to sync.bench.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import type { RequestStats, Sandbox } from '../sandbox';
import { ensureTls } from '../sandbox/tls';
import { createHarness, k2Credential, runNode, shutdownHarness, type Harness, type RunResult } from '../test/harness/run-workflow';
import { startK2 } from '../test/support/fixture';
import { signInWithPkce, type SandboxLike } from '../test/support/oidc-login';
import { ScimClient } from '../test/support/scim-client';
import { withTimeout } from './measure';

export type SandboxMode = 'child-process' | 'in-process';

export interface SandboxInfo extends SandboxLike {
	/** Where the node sends SCIM requests: the round-trip proxy's address when there is one. */
	scimBaseUrl: string;
	/** The SCIM service's own address (child mode; the control endpoints are called there). */
	directScimBaseUrl?: string;
	/** The round trip the proxy in front of the SCIM service models (child mode, --rtt). */
	roundTripMs?: number;
	scimToken: string;
}

export interface SandboxUsage {
	cpuMs: number;
	rssMB: number;
}

export interface BenchK2 {
	mode: SandboxMode;
	sandbox: SandboxInfo;
	/** Child mode: the sandbox's pid. */
	sandboxPid?: number;
	harness: Harness;
	scim: ScimClient;
	stats(): Promise<RequestStats>;
	resetStats(): Promise<void>;
	setLatency(ms: number): Promise<void>;
	/** The sandbox's throttle model (sandbox/throttle.ts); `{}` turns it off. */
	setThrottle(t: { maxInFlight?: number; perSecond?: number; retryAfterSeconds?: number }): Promise<void>;
	/** Wipe all users and groups. */
	reset(): Promise<void>;
	/** Child mode: the sandbox process's own CPU time so far and RSS (in-process: undefined, it is ours). */
	sandboxUsage(): Promise<SandboxUsage | undefined>;
	run(parameters: INodeParameters, items: IDataObject[], options?: { continueOnFail?: boolean }): Promise<RunResult>;
	stop(): Promise<void>;
}

const CONTROL_TIMEOUT_MS = 30_000;

/**
 * `tlsDataDir`: serve over HTTPS with the CA in `<tlsDataDir>/tls` (child mode; this process must
 * trust it via NODE_EXTRA_CA_CERTS). `roundTripMs`: the node reaches the SCIM service through the
 * round-trip model (test/support/round-trip-proxy.ts) in the child (child mode).
 */
export async function startBenchK2(mode: SandboxMode, latencyMs: number, tlsDataDir?: string, roundTripMs?: number): Promise<BenchK2> {
	if ((tlsDataDir || roundTripMs !== undefined) && mode === 'in-process') throw new Error('--https and --rtt run the sandbox in a child process');
	return mode === 'in-process' ? await startInProcess(latencyMs) : await startChild(latencyMs, tlsDataDir, roundTripMs);
}

/**
 * The CA the HTTPS sandbox children use, trusted by this process: Node reads NODE_EXTRA_CA_CERTS
 * once, at start-up, so when it is not set to that CA this runs the benchmark again with it set
 * (certificate checks stay on) and exits with its status. Returns the TLS data folder.
 */
export function trustSandboxCa(script: string): string {
	const tlsRoot = path.join(os.tmpdir(), 'k2-bench-tls');
	const { caPath } = ensureTls(tlsRoot);
	if (process.env.NODE_EXTRA_CA_CERTS !== caPath) {
		const again = spawnSync(process.execPath, ['--import', 'tsx', script, ...process.argv.slice(2)], {
			cwd: path.resolve(__dirname, '..'),
			stdio: 'inherit',
			env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
		});
		process.exit(again.status ?? 1);
	}
	return tlsRoot;
}

async function startInProcess(latencyMs: number): Promise<BenchK2> {
	const k2 = await startK2({ latencyMs });
	const sandbox: Sandbox = k2.sandbox;
	return {
		mode: 'in-process',
		sandbox,
		harness: k2.harness,
		scim: k2.scim,
		stats: async () => sandbox.stats(),
		resetStats: async () => sandbox.resetStats(),
		setLatency: async (ms) => sandbox.setLatency(ms),
		setThrottle: async (t) => sandbox.setThrottle(t),
		reset: async () => await sandbox.reset(),
		sandboxUsage: async () => undefined,
		run: async (parameters, items, options = {}) => await k2.run(parameters, items, options),
		stop: async () => await k2.stop(),
	};
}

/** Spawns bench/sandbox-child.ts (node --import tsx), waits for its config line, bounded. */
async function spawnSandbox(latencyMs: number, tlsDataDir?: string, roundTripMs?: number): Promise<{ child: ChildProcess; info: SandboxInfo & { pid: number }; lines: readline.Interface }> {
	const root = path.resolve(__dirname, '..');
	const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'sandbox-child.ts'), '--latency', String(latencyMs), ...(tlsDataDir ? ['--https', tlsDataDir] : []), ...(roundTripMs !== undefined ? ['--rtt', String(roundTripMs)] : [])], {
		cwd: root,
		stdio: ['pipe', 'pipe', 'inherit'],
		env: { ...process.env, NODE_OPTIONS: '' },
	});
	// Whatever happens to this process, the sandbox does not outlive it.
	const killOnExit = () => {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	};
	process.once('exit', killOnExit);
	child.once('exit', () => process.removeListener('exit', killOnExit));

	const lines = readline.createInterface({ input: child.stdout! });
	try {
		const info = await withTimeout(
			new Promise<SandboxInfo & { pid: number }>((resolve, reject) => {
				child.once('error', reject);
				child.once('exit', (code, signal) => reject(new Error(`sandbox child exited before it was ready (code ${code}, signal ${signal})`)));
				lines.once('line', (line) => {
					try {
						const message = JSON.parse(line) as { ready?: SandboxInfo & { pid: number }; error?: string };
						if (message.ready) resolve(message.ready);
						else reject(new Error(`sandbox child: ${message.error ?? line}`));
					} catch {
						reject(new Error(`sandbox child printed something other than its config: ${line.slice(0, 200)}`));
					}
				});
			}),
			CONTROL_TIMEOUT_MS,
			'sandbox child start',
		);
		return { child, info, lines };
	} catch (error) {
		killOnExit();
		throw error;
	}
}

async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	try {
		await withTimeout(exited, 10_000, 'sandbox child stop');
	} catch {
		child.kill('SIGKILL');
		await withTimeout(exited, 5_000, 'sandbox child kill').catch(() => undefined);
	}
}

async function startChild(latencyMs: number, tlsDataDir?: string, roundTripMs?: number): Promise<BenchK2> {
	const { child, info, lines } = await spawnSandbox(latencyMs, tlsDataDir, roundTripMs);
	const pendingUsage: Array<(usage: SandboxUsage) => void> = [];
	lines.on('line', (line) => {
		try {
			const message = JSON.parse(line) as { usage?: { cpuUserMicros: number; cpuSystemMicros: number; rss: number } };
			if (message.usage) {
				const u = message.usage;
				pendingUsage.shift()?.({ cpuMs: (u.cpuUserMicros + u.cpuSystemMicros) / 1000, rssMB: Math.round((u.rss / 1024 / 1024) * 10) / 10 });
			}
		} catch {
			// not a protocol line; ignore
		}
	});

	const control = async (method: 'GET' | 'POST', route: string, body?: unknown): Promise<any> => {
		if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sandbox child is gone (code ${child.exitCode}, signal ${child.signalCode})`);
		const response = await withTimeout(
			fetch(`${info.directScimBaseUrl ?? info.scimBaseUrl}/_sandbox${route}`, {
				method,
				headers: body === undefined ? undefined : { 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
			}),
			CONTROL_TIMEOUT_MS + 1_000,
			`sandbox control ${method} ${route}`,
		);
		const text = await response.text();
		if (!response.ok) throw new Error(`sandbox control ${method} ${route}: HTTP ${response.status} ${text.slice(0, 200)}`);
		return text ? JSON.parse(text) : undefined;
	};

	let harness: Harness | undefined;
	try {
		harness = await createHarness();
		const tokens = await withTimeout(signInWithPkce(info), CONTROL_TIMEOUT_MS, 'PKCE sign-in');
		harness.credentials.add({
			id: 'k2',
			name: 'K2 Sandbox (child process)',
			type: 'k2ScimOAuth2Api',
			data: k2Credential({
				authority: info.authority,
				clientId: info.pkceClientId,
				scimBaseUrl: info.scimBaseUrl,
				scimToken: info.scimToken,
				oauthTokenData: tokens as unknown as Record<string, unknown>,
			}),
		});
	} catch (error) {
		if (harness) shutdownHarness();
		await stopChild(child);
		throw error;
	}
	const h = harness;

	return {
		mode: 'child-process',
		sandbox: info,
		sandboxPid: info.pid,
		harness: h,
		// ScimClient reads scimBaseUrl, scimToken and the client-credentials fields only.
		scim: new ScimClient(info as unknown as Sandbox),
		stats: async () => (await control('GET', '/stats')) as RequestStats,
		resetStats: async () => void (await control('POST', '/stats/reset')),
		setLatency: async (ms) => void (await control('POST', '/latency', { ms })),
		setThrottle: async (t) => void (await control('POST', '/throttle', t)),
		reset: async () => void (await control('POST', '/reset')),
		sandboxUsage: async () => {
			if (child.exitCode !== null || child.signalCode !== null) throw new Error('sandbox child is gone');
			const answer = new Promise<SandboxUsage>((resolve) => pendingUsage.push(resolve));
			child.stdin!.write('usage\n');
			return await withTimeout(answer, CONTROL_TIMEOUT_MS, 'sandbox usage');
		},
		run: async (parameters, items, options = {}) =>
			await runNode(h, { parameters, items, credentialId: 'k2', continueOnFail: options.continueOnFail }),
		stop: async () => {
			shutdownHarness();
			await stopChild(child);
		},
	};
}
