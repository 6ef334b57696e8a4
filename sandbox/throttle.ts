// K2's throttling is undocumented; this is a model of the two usual kinds, for the benchmark and
// the Auto Requests in Flight tests: at most `maxInFlight` requests being handled at once and/or
// at most `perSecond` admitted in any rolling second. A request above either gets
// 429 Too Many Requests with Retry-After (seconds), before any latency or handling: nothing applied.

export interface ThrottleSettings {
	/** Requests handled at once (from arrival to the answer), above which 429. Undefined: no limit. */
	maxInFlight?: number;
	/** Requests admitted in any rolling 1,000 ms, above which 429. Undefined: no limit. */
	perSecond?: number;
	/** The Retry-After a throttled answer carries, in whole seconds. */
	retryAfterSeconds: number;
}

export interface ThrottleStats {
	/** Requests answered 429 by the throttle. */
	throttled: number;
	/** Most requests being handled at once (admitted ones; throttled ones are answered at once). */
	peakInFlight: number;
}

export class Throttle {
	settings: ThrottleSettings = { retryAfterSeconds: 1 };
	private inFlight = 0;
	private admitted: number[] = [];
	stats: ThrottleStats = { throttled: 0, peakInFlight: 0 };

	set(settings: Partial<ThrottleSettings>): void {
		for (const [name, value] of [['maxInFlight', settings.maxInFlight], ['perSecond', settings.perSecond]] as const) {
			if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new Error(`throttle ${name} must be a whole number of at least 1`);
		}
		const retryAfterSeconds = settings.retryAfterSeconds ?? 1;
		if (!(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)) throw new Error('throttle retryAfterSeconds must be a whole number of 0 or more');
		this.settings = { maxInFlight: settings.maxInFlight, perSecond: settings.perSecond, retryAfterSeconds };
		this.admitted = [];
	}

	resetStats(): void {
		this.stats = { throttled: 0, peakInFlight: this.inFlight };
	}

	/**
	 * Whether a request arriving now is admitted. When it is, `done` must be called once when its
	 * answer is finished (or its connection closed).
	 */
	admit(now = performance.now()): { admitted: true; done: () => void } | { admitted: false; retryAfterSeconds: number } {
		const { maxInFlight, perSecond, retryAfterSeconds } = this.settings;
		if (perSecond !== undefined) {
			while (this.admitted.length && this.admitted[0] <= now - 1000) this.admitted.shift();
		}
		if ((maxInFlight !== undefined && this.inFlight >= maxInFlight) || (perSecond !== undefined && this.admitted.length >= perSecond)) {
			this.stats.throttled++;
			return { admitted: false, retryAfterSeconds };
		}
		if (perSecond !== undefined) this.admitted.push(now);
		this.inFlight++;
		this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.inFlight);
		let finished = false;
		return {
			admitted: true,
			done: () => {
				if (finished) return;
				finished = true;
				this.inFlight--;
			},
		};
	}
}
