// `npm run bench`: User > Sync against the sandbox with 20 ms added latency per SCIM request,
// side by side with the baseline a user would otherwise build (User > Create or Update with one
// request in flight: per user a GET by userName filter, then POST / PATCH / nothing, one user
// after another), plus the 100,000-user in-memory diff. Prints figures and writes them as JSON.
//
//   npm run bench                         1,000 and 10,000 users, baseline at 10,000 sampled on 1,000
//   npm run bench -- --quick              1,000 users only (10,000 is skipped, and says so)
//   npm run bench -- --sizes 1000,10000   sizes to run
//   options: --baseline-sample 1000 (largest baseline run; bigger sizes are sampled), --in-flight 4,
//            --latency 20, --diff-users 100000, --sides sync,baseline, --no-diff,
//            --in-process (sandbox in this process, sharing its CPU, instead of a child process),
//            --no-plain-client (skip the diagnostic first sync with n8n's request path swapped out)
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

import type { IDataObject, IExecuteFunctions, INodeParameters, INodeProperties, INodeType } from 'n8n-workflow';

import { toScimUser, type UserFields } from '../nodes/K2Scim/scim/user';
import { NODE_TYPE } from '../test/harness/run-workflow';
import { benchUsers, countChanged, type BenchUser } from './data';
import { runDiffInChild, type DiffResult } from './diff';
import { startBenchK2, trustSandboxCa, type BenchK2, type SandboxMode } from './k2';
import { measureKeepAliveRoundTrip as measureRoundTrip, measureN8nPathAlone, measureN8nPathWithMapping, measureN8nRoundTrip, type PathAlone } from './n8n-round-trip';
import { withPlainClient } from './plain-client';
import { collectGarbage, cpuMsSince, median, startMemorySampler, withExecute, withTimeout, type MemoryFigures } from './measure';

// ---------------------------------------------------------------------------------------------
// Arguments

interface Args {
	sizes: number[];
	quick: boolean;
	baselineSample: number;
	/** The Sync's requestsInFlight values; the sync scenarios run once per value. */
	inFlight: number[];
	latencyMs: number;
	diffUsers: number;
	diff: boolean;
	sides: Array<'sync' | 'baseline'>;
	/** Where the sandbox runs: a child process (default) or this process (--in-process). */
	sandboxMode: SandboxMode;
	/** Also run each first sync with a plain HTTP client instead of n8n's (a diagnostic). */
	plainClient: boolean;
	/** --https: the TLS scenarios (runHttps) instead of the sync scenarios. */
	https: boolean;
	/** --https: added latencies to run the first sync at. */
	latencies: number[];
}

