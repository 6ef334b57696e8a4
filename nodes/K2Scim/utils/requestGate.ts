import type { Answer } from './adaptiveConcurrency';
import { AdaptiveLimit } from './adaptiveConcurrency';

/** What decides how many requests may be in flight: AdaptiveLimit (Auto) or FixedLimit. */
export interface Limit {
	readonly limit: number;
	/** No new request before this time (ms). */
	readonly pausedUntil: number;
	readonly epoch: number;
	record(answer: Answer, now: number, startedInEpoch: number): void;
}

/**
 * Requests in Flight: Fixed. Exactly C requests at most; a throttled answer delays only its own
 * request (the transport's retry waits its Retry-After), as before Auto existed.
 */
export class FixedLimit implements Limit {
	readonly pausedUntil = 0;
	readonly epoch = 0;
	constructor(readonly limit: number) {}
	record(): void {}
}

/**
 * Admits requests under a limit that may change while they run: a request waits for a free
 * place and for any Retry-After, and reports how its answer went. Gating requests, not items,
 * lets the items' own work (reading expressions, planning, building output) overlap the requests
 * in flight instead of holding a place. `sleep` is n8n-workflow's (nodes may not use timers
 * directly); `now` a millisecond clock.
 */
export class RequestGate {
	readonly adaptive: Limit;
	private inFlight = 0;
	/** Most requests in flight at once in this run (for tests and logs). */
	peakInFlight = 0;
	private waiting: Array<() => void> = [];

	constructor(
		private readonly sleep: (ms: number) => Promise<void>,
		private readonly now: () => number = Date.now,
		adaptive: Limit = new AdaptiveLimit(),
	) {
		this.adaptive = adaptive;
	}

	get limit(): number {
		return this.adaptive.limit;
	}

	/** Waits for a place; the returned function reports the answer and frees the place. */
	async enter(): Promise<(answer: Answer) => void> {
		for (;;) {
			const pause = this.adaptive.pausedUntil - this.now();
			if (pause > 0) {
				await this.sleep(pause);
				continue;
			}
			if (this.inFlight < this.adaptive.limit) break;
			await new Promise<void>((resolve) => this.waiting.push(resolve));
		}
		this.inFlight++;
		this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
		const started = this.now();
		const epoch = this.adaptive.epoch;
		let left = false;
		return (answer) => {
			if (left) return;
			left = true;
			this.inFlight--;
			const now = this.now();
			this.adaptive.record(answer.kind === 'ok' ? { kind: 'ok', latencyMs: now - started } : answer, now, epoch);
			this.wake();
		};
	}

	/** Lets as many waiting requests re-check as there are places now. */
	private wake(): void {
		let places = Math.max(1, this.adaptive.limit - this.inFlight);
		while (places-- > 0 && this.waiting.length) this.waiting.shift()!();
	}
}
