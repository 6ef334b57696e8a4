// Measuring helpers: forced GC (without a node flag), a bounded memory sampler, CPU deltas.
import v8 from 'node:v8';
import vm from 'node:vm';

import type { INodeType } from 'n8n-workflow';

const MB = 1024 * 1024;

let gcFn: (() => void) | undefined;
/** A full GC, so a memory baseline does not carry the previous scenario's garbage. */
export function collectGarbage(): void {
	if (!gcFn) {
		const existing = (globalThis as { gc?: () => void }).gc;
		if (existing) gcFn = existing;
		else {
			v8.setFlagsFromString('--expose-gc');
			gcFn = vm.runInNewContext('gc') as () => void;
		}
	}
	gcFn();
}

export function mb(bytes: number): number {
	return Math.round((bytes / MB) * 10) / 10;
}

export interface MemoryFigures {
	/** Process RSS before the scenario (after a GC). */
	rssBeforeMB: number;
	/** Highest RSS sampled during the scenario. */
	rssPeakMB: number;
	rssPeakDeltaMB: number;
	heapBeforeMB: number;
	heapPeakMB: number;
	heapPeakDeltaMB: number;
	samples: number;
}

/**
 * Samples RSS and heapUsed every `everyMs` while a scenario runs. The event loop must turn for a
 * sample to be taken, so a long synchronous stretch is seen at its end (heap not yet collected).
 * Every 100 ms: process.memoryUsage() costs ~0.2 ms, so every 25 ms it took ~1% of the event loop
 * the scenario is measured on.
 */
export function startMemorySampler(everyMs = 100): { stop(): MemoryFigures } {
	const before = process.memoryUsage();
	let rssPeak = before.rss;
	let heapPeak = before.heapUsed;
	let samples = 0;
	const sample = () => {
		const m = process.memoryUsage();
		samples++;
		if (m.rss > rssPeak) rssPeak = m.rss;
		if (m.heapUsed > heapPeak) heapPeak = m.heapUsed;
	};
	const timer = setInterval(sample, everyMs);
	timer.unref();
	return {
		stop() {
			clearInterval(timer);
			sample();
			return {
				rssBeforeMB: mb(before.rss),
				rssPeakMB: mb(rssPeak),
				rssPeakDeltaMB: mb(rssPeak - before.rss),
				heapBeforeMB: mb(before.heapUsed),
				heapPeakMB: mb(heapPeak),
				heapPeakDeltaMB: mb(heapPeak - before.heapUsed),
				samples,
			};
		},
	};
}

export function cpuMsSince(start: NodeJS.CpuUsage): { userMs: number; systemMs: number; totalMs: number } {
	const d = process.cpuUsage(start);
	return { userMs: Math.round(d.user / 1000), systemMs: Math.round(d.system / 1000), totalMs: Math.round((d.user + d.system) / 1000) };
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// A type, not an interface: it passes as a node's output json (IDataObject) in n8n-round-trip.ts.
export type Timing = {
	medianMs: number;
	minMs: number;
	maxMs: number;
	samples: number;
};

/** Times `once` `warmUps + samples` times, one run after the other; the figures leave out the warm-ups. */
export async function timeRepeated(once: () => Promise<void>, samples: number, warmUps: number): Promise<Timing> {
	const times: number[] = [];
	for (let i = 0; i < warmUps + samples; i++) {
		const t0 = performance.now();
		await once();
		if (i >= warmUps) times.push(performance.now() - t0);
	}
	return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), samples: times.length };
}

/** Rejects after `ms` so no wait in the benchmark can hang it. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([
			promise,
			new Promise<never>((_, reject) => {
				timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
			}),
		]);
	} finally {
		clearTimeout(timer);
	}
}

type Execute = NonNullable<INodeType['execute']>;

/**
 * Runs `run` with the node type's execute() replaced by `replace(original)` (a wrapper or a stand-in),
 * and the original put back afterwards, whatever happens.
 */
export async function withExecute<T>(nodeType: INodeType, replace: (original: Execute) => Execute, run: () => Promise<T>): Promise<T> {
	const original = nodeType.execute!;
	nodeType.execute = replace(original);
	try {
		return await run();
	} finally {
		nodeType.execute = original;
	}
}