function parseArgs(argv: string[]): Args {
	const args: Args = {
		sizes: [1000, 10000],
		quick: false,
		baselineSample: 1000,
		inFlight: [4, 8],
		latencyMs: 20,
		diffUsers: 100_000,
		diff: true,
		sides: ['sync', 'baseline'],
		sandboxMode: 'child-process',
		plainClient: true,
		https: false,
		latencies: [20, 80],
	};
	let sizesGiven = false;
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		const value = () => {
			const v = argv[++i];
			if (v === undefined) throw new Error(`${flag} needs a value`);
			return v;
		};
		const positive = (v: string) => {
			const n = Number(v);
			if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got "${v}"`);
			return n;
		};
		switch (flag) {
			case '--quick':
				args.quick = true;
				break;
			case '--sizes':
				args.sizes = value().split(',').map(positive);
				sizesGiven = true;
				break;
			case '--baseline-sample':
				args.baselineSample = positive(value());
				break;
			case '--in-flight':
				args.inFlight = value().split(',').map(positive);
				break;
			case '--latency':
				args.latencyMs = Number(value());
				break;
			case '--diff-users':
				args.diffUsers = positive(value());
				break;
			case '--no-diff':
				args.diff = false;
				break;
			case '--in-process':
				args.sandboxMode = 'in-process';
				break;
			case '--https':
				args.https = true;
				break;
			case '--latencies':
				args.latencies = value().split(',').map(Number);
				break;
			case '--no-plain-client':
				args.plainClient = false;
				break;
			case '--sides':
				args.sides = value().split(',').map((s) => {
					if (s !== 'sync' && s !== 'baseline') throw new Error(`--sides: sync and/or baseline, got "${s}"`);
					return s;
				});
				break;
			case '--help':
				console.log('usage: tsx bench/sync.bench.ts [--quick] [--sizes 1000,10000] [--baseline-sample 1000] [--in-flight 4,8] [--latency 20] [--diff-users 100000] [--no-diff] [--sides sync,baseline] [--in-process] [--no-plain-client]');
				process.exit(0);
				break;
			default:
				throw new Error(`unknown argument "${flag}" (try --help)`);
		}
	}
	if ((args.quick || args.https) && !sizesGiven) args.sizes = [1000];
	return args;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

type ScenarioName = 'first sync' | 'no change' | '5% changed';
// 'plain client': the diagnostic first sync with n8n's request path swapped out (bench/plain-client.ts).
type Side = 'sync' | 'baseline' | 'plain client';
/** Creates sent by n8n's request path alone before each first sync (fewer at smaller sizes). */
const PATH_ALONE_CREATES = 2_000;

const SCENARIOS: ScenarioName[] = ['first sync', 'no change', '5% changed'];

interface ScenarioResult {
	size: number;
	scenario: ScenarioName;
	side: Side;
	/** Users in this run's input (the baseline at large sizes runs on a sample). */
	usersMeasured: number;
	/** K2 users in the tenant before the run. */
	tenantUsersBefore: number;
	sampled: boolean;
	wallMs: number;
	/**
	 * The node's own span: from its execute() being called to the output it returns, without what n8n
	 * does around it (starting the workflow, handing it the input items, taking its output). The
	 * request-path floors are measured over the same span (n8n-round-trip.ts), so the node's share of
	 * them is taken from it.
	 */
	executeMs: number;
	msPerUser: number;
	usersPerSecond: number;
	requests: { total: number; byMethod: Record<string, number>; byRoute: Record<string, number>; byStatus: Record<string, number>; tcpConnections: number };
	requestsPerUser: number;
	writes: number;
	/** Sandbox time spent handling requests (after the injected latency), summed over requests. */
	sandboxHandlingMs: number;
	/** CPU of the benchmark process (the node; in-process mode: node + sandbox). */
	cpu: { userMs: number; systemMs: number; totalMs: number };
	/** Child-process mode: CPU the sandbox process used during the scenario, and its RSS after it. */
	sandboxCpuMs?: number;
	sandboxRssMB?: number;
	/** os.loadavg() right after the scenario. */
	loadAverage: number[];
	memory: MemoryFigures;
	actions: Record<string, number>;
	expected: Record<string, number>;
	anomalies: string[];
	nodeError?: string;
	/** Sync rows: the Requests in Flight of the run. */
	inFlight?: number;
	/** First-sync rows: R measured right before this scenario (the machine's load drifts). */
	roundTripMs?: number;
	/** First-sync rows: R_n8n (one request through httpRequestWithAuthentication) measured right before. */
	roundTripN8nMs?: number;
	/** First-sync rows: creates/s of n8n's request path alone at the same C (no node code), measured right before. */
	n8nPathAlone?: PathAlone;
	/** n8n's request path with the same field mapping read per create (the floor for any node mapping these fields). */
	n8nPathWithMapping?: PathAlone;
	/** For sync rows: baseline ms/user divided by sync ms/user, same size and scenario. */
	speedupVsBaseline?: number;
}

const FIELD_EXPRESSIONS = {
	givenName: '={{ $json.givenName }}',
	familyName: '={{ $json.familyName }}',
	email: '={{ $json.email }}',
	externalId: '={{ $json.externalId }}',
	department: '={{ $json.department }}',
};

function syncParameters(inFlight: number): INodeParameters {
	return {
		resource: 'user',
		operation: 'sync',
		matchOn: 'userName',
		userName: '={{ $json.userName }}',
		additionalFields: { ...FIELD_EXPRESSIONS },
		groupNames: '',
		syncOptions: { dryRun: false, deprovision: 'none', requestsInFlight: inFlight, output: 'perUser' },
	};
}

function baselineParameters(): INodeParameters {
	return {
		resource: 'user',
		operation: 'createOrUpdate',
		matchOn: 'userName',
		userName: '={{ $json.userName }}',
		additionalFields: { ...FIELD_EXPRESSIONS },
		options: { requestsInFlight: 1 },
	};
}

async function tenantUserCount(k2: BenchK2): Promise<number> {
	const { status, body } = await k2.scim.request('GET', '/Users?count=1');
	if (status !== 200) throw new Error(`counting users: HTTP ${status}`);
	return Number(body.totalResults);
}

/** Runs `run` with the node type's execute() timed (the last call's span: one node run per workflow run here). */
async function withExecuteTimed<T>(k2: BenchK2, run: () => Promise<T>): Promise<{ result: T; executeMs: number }> {
	const nodeType = k2.harness.nodeTypes.getByName(NODE_TYPE) as INodeType;
	let executeMs = NaN;
	const timed = (original: NonNullable<INodeType['execute']>) =>
		async function (this: IExecuteFunctions) {
			const started = performance.now();
			try {
				return await original.call(this);
			} finally {
				executeMs = performance.now() - started;
			}
		};
	const result = await withExecute(nodeType, timed, run);
	return { result, executeMs };
}

async function runScenario(
	k2: BenchK2,
	meta: { size: number; scenario: ScenarioName; side: Side; sampled: boolean; expected: Record<string, number> },
	parameters: INodeParameters,
	users: BenchUser[],
	timeoutMs: number,
): Promise<ScenarioResult> {
	const tenantUsersBefore = await tenantUserCount(k2);
	const items = users as unknown as IDataObject[];
	collectGarbage();
	await k2.resetStats();
	const sandbox0 = await k2.sandboxUsage();
	const sampler = startMemorySampler();
	const cpu0 = process.cpuUsage();
	const t0 = performance.now();
	const { result, executeMs } = await withExecuteTimed(k2, () =>
		withTimeout(k2.run(parameters, items, { continueOnFail: true }), timeoutMs, `${meta.side} ${meta.scenario} at ${meta.size}`),
	);
	const wallMs = performance.now() - t0;
	const cpu = cpuMsSince(cpu0);
	const memory = sampler.stop();
	const stats = await k2.stats();
	const sandbox1 = await k2.sandboxUsage();

	const actions: Record<string, number> = {};
	for (const item of result.output ?? []) {
		const json = item.json;
		const action = typeof json.action === 'string' ? json.action : json.error !== undefined ? 'error' : 'unknown';
		actions[action] = (actions[action] ?? 0) + 1;
	}
	const writes = ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((sum, m) => sum + (stats.byMethod[m] ?? 0), 0);
	const anomalies: string[] = [];
	if (result.error) anomalies.push(`node failed: ${result.error.message}`);
	const outputCount = result.output?.length ?? 0;
	if (outputCount !== users.length) anomalies.push(`${outputCount} output items for ${users.length} input items`);
	for (const [action, n] of Object.entries(meta.expected)) {
		if ((actions[action] ?? 0) !== n) anomalies.push(`expected ${n} "${action}", got ${actions[action] ?? 0}`);
	}
	for (const [action, n] of Object.entries(actions)) {
		if (!(action in meta.expected)) anomalies.push(`unexpected ${n} "${action}"`);
	}
	const expectedWrites = (meta.expected.created ?? 0) + (meta.expected.updated ?? 0);
	if (writes !== expectedWrites) anomalies.push(`${writes} writes, expected ${expectedWrites}`);
	if (stats.faults.total) anomalies.push(`${stats.faults.total} injected faults`);
	const non2xx = Object.entries(stats.byStatus).filter(([status]) => !status.startsWith('2'));
	if (non2xx.length) anomalies.push(`non-2xx responses: ${non2xx.map(([s, n]) => `${n}x${s}`).join(', ')}`);
	const firstError = (result.output ?? []).find((item) => item.json.error !== undefined || item.json.action === 'error');

	return {
		...meta,
		usersMeasured: users.length,
		tenantUsersBefore,
		wallMs: Math.round(wallMs),
		executeMs: Math.round(executeMs),
		msPerUser: wallMs / users.length,
		usersPerSecond: (users.length / wallMs) * 1000,
		requests: { total: stats.total, byMethod: stats.byMethod, byRoute: stats.byRoute, byStatus: stats.byStatus, tcpConnections: stats.connections },
		requestsPerUser: stats.total / users.length,
		writes,
		sandboxHandlingMs: Math.round(Object.values(stats.timing).reduce((sum, t) => sum + t.totalMs, 0)),
		cpu,
		sandboxCpuMs: sandbox0 && sandbox1 ? Math.round(sandbox1.cpuMs - sandbox0.cpuMs) : undefined,
		sandboxRssMB: sandbox1?.rssMB,
		loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
		memory,
		actions,
		anomalies,
		nodeError: result.error?.message ?? (firstError ? JSON.stringify(firstError.json).slice(0, 300) : undefined),
	};
}

/** Creates users directly (not measured), with the latency off, so a sampled baseline sees a full tenant. */
async function seedUsers(k2: BenchK2, users: BenchUser[], latencyMs: number): Promise<void> {
	await k2.setLatency(0);
	try {
		let next = 0;
		const worker = async () => {
			while (next < users.length) {
				const user = users[next++];
				const resource = { ...toScimUser(user as UserFields), active: true };
				const { status, body } = await k2.scim.request('POST', '/Users', resource);
				if (status !== 201) throw new Error(`seeding ${user.userName}: HTTP ${status} ${JSON.stringify(body)}`);
			}
		};
		await withTimeout(Promise.all(Array.from({ length: 8 }, worker)), 10 * 60_000, 'seeding');
	} finally {
		await k2.setLatency(latencyMs);
	}
}

function syncAvailable(k2: BenchK2): boolean {
	const type = k2.harness.nodeTypes.getByName(NODE_TYPE) as { description?: { properties?: INodeProperties[] } };
	return (type.description?.properties ?? []).some(
		(p) =>
			p.name === 'operation' &&
			(p.displayOptions?.show?.resource as string[] | undefined)?.includes('user') &&
			(p.options as Array<{ value?: unknown }> | undefined)?.some((o) => o.value === 'sync'),
	);
}

// ---------------------------------------------------------------------------------------------
// Targets and printing

interface TargetCheck {
	target: string;
	status: 'PASS' | 'FAIL' | 'SKIPPED';
	detail: string;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function methodsCell(byMethod: Record<string, number>): string {
	const order = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
	const keys = [...order.filter((m) => byMethod[m]), ...Object.keys(byMethod).filter((m) => !order.includes(m))];
	return keys.map((m) => `${m} ${fmt(byMethod[m])}`).join(', ') || '-';
}

function printTable(rows: ScenarioResult[]): void {
	const header = ['size', 'scenario', 'side', 'C', 'users run', 'wall s', 'users/s', 'requests by method', 'req/user', 'CPU s', 'sandbox CPU s', 'peak RSS MB (+Δ)', 'heap Δ MB', 'vs baseline'];
	const lines = rows.map((r) => [
		fmt(r.size),
		r.scenario,
		r.side,
		r.inFlight !== undefined ? String(r.inFlight) : '1',
		r.sampled ? `${fmt(r.usersMeasured)} (sample)` : fmt(r.usersMeasured),
		fmt(r.wallMs / 1000, 2),
		fmt(r.usersPerSecond, 1),
		methodsCell(r.requests.byMethod),
		fmt(r.requestsPerUser, 3),
		fmt(r.cpu.totalMs / 1000, 2),
		r.sandboxCpuMs !== undefined ? fmt(r.sandboxCpuMs / 1000, 2) : 'in CPU s',
		`${fmt(r.memory.rssPeakMB)} (+${fmt(r.memory.rssPeakDeltaMB)})`,
		fmt(r.memory.heapPeakDeltaMB),
		r.side === 'baseline' ? '1x' : r.speedupVsBaseline !== undefined ? `${fmt(r.speedupVsBaseline, 1)}x faster` : 'n/a',
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
	const line = (cells: string[]) => cells.map((c, i) => (i >= 3 && i !== 7 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
	console.log(line(header));
	console.log(widths.map((w) => '-'.repeat(w)).join('  '));
	for (const l of lines) console.log(line(l));
}

/**
 * The share of C/R a first sync reaches with n8n's request path and with a plain client, side by
 * side: the difference is what n8n-core's per-request work costs (not a target, a diagnostic).
 */
function printPlainClientDiagnostic(args: Args, rows: ScenarioResult[]): void {
	const plain = rows.filter((r) => r.side === 'plain client');
	if (plain.length === 0) return;
	const share = (r: ScenarioResult) => (((r.actions.created ?? 0) / r.wallMs) * 1000) / (((r.inFlight ?? NaN) / (r.roundTripMs ?? NaN)) * 1000);
	console.log(`\n=== Diagnostic: first sync through n8n's httpRequestWithAuthentication vs a plain keep-alive client (same node code otherwise; C = ${plain[0].inFlight}; R = keep-alive R) ===`);
	for (const p of plain) {
		const n8n = rows.find((r) => r.side === 'sync' && r.scenario === 'first sync' && r.size === p.size && r.inFlight === p.inFlight);
		const n8nText = n8n ? `n8n's request path ${fmt(n8n.wallMs / 1000, 2)} s = ${fmt(share(n8n) * 100, 1)}% of C/R` : 'n8n side not run';
		console.log(`${fmt(p.size)} users: ${n8nText}; plain client ${fmt(p.wallMs / 1000, 2)} s = ${fmt(share(p) * 100, 1)}% of C/R (each with R measured just before)`);
	}
}

function checkTargets(args: Args, rows: ScenarioResult[], roundTripMs: number, diff: DiffResult | undefined, skipped: string[]): TargetCheck[] {
	const checks: TargetCheck[] = [];
	const syncRows = rows.filter((r) => r.side === 'sync');

	// 1. At most 1 request per created or changed user plus floor(N/100) + 1 list pages: the listing
	// goes on while pages come back full (totalResults alone is not trusted: K2's meaning of it is
	// unknown), so the page that proves the end is short or, when N is a multiple of 100, empty.
	if (syncRows.length === 0) {
		checks.push({ target: 'requests <= created/changed + floor(N/100) + 1 list pages', status: 'SKIPPED', detail: 'no sync run' });
	}
	for (const r of syncRows) {
		const changes = (r.actions.created ?? 0) + (r.actions.updated ?? 0);
		const listed = Math.max(r.usersMeasured, r.tenantUsersBefore);
		const pages = Math.floor(listed / 100) + 1;
		const budget = changes + pages;
		checks.push({
			target: `requests <= created/changed + floor(N/100) + 1 list pages (${fmt(r.size)}, ${r.scenario})`,
			status: r.requests.total <= budget ? 'PASS' : 'FAIL',
			detail: `${fmt(r.requests.total)} requests (${methodsCell(r.requests.byMethod)}) vs budget ${fmt(changes)} + ${fmt(pages)} = ${fmt(budget)}`,
		});
	}

	// 2. No-change re-sync of 10,000 users in at most 101 requests.
	const noChange10k = syncRows.find((r) => r.size === 10000 && r.scenario === 'no change');
	checks.push(
		noChange10k
			? {
					target: 'no-change re-sync of 10,000 users in <= 101 requests',
					status: noChange10k.requests.total <= 101 ? 'PASS' : 'FAIL',
					detail: `${fmt(noChange10k.requests.total)} requests (${methodsCell(noChange10k.requests.byMethod)}), ${noChange10k.writes} writes`,
				}
			: { target: 'no-change re-sync of 10,000 users in <= 101 requests', status: 'SKIPPED', detail: '10,000 users not run' },
	);

	// 3. Creates at >= 90% of C/R_n8n users per second: R_n8n is one request through n8n's own
	// request path, measured just before the run; no node sends faster than C of those at a time.
	// The share of C/R with R from a keep-alive client is printed beside it, as context.
	const firstRows = syncRows.filter((r) => r.scenario === 'first sync');
	if (firstRows.length === 0) checks.push({ target: 'creates >= 90% of C/R_n8n users/s', status: 'SKIPPED', detail: 'no first sync run' });
	for (const r of firstRows) {
		const c = r.inFlight ?? NaN;
		const created = r.actions.created ?? 0;
		const rate = (created / r.wallMs) * 1000;
		const rN8n = r.roundTripN8nMs ?? NaN;
		const ideal = (c / rN8n) * 1000;
		const rKeepAlive = r.roundTripMs ?? roundTripMs;
		const idealKeepAlive = (c / rKeepAlive) * 1000;
		const pass = rate >= 0.9 * ideal;
		const alone = r.n8nPathAlone;
		const aloneShare = alone ? alone.createdPerSecond / ideal : NaN;
		// Why it fails, when it does, in figures: whether n8n's request path alone, with no node
		// code, reaches 90% at this C on this machine.
		const reason = pass || !alone
			? ''
			: aloneShare < 0.9
				? ` Reason: n8n's request path alone (${fmt(alone.creates)} creates, C in flight, no node code) reaches ${fmt(alone.createdPerSecond, 1)}/s = ${fmt(aloneShare * 100, 1)}% of C/R_n8n in this run, under 90% by itself, so in this run no node could reach 90% through that helper. With C in flight each request waits for the others' CPU (n8n-core's credential read and expression resolution, a new agent and TCP connection, axios, on one event loop; the sandbox on the same 2 cores): how that was located is in bench/README.md. The node reaches ${fmt((rate / alone.createdPerSecond) * 100, 1)}% of what the helper alone does (next line).`
				: ` n8n's request path alone reaches ${fmt(aloneShare * 100, 1)}% of C/R_n8n here: the gap is the node's own.`;
		checks.push({
			target: `creates >= 90% of C/R_n8n users/s (${fmt(r.size)} users, C = ${c})`,
			status: pass ? 'PASS' : 'FAIL',
			detail: `${fmt(rate, 1)} created/s (whole run, ${fmt(created)} in ${fmt(r.wallMs / 1000, 2)} s) = ${fmt((rate / ideal) * 100, 1)}% of C/R_n8n = ${c}/${fmt(rN8n, 2)} ms (measured just before) = ${fmt(ideal, 1)}/s; 90% = ${fmt(0.9 * ideal, 1)}/s. Context: ${fmt((rate / idealKeepAlive) * 100, 1)}% of C/R with keep-alive R = ${fmt(rKeepAlive, 2)} ms.${reason}`,
		});
		// The node's own share of the time, apart from the machine and n8n-core: this project's target, not the issue's.
		// Over the same span as the floors: the node's execute() (whole-run figures in the detail).
		if (alone) {
			const ownRate = (created / r.executeMs) * 1000;
			const span = `node's execute() ${fmt(r.executeMs / 1000, 2)} s of the run's ${fmt(r.wallMs / 1000, 2)} s; over the whole run ${fmt(rate, 1)} created/s`;
			const share = ownRate / alone.createdPerSecond;
			const mapped = r.n8nPathWithMapping;
			const mappingShare = mapped ? mapped.createdPerSecond / alone.createdPerSecond : NaN;
			checks.push({
				target: `creates >= 90% of n8n's request path alone at the same C (${fmt(r.size)} users, C = ${c})`,
				status: share >= 0.9 ? 'PASS' : 'FAIL',
				detail: `${fmt(ownRate, 1)} created/s (${span}) = ${fmt(share * 100, 1)}% of ${fmt(alone.createdPerSecond, 1)}/s: ${fmt(alone.creates)} creates sent through httpRequestWithAuthentication by ${c} loops with bodies built beforehand, measured just before (the node's expressions, planning and output are the rest)${mapped ? `. Reading the workflow's mapped fields alone (n8n's expressions, per create) brings the path to ${fmt(mapped.createdPerSecond, 1)}/s = ${fmt(mappingShare * 100, 1)}% of it${mappingShare < 0.9 ? ': under 90% before any node code, so no node mapping these fields reaches this line here; the next line is the node\'s own share' : ''}` : ''}`,
			});
			if (mapped) {
				const ownShare = ownRate / mapped.createdPerSecond;
				checks.push({
					target: `creates >= 90% of n8n's request path with the same field mapping (${fmt(r.size)} users, C = ${c})`,
					status: ownShare >= 0.9 ? 'PASS' : 'FAIL',
					detail: `${fmt(ownRate, 1)} created/s (${span}) = ${fmt(ownShare * 100, 1)}% of ${fmt(mapped.createdPerSecond, 1)}/s (${fmt(mapped.creates)} creates by ${c} loops, each reading its item's mapped fields through getNodeParameter, then sending): the rest is the node's own matching, planning, checks and output`,
				});
			}
		}
	}

	// 4. At least 10x faster than the baseline at 10,000 users.
	const at10k = syncRows.filter((r) => r.size === 10000);
	// The baseline is 2 sequential round trips per user, the sync ~1 round trip with C in flight:
	// the ceiling is about 2C (8x at C = 4), so the line says which C it was measured at.
	if (at10k.length === 0) checks.push({ target: '>= 10x faster than the baseline at 10,000 users', status: 'SKIPPED', detail: '10,000 users not run' });
	for (const r of at10k) {
		const atC = `at C = ${r.inFlight}`;
		const ceiling = `ceiling ~2C = ${2 * (r.inFlight ?? NaN)}x`;
		const base = rows.find((b) => b.side === 'baseline' && b.size === r.size && b.scenario === r.scenario);
		if (!base || r.speedupVsBaseline === undefined) {
			checks.push({ target: `>= 10x faster than the baseline at 10,000 (${r.scenario}, ${atC})`, status: 'SKIPPED', detail: 'baseline not run' });
			continue;
		}
		checks.push({
			target: `>= 10x faster than the baseline at 10,000 (${r.scenario}, ${atC})`,
			status: r.speedupVsBaseline >= 10 ? 'PASS' : 'FAIL',
			detail: `${fmt(r.speedupVsBaseline, 1)}x${r.scenario === 'first sync' ? ` (${ceiling})` : ''}: sync ${fmt(r.msPerUser, 2)} ms/user vs baseline ${fmt(base.msPerUser, 2)} ms/user${base.sampled ? ` (baseline measured on ${fmt(base.usersMeasured)} of ${fmt(base.size)} users in a ${fmt(base.size)}-user tenant)` : ''}`,
		});
	}

	// 6. 100,000 users end to end (issue #10): no-change re-sync in <= 1,001 requests, peak RSS
	// < 1.5 GB, and CPU per user within 25% of the cost per user at 10,000 (nothing quadratic).
	for (const r of syncRows.filter((x) => x.size === 100_000)) {
		const at = `100,000 users, ${r.scenario}, C = ${r.inFlight}`;
		if (r.scenario === 'no change') {
			checks.push({ target: `no-change re-sync of 100,000 users in <= 1,001 requests (C = ${r.inFlight})`, status: r.requests.total <= 1001 ? 'PASS' : 'FAIL', detail: `${fmt(r.requests.total)} requests (${methodsCell(r.requests.byMethod)}), ${r.writes} writes` });
		}
		checks.push({ target: `peak RSS < 1.5 GB (${at})`, status: r.memory.rssPeakMB < 1536 ? 'PASS' : 'FAIL', detail: `peak RSS ${fmt(r.memory.rssPeakMB)} MB (benchmark process: n8n-core + the node + 100,000 input items)` });
		const small = syncRows.find((x) => x.size === 10_000 && x.scenario === r.scenario && x.inFlight === r.inFlight);
		if (!small) {
			checks.push({ target: `CPU per user at 100,000 within 25% of 10,000 (${r.scenario})`, status: 'SKIPPED', detail: '10,000 users not run at the same C' });
			continue;
		}
		const big = r.cpu.totalMs / r.usersMeasured;
		const base = small.cpu.totalMs / small.usersMeasured;
		checks.push({
			target: `CPU per user at 100,000 within 25% of 10,000 (${r.scenario}, C = ${r.inFlight})`,
			status: big <= base * 1.25 ? 'PASS' : 'FAIL',
			detail: `${fmt(big, 3)} ms/user at 100,000 vs ${fmt(base, 3)} ms/user at 10,000 = ${fmt((big / base) * 100, 1)}%; wall ${fmt(r.wallMs / 1000, 1)} s vs ${fmt(small.wallMs / 1000, 1)} s (${fmt(r.msPerUser, 3)} vs ${fmt(small.msPerUser, 3)} ms/user)`,
		});
	}

	// 5. The 100,000-user diff under 2 s CPU and 500 MB.
	if (!diff) {
		checks.push({ target: `${fmt(args.diffUsers)}-user diff < 2 s CPU and < 500 MB`, status: 'SKIPPED', detail: skipped.find((s) => s.startsWith('diff')) ?? 'not run' });
	} else {
		const cold = diff.runs[0];
		const worstCpu = Math.max(...diff.runs.map((r) => r.cpuMs));
		const worstHeap = Math.max(...diff.runs.map((r) => r.heapAllocatedMB));
		checks.push({
			target: `${fmt(diff.users)}-user diff < 2 s CPU`,
			status: worstCpu < 2000 ? 'PASS' : 'FAIL',
			detail: `${fmt(cold.cpuMs)} ms CPU cold (worst of ${diff.runs.length}: ${fmt(worstCpu)} ms), wall ${fmt(cold.wallMs)} ms`,
		});
		checks.push({
			target: `${fmt(diff.users)}-user diff < 500 MB`,
			status: diff.peakRssMB < 500 && worstHeap < 500 ? 'PASS' : 'FAIL',
			detail: `whole process peak RSS ${fmt(diff.peakRssMB)} MB (incl. ${fmt(diff.existing)} existing + ${fmt(diff.desired)} desired users in memory and the tsx runtime); planning allocated ${fmt(worstHeap, 1)} MB of heap`,
		});
	}
	return checks;
}


