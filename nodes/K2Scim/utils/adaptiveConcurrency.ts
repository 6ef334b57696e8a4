/**
 * Requests in Flight: Auto. K2's throttling is undocumented, so the number of requests sent at
 * once adapts during a run, from what the answers say (additive increase, multiplicative decrease):
 * - start at 4; after each window of `limit` answers without a throttle, one more, while the
 *   window's latency stays near the lowest seen (a server that queues instead of throttling
 *   shows it as climbing latency: then one fewer);
 * - a 429 or 503 halves the limit (once per burst: the answers of requests already in flight
 *   are the same news), and no new request starts before its Retry-After;
 * - the limit a throttle came at is remembered: the limit climbs back to just under it quickly,
 *   and probes above it only after a long quiet stretch (a throttle costs a Retry-After).
 * Pure logic: time comes in as arguments, waiting is the gate's business (requestGate.ts).
 */

export const AUTO_START = 4;
export const AUTO_MIN = 1;
export const AUTO_MAX = 32;

/** Latency above the lowest seen by this factor counts as climbing. */
const CLIMBING = 2;
/** Latency within this factor of the lowest seen allows a raise. */
const STEADY = 1.5;
/** Above a limit that was throttled, a raise waits this long without any throttle. */
const PROBE_AFTER_MS = 10_000;

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
	private window = { answers: 0, latencySum: 0 };
	/** Answers to requests started before the last cut still arrive: they do not cut again. */
	private cutEpoch = 0;

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
			if (answer.retryAfterMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + answer.retryAfterMs);
			if (startedInEpoch !== this.cutEpoch) return; // sent before the last cut: already counted
			this.ceiling = this.limit;
			this.lastThrottleAt = now;
			this.limit = Math.max(this.min, Math.floor(this.limit / 2));
			this.cutEpoch++;
			this.window = { answers: 0, latencySum: 0 };
			return;
		}
		if (answer.kind !== 'ok') return;
		this.lowestLatency = Math.min(this.lowestLatency, answer.latencyMs);
		this.window.answers++;
		this.window.latencySum += answer.latencyMs;
		if (this.window.answers < this.limit) return;
		const mean = this.window.latencySum / this.window.answers;
		this.window = { answers: 0, latencySum: 0 };
		if (mean > this.lowestLatency * CLIMBING) {
			this.limit = Math.max(this.min, this.limit - 1);
			// The lowest seen may be from a quieter moment: let it follow slowly.
			this.lowestLatency *= 1.1;
			return;
		}
		if (mean > this.lowestLatency * STEADY) return;
		if (this.limit + 1 >= this.ceiling && now - this.lastThrottleAt < PROBE_AFTER_MS) return;
		if (this.limit + 1 >= this.ceiling) this.lastThrottleAt = now; // one probe, then wait again
		this.limit = Math.min(this.max, this.limit + 1);
	}
}
