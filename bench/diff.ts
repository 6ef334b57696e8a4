// The in-memory diff alone: planUserSync over N generated existing K2 users and N desired users,
// no network. Runs in its own process (forked by sync.bench.ts) so its peak RSS is its own.
// Also runnable directly: `npx tsx bench/diff.ts 100000`
import { fork } from 'node:child_process';

import { planUserSync, type SyncPlan } from '../nodes/K2Scim/scim/reconcile';
import type { UserFields } from '../nodes/K2Scim/scim/user';
import { benchUser, existingScimUser } from './data';
import { collectGarbage, cpuMsSince, mb, withTimeout } from './measure';

export interface DiffRun {
	cpuMs: number;
	cpuUserMs: number;
	wallMs: number;
	/** heapUsed right after planning minus before (no GC in between): what planning allocated. */
	heapAllocatedMB: number;
	/** heapUsed after a GC with the plan still referenced minus before: what the plan keeps. */
	heapRetainedMB: number;
	plan: { create: number; update: number; unchanged: number; error: number; deprovision: number };
}

export interface DiffResult {
	users: number;
	existing: number;
	desired: number;
	expected: { create: number; update: number; unchanged: number; deprovision: number };
	/** RSS of the bare process, after generating the inputs, and its lifetime peak (maxRSS). */
	rssStartMB: number;
	rssAfterGenerateMB: number;
	inputsHeapMB: number;
	generateMs: number;
	runs: DiffRun[];
	peakRssMB: number;
}

/**
 * Existing: users 0..N-1 as K2 returns them. Desired: users N/100..N+N/100-1, every 20th changed.
 * So 1% are new (create), 1% are missing (deprovision: deactivate, in scope = has externalId),
 * 5% changed (update), the rest unchanged.
 */
export function runDiff(n: number, repeat = 3): DiffResult {
	collectGarbage();
	const rssStart = process.memoryUsage().rss;
	const heapStart = process.memoryUsage().heapUsed;
	const g0 = performance.now();
	const shift = Math.floor(n / 100);
	const existing = Array.from({ length: n }, (_, i) => existingScimUser(benchUser(i), i));
	const desired: UserFields[] = Array.from({ length: n }, (_, k) => benchUser(k + shift, true));
	const generateMs = performance.now() - g0;
	collectGarbage();
	const afterGenerate = process.memoryUsage();

	let expectedUpdate = 0;
	for (let i = shift; i < n; i++) if (i % 20 === 0) expectedUpdate++;
	const expected = { create: shift, update: expectedUpdate, unchanged: n - shift - expectedUpdate, deprovision: shift };

	const runs: DiffRun[] = [];
	let plan: SyncPlan | undefined;
	for (let r = 0; r < repeat; r++) {
		plan = undefined; // the previous run's plan must not count in this run's baseline
		collectGarbage();
		const heapBefore = process.memoryUsage().heapUsed;
		const cpu0 = process.cpuUsage();
		const t0 = performance.now();
		plan = planUserSync(existing, desired, {
			matchOn: 'userName',
			deprovision: { mode: 'deactivate', inScope: (user) => typeof user.externalId === 'string' },
		});
		const wallMs = performance.now() - t0;
		const cpu = cpuMsSince(cpu0);
		const heapAllocated = process.memoryUsage().heapUsed - heapBefore;
		collectGarbage();
		const heapRetained = process.memoryUsage().heapUsed - heapBefore;
		const counts = { create: 0, update: 0, unchanged: 0, error: 0, deprovision: plan.deprovision.length };
		// A reactivation is an update (one PATCH); the bench's data has no inactive users anyway.
		for (const item of plan.items) counts[item.action === 'reactivate' ? 'update' : item.action]++;
		runs.push({
			cpuMs: cpu.totalMs,
			cpuUserMs: cpu.userMs,
			wallMs: Math.round(wallMs),
			heapAllocatedMB: mb(heapAllocated),
			heapRetainedMB: mb(heapRetained),
			plan: counts,
		});
	}
	return {
		users: n,
		existing: existing.length,
		desired: desired.length,
		expected,
		rssStartMB: mb(rssStart),
		rssAfterGenerateMB: mb(afterGenerate.rss),
		inputsHeapMB: mb(afterGenerate.heapUsed - heapStart),
		generateMs: Math.round(generateMs),
		runs,
		peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
	};
}

/** Runs runDiff in a fresh child process (same loader flags), bounded by `timeoutMs`. */
export async function runDiffInChild(n: number, timeoutMs = 120_000): Promise<DiffResult> {
	const child = fork(__filename, [String(n)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	const result = new Promise<DiffResult>((resolve, reject) => {
		child.once('message', (message) => resolve(message as DiffResult));
		child.once('error', reject);
		child.once('exit', (code) => reject(new Error(`diff child exited with code ${code} before reporting`)));
	});
	try {
		return await withTimeout(result, timeoutMs, `the ${n}-user diff`);
	} finally {
		if (child.exitCode === null) child.kill();
	}
}

if (require.main === module) {
	const n = Number(process.argv[2] ?? 100_000);
	const result = runDiff(n);
	if (process.send) process.send(result, () => process.exit(0));
	else console.log(JSON.stringify(result, null, 2));
}