// ---------------------------------------------------------------------------------------------
// --https: K2 is served over TLS, and n8n-core 2.8 opens a new connection, so a new TLS
// handshake, for every request. The same scenarios against a plain-HTTP sandbox in the same run
// give the ratios.

/** Median time to a TCP connection and to a finished TLS handshake (new connection each, as n8n does). */
async function measureHandshake(url: string): Promise<{ tcpMs: number; tlsMs: number; samples: number }> {
	const { hostname, port } = new URL(url);
	const once = async (secure: boolean) => {
		const t0 = performance.now();
		await withTimeout(
			new Promise<void>((resolve, reject) => {
				const socket = secure
					? tls.connect({ host: hostname, port: Number(port) }, () => {
							socket.destroy();
							resolve();
						})
					: net.connect({ host: hostname, port: Number(port) }, () => {
							socket.destroy();
							resolve();
						});
				socket.once('error', reject);
			}),
			10_000,
			'handshake',
		);
		return performance.now() - t0;
	};
	const tcp: number[] = [];
	const secure: number[] = [];
	for (let i = 0; i < 45; i++) {
		const a = await once(false);
		const b = await once(true);
		if (i >= 5) {
			tcp.push(a);
			secure.push(b);
		}
	}
	return { tcpMs: median(tcp), tlsMs: median(secure), samples: secure.length };
}

