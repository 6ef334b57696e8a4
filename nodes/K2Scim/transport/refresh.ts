import { sleep } from 'n8n-workflow';
import type { IExecuteFunctions, ILoadOptionsFunctions, IDataObject, IPollFunctions } from 'n8n-workflow';

import { CREDENTIAL_TYPE, hasScimError } from './errors';
import type { FailedRequest } from './errors';
import { decodeJwtPayload } from '../scim/jwt';

// K2's refresh tokens are single use. n8n (2.8) refreshes on every 401 it sees, so two requests
// that meet an expired token at the same time would both refresh, and all but one would spend an
// already-used refresh token: K2 answers invalid_grant, and an identity server that treats reuse
// as theft revokes the whole sign-in. So, per credential and for every execution in this process:
// - a request that met a 401 waits for the one refresh in progress, then re-sends with whatever
//   token is stored by then (n8n reads the credential again on every request);
// - only one request at a time is sent the way that lets n8n refresh;
// - a refresh refused with invalid_grant is checked against the stored credential: another
//   process (a queue-mode worker) may have refreshed with the same refresh token just before.
// - a request that meets 401 again with the token n8n has just refreshed (or 403 without a SCIM
//   error) is not a sign-in problem: the SCIM service refuses a token the token service accepted
//   (a wrong SCIM token, scope or base URL). Another refresh cannot help, so the run remembers it
//   and its remaining requests fail with the same error, unsent.
// n8n >= 2.30 coordinates refreshes itself (n8n-core's "Serialize OAuth2 credential refresh"): one
// refresh per credential ID in a process, and in queue mode a Redis lease across processes (waits
// up to 10 s, lease 30 s), inside which it re-reads the stored token and refreshes only if no one
// has. n8n 2.8 does neither, so across queue-mode workers only the invalid_grant re-read below
// helps. On >= 2.30 this queue just sits in front of n8n's; it never waits on n8n's lock while
// holding something n8n waits on, so the two cannot deadlock.

type Context = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

export type Outcome =
	| { ok: true; body: unknown; status?: number; headers?: Record<string, unknown> }
	| { ok: false; failure: FailedRequest };

export interface Senders {
	/** Sends with 401 coming back as data: n8n does not refresh. */
	lenient: () => Promise<Outcome>;
	/** Sends so that a 401 reaches n8n's OAuth2 helper, which refreshes once, saves and retries. */
	strict: () => Promise<Outcome>;
	/** Aborts at the request's deadline: a request that gave up neither sends nor holds the queue. */
	signal?: AbortSignal;
}

interface CredentialState {
	/** Bumped after each refresh attempt in this process that did not fail for good. */
	generation: number;
	/** The tail of the requests waiting to send the strict way: resolves when the last one passes its turn on. */
	queue: Promise<void>;
	/** Tokens whose refresh was refused for good, and how: later requests with the same tokens fail at once. */
	refused?: { fingerprint: string; failure: FailedRequest };
}

const states = new Map<string, CredentialState>();

/** Per run (node execution): the SCIM service refused a token n8n had just refreshed. */
const refusedFreshToken = new WeakMap<Context, FailedRequest>();

/** What this run's requests fail with, unsent, once the SCIM service refused a freshly refreshed token. */
export function freshTokenRefusal(ctx: Context): Outcome | undefined {
	const failure = refusedFreshToken.get(ctx);
	return failure ? { ok: false, failure: { ...failure } } : undefined;
}

/** 401, or 403 without a SCIM error (ASP.NET's empty answer): the SCIM service refuses the token itself. */
function refusesToken(failure: FailedRequest): boolean {
	return failure.status === 401 || (failure.status === 403 && !hasScimError(failure.status, failure.body));
}

/** How often a request may meet a 401 again after a refresh (tokens that live seconds, in tests). */
const MAX_ROUNDS = 3;

/**
 * After a refused refresh: how long to watch the stored credential for tokens another process
 * saved (it used the same refresh token a moment earlier). 3.75 s in all, then the sign-in is
 * taken as really expired.
 */
const REFUSED_RECHECK_DELAYS_MS = [250, 500, 1000, 2000];

function keyOf(ctx: Context): string {
	const credential = ctx.getNode().credentials?.[CREDENTIAL_TYPE];
	return credential?.id ?? `name:${credential?.name ?? ''}`;
}

function stateOf(ctx: Context): CredentialState {
	const key = keyOf(ctx);
	let state = states.get(key);
	if (!state) {
		state = { generation: 0, queue: Promise.resolve() };
		states.set(key, state);
	}
	return state;
}

/** Taken before a request is first sent: tells later whether a refresh happened since. */
export function refreshGeneration(ctx: Context): number {
	return stateOf(ctx).generation;
}

