// Latency, fault injection and request statistics for SCIM requests. These are what a
// benchmark or a retry test turns: K2 answers 429 with Retry-After under load, 503 while
// deploying, and connections do get dropped — before a write reaches the store, or after it
// was applied (the client then cannot tell whether it landed: the case idempotency is about).
import type { Request, Response, NextFunction } from 'express';

import { Throttle, type ThrottleStats } from './throttle';
import type { K2Profile } from './profile';
import { parseProfile } from './profile-parse';

/**
 * - `429`: Retry-After in seconds; `429-date`: Retry-After as an HTTP date (RFC 9110 §10.2.3)
 * - `503`: Service Unavailable
 * - `drop`: the socket is destroyed before the request is handled (nothing applied)
 * - `drop-after`: the request is handled (a write is applied), then the socket is destroyed instead of answering
 */
export type FaultKind = '429' | '429-date' | '503' | 'drop' | 'drop-after';
export const FAULT_KINDS: readonly FaultKind[] = ['429', '429-date', '503', 'drop', 'drop-after'];

export interface FaultSettings {
	rate: number;
	kinds: FaultKind[];
	retryAfterSeconds: number;
	seed?: number;
	/**
	 * Which requests may be faulted: methods ("PATCH") or routes ("POST /Groups", "DELETE /Users/:id").
	 * Undefined: every SCIM request.
	 */
	only?: string[];
	/** At most this many faults, then none (a test that wants "the first answer is lost, the retry gets through"). */
	limit?: number;
	/** Routes whose first request is faulted whatever the rate, so a fault suite reaches every write kind. */
	firstOf?: string[];
}

export interface RequestStats {
	total: number;
	byMethod: Record<string, number>;
	/** e.g. "GET /Users", "PATCH /Users/:id", "GET /ServiceProviderConfig" */
	byRoute: Record<string, number>;
	byStatus: Record<string, number>;
	/** Server-side handling time per route (after injected latency), to tell sandbox cost from client cost. */
	timing: Record<string, { count: number; totalMs: number; maxMs: number }>;
	/** Injected faults; `byRoute` is keyed "<kind> <route>", e.g. "drop-after POST /Groups". */
	faults: { total: number; byKind: Record<string, number>; byRoute: Record<string, number> };
	/** TCP connections opened to the SCIM server: a client without keep-alive opens one per request. */
	connections: number;
	/** The throttle model (sandbox/throttle.ts): 429s it answered, and the most requests handled at once. */
	throttle: ThrottleStats;
	since: string;
}

/** mulberry32: tiny seeded PRNG, so a given faultSeed gives the same fault sequence each run. */
function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function parseFaultKinds(input: string | string[] | undefined): FaultKind[] | undefined {
	if (input === undefined) return undefined;
	const list = (Array.isArray(input) ? input : input.split(',')).map((s) => s.trim()).filter(Boolean);
	for (const k of list) if (!FAULT_KINDS.includes(k as FaultKind)) throw new Error(`Unknown fault kind "${k}" (use ${FAULT_KINDS.join(', ')})`);
	return list as FaultKind[];
}

/** An HTTP date at least `seconds` from now (dates have whole seconds, so rounded up). */
export function retryAfterDate(seconds: number, now = Date.now()): string {
	return new Date(Math.ceil((now + seconds * 1000) / 1000) * 1000).toUTCString();
}

/** Strip the tenant token prefix and ids so routes aggregate: "/tokens/x/scim/v2/Users/abc" -> "/Users/:id". */
export function normalizePath(p: string): string {
	let rest = p.split('?')[0];
	rest = rest.replace(/^\/tokens\/[^/]+\/scim\/v2/i, '').replace(/^\/scim\/v2/i, '');
	const segs = rest.split('/').filter(Boolean);
	if (segs.length >= 2 && /^(Users|Groups|Schemas|ResourceTypes)$/i.test(segs[0]) && !segs[1].startsWith('.')) segs[1] = ':id';
	return '/' + segs.join('/');
}

export class Knobs {
	latencyMs: number;
	/** Whether User reads carry `groups` (RFC 7643 §4.1.2); off emulates a server that leaves it out. */
	usersListGroups = true;
	/** K2's undocumented behaviours this sandbox plays (sandbox/profile.ts); {} = the full RFC. */
	private current: K2Profile = {};
	faults: FaultSettings;
	/** At most K requests in flight and/or N per second, above which 429 with Retry-After. */
	readonly throttle = new Throttle();
	private rng: () => number;
	private faultsLeft = Infinity;
	private readonly firstSeen = new Set<string>();
	private stats!: RequestStats;

	constructor(init: { latencyMs?: number; faultRate?: number; faultKinds?: FaultKind[]; retryAfterSeconds?: number; faultSeed?: number; profile?: K2Profile }) {
		this.latencyMs = init.latencyMs ?? 0;
		if (init.profile) this.setProfile(init.profile);
		this.faults = {
			rate: init.faultRate ?? 0,
			kinds: init.faultKinds?.length ? init.faultKinds : ['429', '503'],
			retryAfterSeconds: init.retryAfterSeconds ?? 1,
			seed: init.faultSeed,
		};
		this.rng = init.faultSeed !== undefined ? mulberry32(init.faultSeed) : Math.random;
		this.resetStats();
	}

