// `npm run bench -- --rtt 20,80,150` (= bench/rtt.bench.ts): the network as it is. K2 is across
// the internet over HTTPS, and n8n opens a new connection for every request, so a request costs
// the TCP and TLS handshakes plus the exchange: about 3 round trips, where the sandbox's latency
// knob (which delays only the answer) costs 1. Here the sandbox serves HTTPS with no added latency,
// and the node reaches it through a round-trip model in the sandbox's process (a TCP proxy that
// delays every flight by half the round trip, handshakes included: test/support/round-trip-proxy.ts).
// Per round trip: R from a keep-alive client and R_n8n (one request through n8n's helper), then
// per setting (Auto, Fixed C) the first sync (all creates) and a no-change re-run.
//
//   options: --rtt 20,80,150, --users 1000, --settings auto,4,8,16,32, --rounds 1
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject, INodeParameters, INodeType } from 'n8n-workflow';

import { NODE_TYPE } from '../test/harness/run-workflow';
import { benchUsers } from './data';
import { startBenchK2, trustSandboxCa, type BenchK2 } from './k2';
import { withLimitTrace } from './limit-trace';
import { withTimeout } from './measure';
import { measureKeepAliveRoundTrip, measureN8nRoundTrip } from './n8n-round-trip';

type Setting = 'auto' | number;

interface Args {
	rtts: number[];
	users: number;
	settings: Setting[];
	rounds: number;
}