function isUnauthorized(outcome: Outcome): boolean {
	return !outcome.ok && outcome.failure.status === 401;
}

/**
 * Whether the stored access token has not expired (a JWT's `exp`; a token that is not a JWT counts
 * as unexpired). Only then does a 401 right after a refresh say that the SCIM service refuses the
 * token itself: a run that stalls longer than a short-lived token lives meets the next expiry.
 */
async function storedTokenUnexpired(ctx: Context): Promise<boolean> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const token = ((credentials.oauthTokenData ?? {}) as IDataObject).access_token;
	const exp = typeof token === 'string' ? decodeJwtPayload(token)?.exp : undefined;
	return typeof exp !== 'number' || exp * 1000 > Date.now() + 1000;
}

/** Held in memory only, to compare: whatever a refresh or a reconnect changes. */
async function fingerprint(ctx: Context): Promise<string> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const tokens = (credentials.oauthTokenData ?? {}) as IDataObject;
	return JSON.stringify([
		tokens.access_token,
		tokens.refresh_token,
		credentials.clientId,
		credentials.clientSecret,
	]);
}

/**
 * Runs `task` when every earlier one has passed its turn on. A turn passes when the task settles,
 * or when its request's deadline aborts it: n8n's token request has no timeout of its own, and one
 * that hangs must not block every later refresh of this credential in the process. A request that
 * gave up while waiting does not run at all (undefined).
 */
async function oneAtATime<T>(state: CredentialState, task: () => Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
	const previous = state.queue;
	let passOn!: () => void;
	state.queue = new Promise<void>((resolve) => (passOn = resolve));
	await previous;
	try {
		if (signal?.aborted) return undefined;
		signal?.addEventListener('abort', passOn, { once: true });
		return await task();
	} finally {
		signal?.removeEventListener('abort', passOn);
		passOn();
	}
}

/**
 * A request met a 401 (its first send, made at `seen`). Re-sends it after the one refresh this
 * credential needs, and returns what the re-send got.
 */
export async function resendAfterUnauthorized(ctx: Context, seen: number, send: Senders): Promise<Outcome> {
	const state = stateOf(ctx);
	let outcome: Outcome | undefined;
	for (let round = 0; round < MAX_ROUNDS; round++) {
		const refused = freshTokenRefusal(ctx);
		if (refused) return refused;
		if (state.generation !== seen) {
			// Refreshed since this request went out: the stored token is newer than the one it used.
			seen = state.generation;
			outcome = await send.lenient();
			if (!isUnauthorized(outcome)) return outcome;
			continue;
		}
		outcome = await oneAtATime(
			state,
			async () => {
				// Refreshed while this request waited: re-send outside the queue, in the next round.
				if (state.generation !== seen) return undefined;
				return await refreshAndSend(ctx, state, send);
			},
			send.signal,
		);
		if (outcome && !isUnauthorized(outcome)) return outcome;
	}
	return outcome ?? (await send.lenient());
}

/** Runs inside the queue: the only place where n8n may refresh this credential's token. */
async function refreshAndSend(ctx: Context, state: CredentialState, send: Senders): Promise<Outcome> {
	let before = await fingerprint(ctx);
	if (state.refused?.fingerprint === before) return { ok: false, failure: state.refused.failure };

	let outcome = await send.strict();
	for (const delay of REFUSED_RECHECK_DELAYS_MS) {
		if (outcome.ok || outcome.failure.refusal !== 'invalid_grant') break;
		// Another process may have spent this refresh token a moment ago and is saving the new one.
		await sleep(delay);
		const now = await fingerprint(ctx);
		if (now !== before) {
			ctx.logger.debug('K2 refused a refresh token another process had just used; sending again with the stored tokens');
			before = now;
			outcome = await send.strict();
		}
	}

	if (outcome.ok || !outcome.failure.refreshRefused) {
		state.refused = undefined;
		// Waiters re-send with the stored token only if there is a new one: a send that failed
		// before n8n refreshed (a 503, a dropped connection) left the old, expired token in place.
		const refreshed = outcome.ok || (await fingerprint(ctx)) !== before;
		if (refreshed) state.generation++;
		if (refreshed && !outcome.ok && refusesToken(outcome.failure) && (await storedTokenUnexpired(ctx))) {
			outcome.failure.freshTokenRefused = true;
			refusedFreshToken.set(ctx, { ...outcome.failure });
		}
	} else if (outcome.failure.refusal === 'invalid_grant' || outcome.failure.refusal === 'invalid_client') {
		// These stay true until someone edits the credential: the requests queued behind fail at once.
		state.refused = { fingerprint: before, failure: outcome.failure };
	}
	return outcome;
}