	setFaults(f: { rate: number; kinds?: FaultKind[]; retryAfterSeconds?: number; seed?: number; only?: string[]; limit?: number; firstOf?: string[] }): void {
		if (!(f.rate >= 0 && f.rate <= 1)) throw new Error('fault rate must be between 0 and 1');
		if (f.kinds) parseFaultKinds(f.kinds);
		this.faults = {
			rate: f.rate,
			kinds: f.kinds?.length ? f.kinds : this.faults.kinds,
			retryAfterSeconds: f.retryAfterSeconds ?? this.faults.retryAfterSeconds,
			seed: f.seed ?? this.faults.seed,
			// Not sticky: each setFaults says which requests it targets.
			only: f.only?.length ? [...f.only] : undefined,
			limit: f.limit,
			firstOf: f.firstOf?.length ? [...f.firstOf] : undefined,
		};
		this.faultsLeft = f.limit ?? Infinity;
		this.firstSeen.clear();
		if (f.seed !== undefined) this.rng = mulberry32(f.seed);
	}

	/** The effective profile (a copy): what was set, with filter operators lower-cased. */
	get profile(): K2Profile {
		return structuredClone(this.current);
	}

	/** Replace the whole profile (checked: unknown fields or wrong values throw a ProfileError). */
	setProfile(profile: K2Profile): void {
		this.current = parseProfile(profile);
	}

	/** One switch of the profile, read on every request so a change applies at once. */
	get<K extends keyof K2Profile>(field: K): K2Profile[K] {
		return this.current[field];
	}

	/** Filter operators the SCIM server accepts (others get 400 invalidFilter); undefined = all. */
	get filterOperators(): string[] | undefined {
		return this.current.filterOperators;
	}

	/** Emulate a server with partial filter support, e.g. ['eq', 'sw', 'and']; undefined = all. The profile's `filterOperators`. */
	setFilterOperators(operators: string[] | undefined): void {
		this.setProfile({ ...this.current, filterOperators: operators });
	}

	setLatency(ms: number): void {
		if (!(ms >= 0)) throw new Error('latency must be >= 0');
		this.latencyMs = ms;
	}

	resetStats(): void {
		this.throttle.resetStats();
		this.stats = { total: 0, byMethod: {}, byRoute: {}, byStatus: {}, timing: {}, faults: { total: 0, byKind: {}, byRoute: {} }, connections: 0, throttle: this.throttle.stats, since: new Date().toISOString() };
	}

	countConnection(): void {
		this.stats.connections++;
	}

	getStats(): RequestStats {
		return structuredClone({ ...this.stats, throttle: this.throttle.stats });
	}

	/** Express middleware for SCIM routes: count, delay, then maybe fail. */
	middleware() {
		return async (req: Request, res: Response, next: NextFunction) => {
			const route = `${req.method} ${normalizePath(req.path)}`;
			const s = this.stats;
			s.total++;
			s.byMethod[req.method] = (s.byMethod[req.method] ?? 0) + 1;
			s.byRoute[route] = (s.byRoute[route] ?? 0) + 1;
			let started = performance.now();
			const stats = s;
			res.on('finish', () => {
				// A stats reset in between must not resurrect counts into the new object.
				if (stats !== this.stats) return;
				stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1;
				const ms = performance.now() - started;
				const t = (stats.timing[route] ??= { count: 0, totalMs: 0, maxMs: 0 });
				t.count++;
				t.totalMs += ms;
				t.maxMs = Math.max(t.maxMs, ms);
			});

			// The throttle sees the request as it arrives: one above its limits is answered at once.
			const admission = this.throttle.admit();
			if (!admission.admitted) {
				res.setHeader('Retry-After', String(admission.retryAfterSeconds));
				res.status(429).type('application/scim+json').send(
					JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429', detail: 'Too many requests, retry later' }),
				);
				return;
			}
			res.once('finish', admission.done);
			res.once('close', admission.done);

			if (this.latencyMs > 0) {
				await new Promise((r) => setTimeout(r, this.latencyMs));
				started = performance.now();
			}

			const { rate, kinds, retryAfterSeconds, only, firstOf } = this.faults;
			const targeted = only === undefined || only.includes(req.method) || only.includes(route);
			const first = firstOf?.includes(route) === true && !this.firstSeen.has(route);
			if (first) this.firstSeen.add(route);
			if (rate > 0 && targeted && this.faultsLeft > 0 && (first || this.rng() < rate)) {
				this.faultsLeft--;
				const kind = kinds[Math.floor(this.rng() * kinds.length)] ?? kinds[0];
				this.stats.faults.total++;
				this.stats.faults.byKind[kind] = (this.stats.faults.byKind[kind] ?? 0) + 1;
				const byRoute = `${kind} ${route}`;
				this.stats.faults.byRoute[byRoute] = (this.stats.faults.byRoute[byRoute] ?? 0) + 1;
				if (kind === 'drop') {
					// No response at all: the client sees ECONNRESET / "socket hang up".
					req.socket.destroy();
					return;
				}
				if (kind === 'drop-after') {
					// The handler runs (the store applies the write); its answer is never sent.
					res.end = (() => {
						req.socket.destroy();
						return res;
					}) as Response['end'];
					next();
					return;
				}
				const status = kind === '503' ? 503 : 429;
				if (kind === '429') res.setHeader('Retry-After', String(retryAfterSeconds));
				if (kind === '429-date') res.setHeader('Retry-After', retryAfterDate(retryAfterSeconds));
				res.status(status).type('application/scim+json').send(
					JSON.stringify({
						schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
						status: String(status),
						detail: status === 429 ? 'Too many requests, retry later' : 'Service temporarily unavailable',
					}),
				);
				return;
			}
			next();
		};
	}
}
