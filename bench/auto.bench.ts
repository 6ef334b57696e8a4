// `npm run bench -- --auto` (= tsx bench/auto.bench.ts): Requests in Flight Auto against fixed
// values, on the first sync (all creates) of N users, with the sandbox's throttle model at
// K requests in flight (429 + Retry-After above it) and without a throttle. Every configuration
// runs in the same process, one after another, on an emptied tenant: compare ratios, not wall
// times across runs. Figures, with the machine's load, go to bench/results/auto-<timestamp>.json.
//
//   options: --users 5000, --k 10, --latency 20, --retry-after 1, --rounds 2
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject, INodeParameters, INodeType } from 'n8n-workflow';

import { NODE_TYPE } from '../test/harness/run-workflow';
import { benchUsers } from './data';
import { startBenchK2, type BenchK2 } from './k2';
import { withLimitTrace } from './limit-trace';
import { withTimeout } from './measure';

interface Args {
	users: number;
	k: number;
	latencyMs: number;
	retryAfterSeconds: number;
	rounds: number;
}

function parseArgs(argv: string[]): Args {
	const args: Args = { users: 5000, k: 10, latencyMs: 20, retryAfterSeconds: 1, rounds: 2 };
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		const v = Number(argv[++i]);
		if (!Number.isFinite(v) || v < 0) throw new Error(`${flag}: expected a number`);
		if (flag === '--users') args.users = v;
		else if (flag === '--k') args.k = v;
		else if (flag === '--latency') args.latencyMs = v;
		else if (flag === '--retry-after') args.retryAfterSeconds = v;
		else if (flag === '--rounds') args.rounds = v;
		else throw new Error(`unknown argument "${flag}" (--users, --k, --latency, --retry-after, --rounds)`);
	}
	return args;
}

type Setting = 'auto' | number;

interface Row {
	throttle: string;
	setting: string;
	wallMs: number;
	createdPerSecond: number;
	created: number;
	errors: number;
	requests: number;
	throttled: number;
	throttledShare: number;
	peakAtK2: number;
	loadAverage: number[];
	firstError?: string;
	/** Auto: the limit's changes, "ms:limit(why)". */
	trace?: string;
}

function parameters(setting: Setting): INodeParameters {
	return {
		resource: 'user',
		operation: 'sync',
		matchOn: 'userName',
		userName: '={{ $json.userName }}',
		additionalFields: { givenName: '={{ $json.givenName }}', familyName: '={{ $json.familyName }}', department: '={{ $json.department }}' },
		groupNames: '',
		syncOptions: { deprovision: 'none', output: 'perUser', ...(setting === 'auto' ? { requestsInFlightMode: 'auto' } : { requestsInFlight: setting }) },
	};
}