function parseArgs(argv: string[]): Args {
	const args: Args = { rtts: [20, 80, 150], users: 1000, settings: ['auto', 4, 8, 16, 32], rounds: 1 };
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		const value = argv[++i];
		if (value === undefined) throw new Error(`${flag} needs a value`);
		const positive = (v: string) => {
			const n = Number(v);
			if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got "${v}"`);
			return n;
		};
		if (flag === '--rtt') args.rtts = value.split(',').map(positive);
		else if (flag === '--users') args.users = positive(value);
		else if (flag === '--settings') args.settings = value.split(',').map((v) => (v === 'auto' ? 'auto' : positive(v)));
		else if (flag === '--rounds') args.rounds = positive(value);
		else throw new Error(`unknown argument "${flag}" (--rtt, --users, --settings, --rounds)`);
	}
	return args;
}

function parameters(setting: Setting): INodeParameters {
	return {
		resource: 'user',
		operation: 'sync',
		matchOn: 'userName',
		userName: '={{ $json.userName }}',
		additionalFields: { givenName: '={{ $json.givenName }}', familyName: '={{ $json.familyName }}', email: '={{ $json.email }}', externalId: '={{ $json.externalId }}', department: '={{ $json.department }}' },
		groupNames: '',
		syncOptions: { deprovision: 'none', output: 'perUser', ...(setting === 'auto' ? { requestsInFlightMode: 'auto' } : { requestsInFlight: setting }) },
	};
}

interface Run {
	wallMs: number;
	/** Items with the expected action (created / unchanged). */
	done: number;
	errors: number;
	requests: number;
	connections: number;
	loadAverage: number[];
	firstError?: string;
}

interface Row {
	rttMs: number;
	setting: string;
	round: number;
	/** R_n8n and keep-alive R measured after the warm-up of this round trip's sandbox. */
	rN8nMs: number;
	rKeepAliveMs: number;
	first: Run & { createdPerSecond: number };
	noChange: Run;
	/** Auto: how the limit moved in the first sync. */
	trace?: string;
	/** Auto: ms from the first change to the highest limit, and that limit. */
	topLimit?: { limit: number; atMs: number };
}

const load = () => os.loadavg().map((l) => Math.round(l * 100) / 100);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function runSync(k2: BenchK2, setting: Setting, users: IDataObject[], action: string, timeoutMs: number): Promise<Run & { trace?: string; topLimit?: { limit: number; atMs: number } }> {
	const nodeType = k2.harness.nodeTypes.getByName(NODE_TYPE) as INodeType;
	await k2.resetStats();
	const t0 = performance.now();
	const { result, trace } = await withLimitTrace(nodeType, async () => await withTimeout(k2.run(parameters(setting), users, { continueOnFail: true }), timeoutMs, `${setting} ${action}`));
	const wallMs = performance.now() - t0;
	const stats = await k2.stats();
	const output = result.output ?? [];
	const done = output.filter((item) => item.json.action === action).length;
	const failed = output.filter((item) => item.json.action !== action);
	const top = trace?.changes.reduce<{ limit: number; atMs: number } | undefined>((best, c) => (!best || c.limit > best.limit ? { limit: c.limit, atMs: c.at } : best), undefined);
	return {
		wallMs: Math.round(wallMs),
		done,
		errors: failed.length + (result.error ? 1 : 0),
		requests: stats.total,
		connections: stats.connections,
		loadAverage: load(),
		firstError: result.error?.message ?? (failed[0] ? JSON.stringify(failed[0].json).slice(0, 200) : undefined),
		trace: trace?.text,
		topLimit: top,
	};
}

const settingName = (s: Setting) => (s === 'auto' ? 'Auto' : `Fixed ${s}`);

async function main(): Promise<void> {
	const tlsRoot = trustSandboxCa(__filename);
	const args = parseArgs(process.argv.slice(2));
	const startedAt = new Date();
	console.log(`K2 SCIM round-trip benchmark — ${startedAt.toISOString()}`);
	console.log(`node ${process.version}, ${os.cpus().length} CPU, load average ${load().join(' ')}`);
	console.log(`HTTPS sandbox (no added latency) behind a round-trip model (every flight delayed by half the round trip, TCP and TLS handshakes included); round trips ${args.rtts.join(', ')} ms; first sync of ${fmt(args.users)} users and a no-change re-run per setting (${args.settings.map(settingName).join(', ')}), ${args.rounds} round(s)\n`);
	const rows: Row[] = [];
	const users = benchUsers(0, args.users) as unknown as IDataObject[];
	for (const rttMs of args.rtts) {
		const k2 = await startBenchK2('child-process', 0, tlsRoot, rttMs);
		try {
			if (!k2.sandbox.scimBaseUrl.startsWith('https:') || k2.sandbox.roundTripMs !== rttMs) throw new Error(`expected an HTTPS sandbox behind a ${rttMs} ms round trip, got ${k2.sandbox.scimBaseUrl} (${k2.sandbox.roundTripMs} ms)`);
			const nodeType = k2.harness.nodeTypes.getByName(NODE_TYPE) as INodeType;
			// Warm-up, not measured.
			await k2.run(parameters(8), benchUsers(9_000_000, 9_000_050) as unknown as IDataObject[], { continueOnFail: true });
			await k2.reset();
			const rKeepAlive = await measureKeepAliveRoundTrip(k2, 10);
			const rN8n = await measureN8nRoundTrip(k2, nodeType, parameters(4), 10);
			console.log(`[rtt ${rttMs} ms] keep-alive R ${fmt(rKeepAlive.medianMs, 1)} ms (${fmt(rKeepAlive.medianMs / rttMs, 2)} round trips), R_n8n ${fmt(rN8n.medianMs, 1)} ms (${fmt(rN8n.medianMs / rttMs, 2)} round trips: a new TCP and TLS connection per request), median of 10 each; load ${load().join(' ')}`);
			// Generous: every user one after another at R_n8n, plus a minute.
			const timeoutMs = args.users * (rN8n.medianMs + 20) + 60_000;
			for (let round = 0; round < args.rounds; round++) {
				// Odd rounds in reverse order: the load drifts, the first setting must not always get the quietest minutes.
				const settings = round % 2 ? [...args.settings].reverse() : args.settings;
				for (const setting of settings) {
					await k2.reset();
					process.stdout.write(`[rtt ${rttMs} ms] ${settingName(setting)}: first sync... `);
					const first = await runSync(k2, setting, users, 'created', timeoutMs);
					const createdPerSecond = (first.done / first.wallMs) * 1000;
					process.stdout.write(`${fmt(first.wallMs / 1000, 2)} s, ${fmt(createdPerSecond, 1)} created/s, ${fmt(first.requests)} requests on ${fmt(first.connections)} connections${first.errors ? `, ${first.errors} errors (${first.firstError})` : ''}; no change... `);
					const noChange = await runSync(k2, setting, users, 'unchanged', timeoutMs);
					console.log(`${fmt(noChange.wallMs / 1000, 2)} s, ${fmt(noChange.requests)} requests${noChange.errors ? `, ${noChange.errors} errors (${noChange.firstError})` : ''}; load ${noChange.loadAverage.join(' ')}`);
					if (first.trace) console.log(`    limit: ${first.trace.slice(0, 400)}`);
					rows.push({ rttMs, setting: settingName(setting), round, rN8nMs: rN8n.medianMs, rKeepAliveMs: rKeepAlive.medianMs, first: { ...first, createdPerSecond }, noChange, trace: first.trace, topLimit: first.topLimit });
				}
			}
		} finally {
			await k2.stop();
		}
	}
	printSummary(args, rows);
	const outDir = path.join(__dirname, 'results');
	mkdirSync(outDir, { recursive: true });
	const file = path.join(outDir, `rtt-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
	writeFileSync(file, JSON.stringify({ startedAt, finishedAt: new Date(), args, loadAverageAtEnd: os.loadavg(), rows }, null, 2));
	console.log(`\nfigures written to ${path.relative(process.cwd(), file)}`);
}

/**
 * Per round trip and setting (means over rounds): the first sync's created/s; the share of C/RTT
 * it reaches (what a model that delays only the answer, as `--latency` does, would promise: 1 round
 * trip per request); the requests it kept in flight on average (created/s x R_n8n); its speed
 * against Auto; and the no-change re-run.
 */
function printSummary(args: Args, rows: Row[]): void {
	console.log(`\n=== First sync of ${fmt(args.users)} users and a no-change re-run, HTTPS through the round-trip model (load average now ${load().join(' ')}) ===`);
	const header = ['RTT ms', 'R_n8n ms', 'setting', 'first sync s', 'created/s', 'vs C/RTT', 'in flight (rate x R_n8n)', 'vs Auto', 'Auto top limit (at s)', 'no change s', 'no-change requests', 'errors', 'load'];
	const lines: string[][] = [];
	for (const rttMs of args.rtts) {
		const at = rows.filter((r) => r.rttMs === rttMs);
		const mean = (setting: string, pick: (r: Row) => number) => {
			const r = at.filter((x) => x.setting === setting);
			return r.reduce((s, x) => s + pick(x), 0) / r.length;
		};
		const autoRate = mean('Auto', (r) => r.first.createdPerSecond);
		for (const setting of args.settings.map(settingName)) {
			const r = at.filter((x) => x.setting === setting);
			if (r.length === 0) continue;
			const rate = mean(setting, (x) => x.first.createdPerSecond);
			const rN8n = r[0].rN8nMs;
			const c = setting === 'Auto' ? undefined : Number(setting.replace('Fixed ', ''));
			const top = r.find((x) => x.topLimit)?.topLimit;
			lines.push([
				String(rttMs),
				fmt(rN8n, 1),
				setting,
				fmt(mean(setting, (x) => x.first.wallMs) / 1000, 2),
				fmt(rate, 1),
				c ? `${fmt((rate / ((c / rttMs) * 1000)) * 100, 1)}%` : '-',
				fmt((rate * rN8n) / 1000, 1),
				Number.isFinite(autoRate) ? `${fmt((rate / autoRate) * 100, 1)}%` : '-',
				top ? `${top.limit} (${fmt(top.atMs / 1000, 1)})` : '-',
				fmt(mean(setting, (x) => x.noChange.wallMs) / 1000, 2),
				fmt(mean(setting, (x) => x.noChange.requests)),
				String(r.reduce((s, x) => s + x.first.errors + x.noChange.errors, 0)),
				r.map((x) => x.noChange.loadAverage[0].toFixed(2)).join('/'),
			]);
		}
	}
	const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
	const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
	console.log(line(header));
	console.log(widths.map((w) => '-'.repeat(w)).join('  '));
	for (const l of lines) console.log(line(l));
	console.log('vs C/RTT: created/s against C per round trip, what an answer-only delay (the sandbox\'s --latency) promises; in flight: created/s x R_n8n, the requests kept in flight on average; load: 1-minute load average after each setting\'s runs.');
}

main()
	.then(() => process.exit(0))
	.catch((error) => {
		console.error(error);
		process.exit(1);
	});