async function runHttps(args: Args): Promise<void> {
	const tlsRoot = trustSandboxCa(__filename);
	const caPath = process.env.NODE_EXTRA_CA_CERTS;
	const startedAt = new Date();
	const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
	console.log(`K2 SCIM HTTPS benchmark — ${startedAt.toISOString()}`);
	console.log(`node ${process.version}, ${os.cpus().length} CPU, load average ${load()}; CA ${caPath} trusted via NODE_EXTRA_CA_CERTS (certificate checks on)`);
	console.log(`first sync of ${args.sizes.map((s) => fmt(s)).join(', ')} users at C = ${args.inFlight.join(', ')}, added latency ${args.latencies.join(', ')} ms; over HTTPS and over HTTP, same run\n`);
	const rows: Array<{ scheme: string; latencyMs: number; size: number; inFlight: number; rN8nMs: number; wallMs: number; createdPerSecond: number; shareOfCR: number; connections: number; anomalies: string[]; load: number[] }> = [];
	const handshakes: Record<string, unknown> = {};
	for (const scheme of ['https', 'http'] as const) {
		const k2 = await startBenchK2('child-process', args.latencies[0], scheme === 'https' ? tlsRoot : undefined);
		try {
			if (!k2.sandbox.scimBaseUrl.startsWith(`${scheme}:`)) throw new Error(`expected a ${scheme} sandbox, got ${k2.sandbox.scimBaseUrl}`);
			const nodeType = k2.harness.nodeTypes.getByName(NODE_TYPE) as INodeType;
			await k2.run(syncParameters(args.inFlight[0]), benchUsers(9_000_000, 9_000_050) as unknown as IDataObject[], { continueOnFail: true });
			if (scheme === 'https') {
				const h = await measureHandshake(k2.sandbox.scimBaseUrl);
				handshakes.https = h;
				console.log(`[${scheme}] new connection: TCP ${fmt(h.tcpMs, 2)} ms, TCP + TLS handshake ${fmt(h.tlsMs, 2)} ms: TLS costs ${fmt(h.tlsMs - h.tcpMs, 2)} ms per request on a new connection (median of ${h.samples}; loopback, RSA 2048)`);
			}
			await k2.setLatency(0);
			const r0 = await measureN8nRoundTrip(k2, nodeType, syncParameters(4));
			handshakes[`${scheme}RN8nNoLatencyMs`] = r0.medianMs;
			console.log(`[${scheme}] R_n8n with no added latency: ${fmt(r0.medianMs, 2)} ms (min ${fmt(r0.minMs, 2)})`);
			for (const latencyMs of args.latencies) {
				await k2.setLatency(latencyMs);
				for (const size of args.sizes) {
					for (const inFlight of args.inFlight) {
						await k2.reset();
						const rN8n = (await measureN8nRoundTrip(k2, nodeType, syncParameters(inFlight))).medianMs;
						process.stdout.write(`[${scheme}] latency ${latencyMs} ms, ${fmt(size)} users, C = ${inFlight} (R_n8n just before ${fmt(rN8n, 2)} ms)... `);
						const r = await runScenario(k2, { size, scenario: 'first sync', side: 'sync', sampled: false, expected: { created: size } }, syncParameters(inFlight), benchUsers(0, size), Math.max(120_000, size * (latencyMs + 10) * 3));
						const rate = ((r.actions.created ?? 0) / r.wallMs) * 1000;
						rows.push({ scheme, latencyMs, size, inFlight, rN8nMs: rN8n, wallMs: r.wallMs, createdPerSecond: rate, shareOfCR: rate / ((inFlight / rN8n) * 1000), connections: r.requests.tcpConnections, anomalies: r.anomalies, load: r.loadAverage });
						console.log(`${fmt(r.wallMs / 1000, 2)} s, ${fmt(rate, 1)} created/s = ${fmt((rate / ((inFlight / rN8n) * 1000)) * 100, 1)}% of C/R_n8n, ${fmt(r.requests.tcpConnections)} connections, load ${r.loadAverage.join(' ')}${r.anomalies.length ? `  !! ${r.anomalies.join('; ')}` : ''}`);
					}
				}
			}
		} finally {
			await k2.stop();
		}
	}
	console.log(`\n=== HTTPS vs HTTP, first sync (load average now ${load()}) ===`);
	for (const r of rows.filter((x) => x.scheme === 'https')) {
		const plain = rows.find((x) => x.scheme === 'http' && x.latencyMs === r.latencyMs && x.size === r.size && x.inFlight === r.inFlight);
		console.log(`latency ${r.latencyMs} ms, ${fmt(r.size)} users, C = ${r.inFlight}: HTTPS ${fmt(r.createdPerSecond, 1)} created/s (R_n8n ${fmt(r.rN8nMs, 2)} ms)${plain ? `, HTTP ${fmt(plain.createdPerSecond, 1)} created/s (R_n8n ${fmt(plain.rN8nMs, 2)} ms): HTTPS at ${fmt((r.createdPerSecond / plain.createdPerSecond) * 100, 1)}% of HTTP` : ''}`);
	}
	const outDir = path.join(__dirname, 'results');
	mkdirSync(outDir, { recursive: true });
	const file = path.join(outDir, `https-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
	writeFileSync(file, JSON.stringify({ startedAt, finishedAt: new Date(), args, loadAverageAtEnd: os.loadavg(), handshakes, rows }, null, 2));
	console.log(`\nfigures written to ${path.relative(process.cwd(), file)}`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	if (args.https) return await runHttps(args);
	const startedAt = new Date();
	const skipped: string[] = [];
	const notes: string[] = [];
	console.log(`K2 SCIM sync benchmark — ${startedAt.toISOString()}`);
	const loadAtStart = os.loadavg();
	console.log(`node ${process.version}, ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), ${os.platform()} ${os.release()}, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);
	console.log(`sandbox: ${args.sandboxMode === 'in-process' ? 'IN THIS PROCESS (--in-process; its CPU competes with the node\'s)' : 'child process (its own CPU; as a remote K2 would be)'}`);
	console.log(`sizes ${args.sizes.map((s) => fmt(s)).join(', ')}; sides ${args.sides.join(' + ')}; latency ${args.latencyMs} ms per SCIM request; sync requestsInFlight C = ${args.inFlight.join(', ')}; baseline runs at most ${fmt(args.baselineSample)} users per size\n`);
	if (args.quick && !args.sizes.includes(10000)) skipped.push('10,000 users: skipped (--quick); nothing is extrapolated to it');

	// 1. The diff alone, first and in its own process: no sandbox competing for the CPU.
	let diff: DiffResult | undefined;
	if (args.diff) {
		console.log(`[diff] planUserSync over ${fmt(args.diffUsers)} existing x ${fmt(args.diffUsers)} desired users (own process)...`);
		diff = await runDiffInChild(args.diffUsers, 180_000);
	} else skipped.push('diff: skipped (--no-diff)');

	// 2. Sandbox (child process, or this process with --in-process) + harness + credential.
	const k2 = await startBenchK2(args.sandboxMode, args.latencyMs);
	if (k2.sandboxPid) console.log(`[sandbox] child process pid ${k2.sandboxPid}, ${k2.sandbox.scimBaseUrl}`);
	const rows: ScenarioResult[] = [];
	let roundTrip: Awaited<ReturnType<typeof measureRoundTrip>>;
	try {
		const sides = [...args.sides];
		if (sides.includes('sync') && !syncAvailable(k2)) {
			sides.splice(sides.indexOf('sync'), 1);
			skipped.push('sync side: skipped — the built package has no User > Sync operation (run `npm run build` once it exists)');
			console.log('!! the built package has no User > Sync operation: sync scenarios skipped\n');
		}

		// Warm-up (not measured): n8n-core, the expression engine and the JIT warm up on the first
		// run in a process; a long-running n8n instance is past that. 50 users through each side.
		{
			const warm = benchUsers(9_000_000, 9_000_050);
			process.stdout.write('[warm-up] 50 users through each side, not measured... ');
			const w0 = performance.now();
			if (sides.includes('sync')) {
				await withTimeout(k2.run(syncParameters(args.inFlight[0]), warm as unknown as IDataObject[], { continueOnFail: true }), 60_000, 'warm-up');
			}
			if (sides.includes('baseline')) {
				await withTimeout(k2.run(baselineParameters(), warm as unknown as IDataObject[], { continueOnFail: true }), 60_000, 'warm-up');
			}
			await k2.reset();
			console.log(`${fmt((performance.now() - w0) / 1000, 1)} s\n`);
		}
		roundTrip = await measureRoundTrip(k2);
		console.log(`[R] GET /Users?filter round trip: median ${fmt(roundTrip.medianMs, 2)} ms (min ${fmt(roundTrip.minMs, 2)}, max ${fmt(roundTrip.maxMs, 2)}, ${roundTrip.samples} samples, plain fetch)\n`);

		for (const size of args.sizes) {
			const desired = benchUsers(0, size);
			const changed = benchUsers(0, size, true);
			const nChanged = countChanged(0, size);
			if (sides.includes('sync')) {
				const timeout = Math.max(120_000, size * (args.latencyMs + 5) * 3);
				const nodeType = k2.harness.nodeTypes.getByName(NODE_TYPE) as INodeType;
				const expectations: Record<ScenarioName, [BenchUser[], Record<string, number>]> = {
					'first sync': [desired, { created: size }],
					'no change': [desired, { unchanged: size }],
					'5% changed': [changed, { updated: nChanged, unchanged: size - nChanged }],
				};
				for (const inFlight of args.inFlight) {
					const params = syncParameters(inFlight);
					// The most any node reaches through n8n's helper at this C here (n8n-round-trip.ts).
					await k2.reset();
					const pathAlone = await measureN8nPathAlone(k2, nodeType, params, inFlight, Math.min(size, PATH_ALONE_CREATES));
					console.log(`[${fmt(size)}] C = ${inFlight} n8n's request path alone (${fmt(pathAlone.creates)} creates through httpRequestWithAuthentication, no node code): ${fmt(pathAlone.createdPerSecond, 1)} created/s`);
					await k2.reset();
					const withMapping = await measureN8nPathWithMapping(k2, nodeType, params, inFlight, benchUsers(7_000_000, 7_000_000 + Math.min(size, PATH_ALONE_CREATES)) as unknown as IDataObject[]);
					console.log(`[${fmt(size)}] C = ${inFlight} n8n's request path with the mapping (each create reads its ${1 + Object.keys(FIELD_EXPRESSIONS).length} mapped fields through getNodeParameter first): ${fmt(withMapping.createdPerSecond, 1)} created/s`);
					await k2.reset();
					for (const scenario of SCENARIOS) {
						const [users, expected] = expectations[scenario];
						// Right before each first sync: R from a keep-alive client (context) and R_n8n (the target's R).
						const rNow = scenario === 'first sync' ? (await measureRoundTrip(k2)).medianMs : undefined;
						const rN8n = scenario === 'first sync' ? (await measureN8nRoundTrip(k2, nodeType, params)).medianMs : undefined;
						process.stdout.write(`[${fmt(size)}] C = ${inFlight} sync ${scenario}${rNow === undefined ? '' : ` (just before: R_n8n ${fmt(rN8n!, 2)} ms, keep-alive R ${fmt(rNow, 2)} ms)`}... `);
						const r = await runScenario(k2, { size, scenario, side: 'sync', sampled: false, expected }, params, users, timeout);
						r.inFlight = inFlight;
						if (rNow !== undefined) r.roundTripMs = rNow;
						if (rN8n !== undefined) r.roundTripN8nMs = rN8n;
						if (scenario === 'first sync') {
							r.n8nPathAlone = pathAlone;
							r.n8nPathWithMapping = withMapping;
						}
						rows.push(r);
						console.log(`${fmt(r.wallMs / 1000, 2)} s, ${fmt(r.requests.total)} requests, load ${r.loadAverage.map((l) => l.toFixed(2)).join(' ')}${r.anomalies.length ? `  !! ${r.anomalies.join('; ')}` : ''}`);
					}
					const after = await tenantUserCount(k2);
					if (after !== size) notes.push(`after the ${fmt(size)}-user sync scenarios at C = ${inFlight} the tenant holds ${fmt(after)} users (expected ${fmt(size)})`);
				}
				if (args.plainClient) {
					const inFlight = args.inFlight[0];
					await k2.reset();
					const rNow = (await measureRoundTrip(k2)).medianMs;
					process.stdout.write(`[${fmt(size)}] diagnostic: first sync at C = ${inFlight} with a plain keep-alive client instead of n8n's request path (R just before: ${fmt(rNow, 2)} ms)... `);
					const r = await withPlainClient(nodeType, async () =>
						await runScenario(k2, { size, scenario: 'first sync', side: 'plain client', sampled: false, expected: { created: size } }, syncParameters(inFlight), desired, timeout),
					);
					r.inFlight = inFlight;
					r.roundTripMs = rNow;
					rows.push(r);
					console.log(`${fmt(r.wallMs / 1000, 2)} s, ${fmt(r.requests.total)} requests${r.anomalies.length ? `  !! ${r.anomalies.join('; ')}` : ''}`);
				}
			}
			if (sides.includes('baseline')) {
				const sample = Math.min(size, args.baselineSample);
				const sampled = sample < size;
				await k2.reset();
				if (sampled) {
					process.stdout.write(`[${fmt(size)}] seeding ${fmt(size - sample)} other users for the sampled baseline (latency off, not measured)... `);
					const s0 = performance.now();
					await seedUsers(k2, benchUsers(0, size - sample), args.latencyMs);
					console.log(`${fmt((performance.now() - s0) / 1000, 1)} s`);
					notes.push(`baseline at ${fmt(size)} users: measured on the last ${fmt(sample)} users (a tenant of ${fmt(size)} users), per-user rate scaled to ${fmt(size)} for the ratio`);
				}
				const from = size - sample;
				const timeout = Math.max(120_000, sample * 2 * (args.latencyMs + 5) * 3);
				const nChangedSample = countChanged(from, size);
				const expectations: Record<ScenarioName, [BenchUser[], Record<string, number>]> = {
					'first sync': [benchUsers(from, size), { created: sample }],
					'no change': [benchUsers(from, size), { unchanged: sample }],
					'5% changed': [benchUsers(from, size, true), { updated: nChangedSample, unchanged: sample - nChangedSample }],
				};
				for (const scenario of SCENARIOS) {
					const [users, expected] = expectations[scenario];
					process.stdout.write(`[${fmt(size)}] baseline ${scenario} (${fmt(users.length)} users)... `);
					const r = await runScenario(k2, { size, scenario, side: 'baseline', sampled, expected }, baselineParameters(), users, timeout);
					rows.push(r);
					console.log(`${fmt(r.wallMs / 1000, 2)} s, ${fmt(r.requests.total)} requests, load ${r.loadAverage.map((l) => l.toFixed(2)).join(' ')}${r.anomalies.length ? `  !! ${r.anomalies.join('; ')}` : ''}`);
				}
			}
		}
	} finally {
		await k2.stop();
	}

	for (const r of rows) {
		if (r.side !== 'sync') continue;
		const base = rows.find((b) => b.side === 'baseline' && b.size === r.size && b.scenario === r.scenario);
		if (base) r.speedupVsBaseline = base.msPerUser / r.msPerUser;
	}
	if (!args.sides.includes('baseline')) skipped.push('baseline side: skipped (--sides)');

	// 3. Print.
	console.log(`\n=== Scenarios (sandbox: ${args.sandboxMode}; latency ${args.latencyMs} ms/request, C = ${args.inFlight.join(', ')}, keep-alive R = ${fmt(roundTrip.medianMs, 2)} ms; load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}) ===`);
	printTable(rows);
	console.log(
		args.sandboxMode === 'in-process'
			? '\nwall/users/s: whole node run through WorkflowExecute (trigger -> K2 SCIM). CPU and memory: this one process, which also hosts the sandbox (--in-process).'
			: '\nwall/users/s: whole node run through WorkflowExecute (trigger -> K2 SCIM). CPU s and memory: the benchmark process (n8n-core + the node); sandbox CPU s: the sandbox child process.',
	);
	console.log('"vs baseline" = baseline ms/user ÷ sync ms/user, same size and scenario; a sampled baseline ran on a subset (see notes).');
	console.log('\nsandbox handling time (after the injected latency), per scenario:');
	for (const r of rows) {
		console.log(`  ${fmt(r.size).padStart(6)} ${r.scenario.padEnd(10)} ${r.side.padEnd(12)} ${fmt(r.sandboxHandlingMs)} ms over ${fmt(r.requests.total)} requests on ${fmt(r.requests.tcpConnections)} TCP connections (${fmt(r.sandboxHandlingMs / Math.max(1, r.requests.total), 2)} ms each)${r.sandboxCpuMs !== undefined ? `, sandbox process CPU ${fmt(r.sandboxCpuMs)} ms (${fmt(r.sandboxCpuMs / Math.max(1, r.requests.total), 2)} ms/request)` : ''}; routes: ${Object.entries(r.requests.byRoute).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
	}
	if (diff) {
		console.log(`\n=== In-memory diff: planUserSync, ${fmt(diff.existing)} existing x ${fmt(diff.desired)} desired (no network, own process) ===`);
		console.log(`plan: ${Object.entries(diff.runs[0].plan).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} (expected create ${fmt(diff.expected.create)}, update ${fmt(diff.expected.update)}, unchanged ${fmt(diff.expected.unchanged)}, deprovision ${fmt(diff.expected.deprovision)})`);
		diff.runs.forEach((run, i) =>
			console.log(`run ${i + 1}${i === 0 ? ' (cold)' : ''}: CPU ${fmt(run.cpuMs)} ms (user ${fmt(run.cpuUserMs)}), wall ${fmt(run.wallMs)} ms, heap allocated ${fmt(run.heapAllocatedMB, 1)} MB, plan retained ${fmt(run.heapRetainedMB, 1)} MB`),
		);
		console.log(`process RSS: ${fmt(diff.rssStartMB)} MB bare, ${fmt(diff.rssAfterGenerateMB)} MB with the inputs (${fmt(diff.inputsHeapMB)} MB heap, generated in ${fmt(diff.generateMs)} ms), peak ${fmt(diff.peakRssMB)} MB`);
		const p = diff.runs[0].plan;
		const e = diff.expected;
		if (p.create !== e.create || p.update !== e.update || p.unchanged !== e.unchanged || p.deprovision !== e.deprovision || p.error) {
			notes.push(`diff plan differs from the expected counts: ${JSON.stringify(p)} vs ${JSON.stringify(e)}`);
		}
	}

	const targets = checkTargets(args, rows, roundTrip.medianMs, diff, skipped);
	printPlainClientDiagnostic(args, rows);
	console.log('\n=== Targets (issues #4, #10) ===');
	for (const t of targets) console.log(`${t.status.padEnd(7)} ${t.target}: ${t.detail}`);

	const anomalies = rows.flatMap((r) => r.anomalies.map((a) => `${fmt(r.size)} ${r.side} ${r.scenario}: ${a}${r.nodeError ? ` (first error: ${r.nodeError})` : ''}`));
	if (anomalies.length) {
		console.log('\n=== Anomalies ===');
		for (const a of anomalies) console.log(`!! ${a}`);
	}
	if (notes.length || skipped.length) {
		console.log('\n=== Measured vs skipped ===');
		for (const n of notes) console.log(`note: ${n}`);
		for (const s of skipped) console.log(`skipped: ${s}`);
	}

	const outDir = path.join(__dirname, 'results');
	mkdirSync(outDir, { recursive: true });
	const file = path.join(outDir, `sync-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
	writeFileSync(
		file,
		JSON.stringify(
			{
				startedAt: startedAt.toISOString(),
				finishedAt: new Date().toISOString(),
				environment: {
					node: process.version,
					cpus: os.cpus().length,
					cpuModel: os.cpus()[0]?.model,
					platform: `${os.platform()} ${os.release()}`,
					loadAverageAtStart: loadAtStart,
					loadAverageAtEnd: os.loadavg(),
					sandboxMode: args.sandboxMode,
				},
				sandboxMode: args.sandboxMode,
				args,
				roundTrip,
				scenarios: rows,
				diff,
				targets,
				anomalies,
				notes,
				skipped,
			},
			null,
			2,
		),
	);
	console.log(`\nfigures written to ${path.relative(process.cwd(), file)}`);
}

if (process.argv.includes('--auto')) {
	// `npm run bench -- --auto [options]`: the Requests in Flight: Auto scenarios (bench/auto.bench.ts).
	process.argv.splice(process.argv.indexOf('--auto'), 1);
	require('./auto.bench');
} else if (process.argv.includes('--rtt')) {
	// `npm run bench -- --rtt 20,80,150 [options]`: HTTPS through a round-trip model (bench/rtt.bench.ts).
	require('./rtt.bench');
} else main()
	.then(() => process.exit(0))
	.catch((error) => {
		console.error(error);
		process.exit(1);
	});