async function runOne(k2: BenchK2, throttle: string, setting: Setting, users: IDataObject[]): Promise<Row> {
	await k2.reset();
	await k2.resetStats();
	// Auto: how the limit moved.
	const nodeType = k2.harness.nodeTypes.getByName(NODE_TYPE) as INodeType;
	const t0 = performance.now();
	const { result, trace } = await withLimitTrace(nodeType, async () => await withTimeout(k2.run(parameters(setting), users, { continueOnFail: true }), 20 * 60_000, `${throttle} ${setting}`));
	const wallMs = performance.now() - t0;
	const stats = await k2.stats();
	const output = result.output ?? [];
	const created = output.filter((item) => item.json.action === 'created').length;
	const failed = output.filter((item) => item.json.action !== 'created');
	return {
		throttle,
		setting: setting === 'auto' ? 'Auto' : `Fixed ${setting}`,
		wallMs: Math.round(wallMs),
		createdPerSecond: (created / wallMs) * 1000,
		created,
		errors: failed.length + (result.error ? 1 : 0),
		requests: stats.total,
		throttled: stats.throttle.throttled,
		throttledShare: stats.throttle.throttled / Math.max(1, stats.total),
		peakAtK2: stats.throttle.peakInFlight,
		loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
		trace: trace?.text,
		firstError: result.error?.message ?? (failed[0] ? JSON.stringify(failed[0].json).slice(0, 200) : undefined),
	};
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	const startedAt = new Date();
	console.log(`K2 SCIM Requests in Flight: Auto benchmark — ${startedAt.toISOString()}`);
	console.log(`node ${process.version}, ${os.cpus().length} CPU, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
	console.log(`first sync of ${fmt(args.users)} users, ${args.latencyMs} ms added latency, throttle K = ${args.k} in flight with Retry-After ${args.retryAfterSeconds} s, ${args.rounds} round(s)\n`);
	const k2 = await startBenchK2('child-process', args.latencyMs);
	const rows: Row[] = [];
	const users = benchUsers(0, args.users) as unknown as IDataObject[];
	try {
		// Warm-up, not measured.
		await k2.run(parameters(4), benchUsers(9_000_000, 9_000_100) as unknown as IDataObject[], { continueOnFail: true });
		const plan: Array<[string, Setting[]]> = [
			[`K = ${args.k}`, ['auto', 4, 8, args.k, 16, 32]],
			['none', ['auto', 4, 16]],
		];
		for (let round = 0; round < args.rounds; round++) {
			// Odd rounds run in reverse order: the machine's load drifts, and the first run of a row must not always get the quietest minutes.
			const ordered = round % 2 ? [...plan].reverse().map(([t, list]) => [t, [...list].reverse()] as [string, Setting[]]) : plan;
			for (const [throttle, settings] of ordered) {
				await k2.setThrottle(throttle === 'none' ? {} : { maxInFlight: args.k, retryAfterSeconds: args.retryAfterSeconds });
				for (const setting of settings) {
					process.stdout.write(`[throttle ${throttle}] ${setting === 'auto' ? 'Auto' : `Fixed ${setting}`}... `);
					const row = await runOne(k2, throttle, setting, users);
					rows.push(row);
					console.log(`${fmt(row.wallMs / 1000, 2)} s, ${fmt(row.createdPerSecond, 1)} created/s, ${fmt(row.throttled)} of ${fmt(row.requests)} requests throttled (${fmt(row.throttledShare * 100, 1)}%), peak ${row.peakAtK2} at K2, ${row.errors} errors, load ${row.loadAverage.join(' ')}${row.firstError ? `  first error: ${row.firstError}` : ''}`);
					if (row.trace) console.log(`    limit: ${row.trace.slice(0, 600)}`);
				}
			}
		}
	} finally {
		await k2.setThrottle({}).catch(() => undefined);
		await k2.stop();
	}

	// Targets, per round's figures averaged over rounds (created/s) and summed (throttled).
	const mean = (throttle: string, setting: string) => {
		const r = rows.filter((x) => x.throttle === throttle && x.setting === setting);
		return {
			rate: r.reduce((s, x) => s + x.createdPerSecond, 0) / r.length,
			throttledShare: r.reduce((s, x) => s + x.throttled, 0) / Math.max(1, r.reduce((s, x) => s + x.requests, 0)),
			errors: r.reduce((s, x) => s + x.errors, 0),
		};
	};
	const kName = `K = ${args.k}`;
	const fixedUnder = [4, 8, args.k, 16, 32].map((c) => ({ c, ...mean(kName, `Fixed ${c}`) }));
	const best = fixedUnder.reduce((a, b) => (b.rate > a.rate ? b : a));
	const auto = mean(kName, 'Auto');
	const f32 = mean(kName, 'Fixed 32');
	const f4 = mean(kName, 'Fixed 4');
	const autoFree = mean('none', 'Auto');
	const f16Free = mean('none', 'Fixed 16');
	const checks = [
		{ target: `throttle ${kName}: Auto >= 90% of the best fixed C's creates/s`, pass: auto.rate >= 0.9 * best.rate, detail: `Auto ${fmt(auto.rate, 1)}/s = ${fmt((auto.rate / best.rate) * 100, 1)}% of Fixed ${best.c} (${fmt(best.rate, 1)}/s, the best fixed)` },
		{ target: `throttle ${kName}: Auto <= 2% of requests throttled`, pass: auto.throttledShare <= 0.02, detail: `${fmt(auto.throttledShare * 100, 2)}% throttled, ${auto.errors} errors` },
		{ target: `throttle ${kName}: Fixed 32 throttled heavily (>= 5% of requests)`, pass: f32.throttledShare >= 0.05, detail: `${fmt(f32.throttledShare * 100, 1)}% throttled, ${f32.errors} errors, ${fmt(f32.rate, 1)}/s` },
		{ target: `throttle ${kName}: Fixed 4 slower than Auto`, pass: f4.rate < auto.rate, detail: `Fixed 4 ${fmt(f4.rate, 1)}/s vs Auto ${fmt(auto.rate, 1)}/s` },
		{ target: 'no throttle: Auto >= 90% of Fixed 16', pass: autoFree.rate >= 0.9 * f16Free.rate, detail: `Auto ${fmt(autoFree.rate, 1)}/s = ${fmt((autoFree.rate / f16Free.rate) * 100, 1)}% of Fixed 16 (${fmt(f16Free.rate, 1)}/s)` },
	];
	console.log(`\n=== Targets (issue #10, Auto; load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}) ===`);
	for (const c of checks) console.log(`${c.pass ? 'PASS' : 'FAIL'}    ${c.target}: ${c.detail}`);

	const outDir = path.join(__dirname, 'results');
	mkdirSync(outDir, { recursive: true });
	const file = path.join(outDir, `auto-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
	writeFileSync(file, JSON.stringify({ startedAt, finishedAt: new Date(), args, loadAverageAtEnd: os.loadavg(), rows, checks }, null, 2));
	console.log(`\nfigures written to ${path.relative(process.cwd(), file)}`);
}

main()
	.then(() => process.exit(0))
	.catch((error) => {
		console.error(error);
		process.exit(1);
	});
