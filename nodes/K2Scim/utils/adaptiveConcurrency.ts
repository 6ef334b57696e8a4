/**
 * Requests in Flight: Auto. K2's throttling is undocumented, so the number of requests sent at
 * once adapts during a run, from what the answers say (additive increase, multiplicative decrease):
 * - start at 4 and double after each window of `limit` quick answers (slow start, as TCP does:
 *   against K2 across the internet a request costs ~3 round trips, so a limit that climbs by one
 *   per window took 10-15 s to reach 32 at a 150 ms round trip); the first throttle or the first
 *   window whose latency climbs ends the doubling for the run;
 * - then, after each window of `limit` answers without a throttle, one more, while the
 *   window's latency stays near the lowest seen; when it climbs, hold (the client's own CPU or a
 *   busy machine also shows as latency); when it climbs far (a server that queues instead of
 *   throttling), one fewer;
 * - a 429 or 503 halves the limit (once per burst: the answers of requests already in flight
 *   are the same news); the throttled request waits its own Retry-After before it is sent again
 *   (the transport's retry). If K2 throttles again before a window of answers at the halved limit
 *   has come back, the cut was not enough: then no request at all starts before the Retry-After.
 *   (Pausing every request on the first 429 cost a whole Retry-After, >= 1 s, each time Auto
 *   found K2's limit, for one over-eager request: Auto reached 70-97% of the best fixed value in
 *   the benchmark, 97-102% since on a quiet machine. The price: a request sent right after the
 *   first cut may be throttled too and spend one of its retries, where it used to wait.)
 * - the limit a throttle came at is remembered: the limit climbs back to just under it quickly,
 *   and probes above it only after 30 s without a throttle (a throttle costs a Retry-After).
 * Pure logic: time comes in as arguments, waiting is the gate's business (requestGate.ts).
 */

import { MAX_RETRY_AFTER_MS } from '../transport/retry';

export const AUTO_START = 4;
export const AUTO_MIN = 1;
/**
 * Against K2 across the internet a request holds its slot ~3.3 round trips (n8n opens a new TCP and
 * TLS connection per request): at a 150 ms round trip, 32 in flight made 63 creates/s where this
 * machine's CPU allows ~150/s (`npm run bench -- --rtt 20,80,150`, bench/README.md).
 */
export const AUTO_MAX = 64;

/** A window's mean latency above the lowest seen by this factor: K2 is queueing, one fewer. */
const CLIMBING = 4;
/** A window's mean latency within this factor of the lowest seen allows a raise; between: hold. */
const STEADY = 2;
/** The lowest latency follows a window's lowest upwards by at most this factor per window (one lucky answer must not pin it). */
const LOWEST_DRIFT = 1.05;
/**
 * Above a limit that was throttled, a raise waits this long without any throttle: a probe that
 * is throttled costs a halved limit until it climbs back, and a Retry-After for the probe.
 */
export const PROBE_AFTER_MS = 30_000;

/** A cut counts as recovered after this long even if no window filled (only 404s, say). */
const RECOVERED_AFTER_MS = 10_000;

export type Answer =
	| { kind: 'ok'; latencyMs: number }
	/** 429 or 503. */
	| { kind: 'throttled'; retryAfterMs?: number }
	/** Any other failure (404, 400, a dropped connection): says nothing about load. */
	| { kind: 'other' };

export class AdaptiveLimit {
	limit: number;
	/** No new request before this time (ms, the caller's clock): the latest Retry-After. */
	pausedUntil = 0;
	/** The limit the last throttle came at; raises above it wait PROBE_AFTER_MS. */
	private ceiling = Infinity;
	private lastThrottleAt = -Infinity;
	private lowestLatency = Infinity;
	private window = { answers: 0, latencySum: 0, lowest: Infinity };
	/** Answers to requests started before the last cut still arrive: they do not cut again. */
	private cutEpoch = 0;
	/** Whether a whole window of answers to requests sent after the last cut came back without a throttle. */
	private recoveredSinceCut = true;
	private lastCutAt = -Infinity;
	/** Doubling per window until the first throttle or climbing latency. */
	private slowStart = true;
	/** The first changes of the limit (time, new limit, why), for logs and the benchmark. */
	readonly changes: Array<{ at: number; limit: number; why: 'double' | 'raise' | 'probe' | 'throttled' | 'latency' }> = [];

	constructor(
		readonly min = AUTO_MIN,
		readonly max = AUTO_MAX,
		start = AUTO_START,
	) {
		this.limit = Math.min(max, Math.max(min, start));
	}

	/** A token for a request starting now: which cut it started after. */
	get epoch(): number {
		return this.cutEpoch;
	}

	record(answer: Answer, now: number, startedInEpoch = this.cutEpoch): void {
		if (answer.kind === 'throttled') {
			if (startedInEpoch !== this.cutEpoch) return; // sent before the last cut: already counted
			// Throttled again at the halved limit, before it got a window through: K2 means everyone.
			// Not for longer than the transport itself would wait (it reports a longer one on its item).
			const recovered = this.recoveredSinceCut || now - this.lastCutAt >= RECOVERED_AFTER_MS;
			if (!recovered && answer.retryAfterMs !== undefined && answer.retryAfterMs <= MAX_RETRY_AFTER_MS) {
				this.pausedUntil = Math.max(this.pausedUntil, now + answer.retryAfterMs);
			}
			this.recoveredSinceCut = false;
			this.slowStart = false;
			this.lastCutAt = now;
			this.ceiling = this.limit;
			this.lastThrottleAt = now;
			this.limit = Math.max(this.min, Math.floor(this.limit / 2));
			this.note(now, 'throttled');
			this.cutEpoch++;
			this.window = { answers: 0, latencySum: 0, lowest: Infinity };
			return;
		}
		if (answer.kind !== 'ok') return;
		// Sent before the last cut: its latency is from the old limit, and it says nothing about the new one.
		if (startedInEpoch !== this.cutEpoch) return;
		this.window.answers++;
		this.window.latencySum += answer.latencyMs;
		this.window.lowest = Math.min(this.window.lowest, answer.latencyMs);
		if (this.window.answers < this.limit) return;
		const mean = this.window.latencySum / this.window.answers;
		this.lowestLatency = Math.min(this.lowestLatency * LOWEST_DRIFT, this.window.lowest);
		this.window = { answers: 0, latencySum: 0, lowest: Infinity };
		this.recoveredSinceCut = true;
		if (mean > this.lowestLatency * CLIMBING) {
			this.slowStart = false;
			this.limit = Math.max(this.min, this.limit - 1);
			this.note(now, 'latency');
			return;
		}
		if (mean > this.lowestLatency * STEADY) {
			this.slowStart = false;
			return;
		}
		if (this.limit + 1 >= this.ceiling && now - this.lastThrottleAt < PROBE_AFTER_MS) return;
		if (this.limit >= this.max) return;
		if (this.slowStart) {
			this.limit = Math.min(this.max, this.limit * 2);
			this.note(now, 'double');
			return;
		}
		const probe = this.limit + 1 >= this.ceiling;
		if (probe) this.lastThrottleAt = now; // one probe, then wait again
		this.limit++;
		this.note(now, probe ? 'probe' : 'raise');
	}

	private note(at: number, why: AdaptiveLimit['changes'][number]['why']): void {
		if (this.changes.length < 1000) this.changes.push({ at, limit: this.limit, why });
	}
}
