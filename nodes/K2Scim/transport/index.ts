import { NodeOperationError, sleep } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';

import type { ScimErrorContext } from '../scim/error';
import type { Answer } from '../utils/adaptiveConcurrency';
import type { RequestGate } from '../utils/requestGate';
import { assertSafeCredential } from './connection';
import { TIMED_OUT, timeoutMs, withDeadline } from './deadline';
import { CREDENTIAL_TYPE, credentialName, notScimError, readFailure, scimApiError } from './errors';
import { filterRefusalOf, noteFilterAccepted } from './filterOperators';
import { mergeSecrets, redact, redactInPlace, secretsOf } from './redact';
import type { Secrets } from './redact';
import { freshTokenRefusal, refreshGeneration, resendAfterUnauthorized } from './refresh';
import type { Outcome } from './refresh';
import { expectationOf, isNoResource, shapeProblem } from './shape';
import {
	MAX_RETRIES,
	MAX_RETRY_AFTER_MS,
	STAGING_WAITS_MS,
	isDroppedConnection,
	isRetryableStatus,
	parseRetryAfter,
	retryDelayMs,
} from './retry';

export type ScimContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

export interface ScimRequest {
	method: IHttpRequestMethods;
	/** Path under the tenant's SCIM root, e.g. `/Users` or `/Groups/{id}`. */
	path: string;
	/** A JSON object: a SCIM resource or PatchOp as typed in scim/schemas.ts. */
	body?: object;
	qs?: IDataObject;
	/** `/scim/v2/...` without the token, e.g. ServiceProviderConfig. */
	withoutToken?: boolean;
	/**
	 * Sends with this SCIM token in the path instead of the credential's (Connection > Check asks
	 * how K2 answers a wrong one). A 401 is then K2's answer to that token, not a reason to refresh.
	 */
	otherScimToken?: string;
}

export interface ScimRequestOptions {
	/** Names the resource and operation in errors so they say what to fix. */
	context: ScimErrorContext;
	itemIndex?: number;
	/**
	 * For POSTs that create: a lookup run before any re-send, because a create whose response was
	 * lost may have been applied. When it finds the resource, that is the result: no duplicate.
	 */
	findExisting?: () => Promise<object | undefined>;
	/** Told the HTTP status of the answer that is returned, when n8n gave it (Connection > Check reports it). */
	onStatus?: (status: number) => void;
}

export interface ScimConnection {
	credentials: ICredentialDataDecryptedObject;
	secrets: Secrets;
	root: string;
	baseUrl: string;
	/** Total time one request may take (the credential's Request Timeout). */
	timeoutMs: number;
}

// One credential read per node run: decrypting it and resolving its expressions for every
// request costs more CPU than the request itself when a sync sends thousands.
// Read again after any refresh of this credential in this process (any execution's): the new
// tokens are secrets to redact too, even in a run that never met a 401 itself.
const connections = new WeakMap<ScimContext, { generation: number; connection: Promise<ScimConnection> }>();

// Requests in Flight: Auto. The run's gate, when the operation set one: every attempt waits for a
// place under the adaptive limit (and any Retry-After), and tells it how its answer went.
const gates = new WeakMap<ScimContext, RequestGate>();

/** Sends this run's requests through `gate` (once per run; a second call keeps the first gate). */
export function useRequestGate(ctx: ScimContext, gate: RequestGate): RequestGate {
	const existing = gates.get(ctx);
	if (existing) return existing;
	gates.set(ctx, gate);
	return gate;
}

export function requestGateOf(ctx: ScimContext): RequestGate | undefined {
	return gates.get(ctx);
}

/** What an attempt's outcome says about K2's load: only 429 and 503 mean "slow down". */
function answerOf(outcome: Outcome | typeof TIMED_OUT): Answer {
	if (outcome === TIMED_OUT) return { kind: 'other' };
	if (outcome.ok) return { kind: 'ok', latencyMs: 0 }; // the gate measures the latency itself
	const status = outcome.failure.status;
	if (status === 429 || status === 503) return { kind: 'throttled', retryAfterMs: parseRetryAfter(outcome.failure.headers?.['retry-after']) };
	return { kind: 'other' };
}

export async function scimConnection(ctx: ScimContext): Promise<ScimConnection> {
	const generation = refreshGeneration(ctx);
	let cached = connections.get(ctx);
	if (!cached || cached.generation !== generation) {
		const connection = readConnection(ctx);
		cached = { generation, connection };
		connections.set(ctx, cached);
		// A failed read (no credential selected) must not stick for the rest of the run.
		connection.catch(() => {
			if (connections.get(ctx)?.connection === connection) connections.delete(ctx);
		});
	}
	return await cached.connection;
}

/** After n8n refreshed the token, the next request reads the credential again (new secrets to redact). */
function forgetConnection(ctx: ScimContext): void {
	connections.delete(ctx);
}

/** The secrets a request started with and the ones stored now, if a refresh changed them since. */
async function secretsNow(ctx: ScimContext, started: ScimConnection): Promise<Secrets> {
	let latest: ScimConnection;
	try {
		latest = await scimConnection(ctx);
	} catch {
		return started.secrets;
	}
	return latest === started ? started.secrets : mergeSecrets(started.secrets, latest.secrets);
}

async function readConnection(ctx: ScimContext): Promise<ScimConnection> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	// Before the first request: no token may leave in clear text, to another host, or in a query.
	assertSafeCredential(ctx.getNode(), credentials, credentialName(ctx.getNode()));
	const baseUrl = String(credentials.scimBaseUrl ?? '').trim().replace(/\/+$/, '');
	const token = String(credentials.scimToken ?? '').trim();
	return {
		credentials,
		secrets: secretsOf(credentials),
		baseUrl,
		root: `${baseUrl}/tokens/${encodeURIComponent(token)}/scim/v2`,
		timeoutMs: timeoutMs(credentials.requestTimeout),
	};
}

function parseBody(body: unknown): unknown {
	// K2 answers application/scim+json, which axios may leave as text.
	if (typeof body === 'string' && /^\s*[{[]/.test(body)) {
		try {
			return JSON.parse(body);
		} catch {
			return body;
		}
	}
	return body;
}

function contentTypeOf(headers: Record<string, unknown> | undefined): string | undefined {
	const value = headers?.['content-type'];
	return typeof value === 'string' ? value.split(';')[0].trim() : undefined;
}

/**
 * The one door to K2's SCIM API. Goes through httpRequestWithAuthentication so that a 401
 * reaches n8n's OAuth2 helper, which refreshes the token once and retries. Throttling,
 * gateway errors and dropped connections are retried here with backoff. Redirects are never
 * followed (the Bearer token and the body would go to wherever they point), each attempt has a
 * total deadline, and an answer that is not the SCIM shape the request expects is an error.
 */
export async function scimRequest<T = IDataObject>(
	ctx: ScimContext,
	request: ScimRequest,
	options: ScimRequestOptions,
): Promise<T> {
	// Whatever built the path (an ID from the input is checked before; one from K2's own listing is
	// not): "." and ".." would walk up it, e.g. DELETE /Users/.. is DELETE on the tenant's SCIM root.
	if (request.path.split('/').slice(1).some((segment) => segment === '.' || segment === '..' || segment.trim() === '')) {
		throw new NodeOperationError(ctx.getNode(), `Refused to send ${request.method} ${request.path.slice(0, 80)}: an ID of ".", ".." or nothing would change the request's path`, {
			itemIndex: options.itemIndex,
			description: 'K2 sent (or the input gave) an ID that is not one path segment. Nothing was sent for this request.',
		});
	}
	const connection = await scimConnection(ctx);
	const url = request.withoutToken
		? `${connection.baseUrl}/scim/v2${request.path}`
		: request.otherScimToken !== undefined
			? `${connection.baseUrl}/tokens/${encodeURIComponent(request.otherScimToken)}/scim/v2${request.path}`
			: `${connection.root}${request.path}`;
	const expectation = expectationOf(request.method, request.path);
	const httpOptions: IHttpRequestOptions = {
		method: request.method,
		url,
		qs: request.qs,
		body: request.body,
		json: true,
		headers: {
			Accept: 'application/scim+json, application/json',
			...(request.body ? { 'Content-Type': 'application/scim+json' } : {}),
		},
		disableFollowRedirect: true,
		sendCredentialsOnCrossOriginRedirect: false,
		// The idle timeout still closes a silent socket; the deadline below bounds the whole answer.
		timeout: Math.min(60_000, connection.timeoutMs),
	};
	const isCreate = request.method === 'POST';
	let sentOnce = false;
	// Whether an earlier attempt may have been applied although its answer was lost (a dropped
	// connection, a gateway error); a 429 says it was not.
	let mayHaveApplied = false;
	// Whether an earlier attempt may have reached K2's handler (a dropped answer, a 500, a gateway's
	// 502 or 504): only then can its create be waiting in K2's staging. A 503 or 429 was turned away.
	let mayBeStaged = false;

	// A create that may have landed on an earlier attempt is looked for before it is sent again;
	// when that attempt may have been applied, K2's staging gets a short, bounded time to show it.
	const findLanded = async (): Promise<object | undefined> => {
		const waits = mayBeStaged ? STAGING_WAITS_MS : [];
		for (let tried = 0; ; tried++) {
			const existing = await options.findExisting!();
			if (existing || tried >= waits.length) return existing;
			ctx.logger.debug(`K2 SCIM ${request.method}: the created resource is not readable yet; looking again in ${waits[tried]} ms`);
			await sleep(waits[tried]);
		}
	};

	for (let attempt = 0; ; attempt++) {
		if (isCreate && sentOnce && options.findExisting) {
			const existing = await findLanded();
			if (existing) return existing as T;
		}
		sentOnce = true;
		const gate = gates.get(ctx);
		const leave = gate ? await gate.enter() : undefined;
		let outcome: Outcome | typeof TIMED_OUT;
		let answer: Answer = { kind: 'other' }; // what the gate hears if sending threw
		try {
			outcome = await withDeadline(connection.timeoutMs, async (signal) =>
				await send(ctx, { ...httpOptions, abortSignal: signal }, request.otherScimToken === undefined),
			);
			answer = answerOf(outcome);
		} finally {
			leave?.(answer);
		}
		// The answer may echo tokens n8n refreshed while this request was under way: mask those too.
		const secrets = await secretsNow(ctx, connection);
		if (outcome === TIMED_OUT) {
			throw scimApiError(ctx.getNode(), { timedOutAfterMs: connection.timeoutMs }, options.context, secrets, options.itemIndex);
		}
		if (outcome.ok) {
			const body = redactInPlace(parseBody(outcome.body), secrets);
			const problem = shapeProblem(expectation, body);
			if (problem) {
				throw notScimError(ctx.getNode(), {
					expectation,
					got: problem,
					status: outcome.status,
					contentType: contentTypeOf(outcome.headers),
					secrets,
					itemIndex: options.itemIndex,
				});
			}
			if (typeof request.qs?.filter === 'string') noteFilterAccepted(ctx, request.qs.filter);
			if (outcome.status !== undefined) options.onStatus?.(outcome.status);
			// Callers get undefined for "nothing came back", never a body they would read as a resource.
			if (expectation === 'nothing' || (expectation === 'resourceOrEmpty' && isNoResource(body))) return undefined as T;
			return body as T;
		}
		const failure = outcome.failure;
		failure.body = parseBody(failure.body);
		failure.url = url;

		if (isCreate && attempt > 0 && failure.status === 409 && options.findExisting) {
			// The re-send collided with the earlier attempt's create, which staging may still hide.
			mayBeStaged = true;
			const existing = await findLanded();
			if (existing) return existing as T;
		}

		// A re-sent DELETE that finds nothing: an earlier attempt whose answer was lost deleted it.
		if (request.method === 'DELETE' && mayHaveApplied && failure.status === 404) return undefined as T;

		const dropped = failure.status === undefined && isDroppedConnection(failure.code, failure.message);
		if (dropped || (failure.status !== undefined && failure.status >= 500)) mayHaveApplied = true;
		if (dropped || failure.status === 500 || failure.status === 502 || failure.status === 504) mayBeStaged = true;
		const retryAfterMs = parseRetryAfter(failure.headers?.['retry-after']);
		const retryable =
			!failure.refreshRefused &&
			(isRetryableStatus(failure.status) || dropped) &&
			attempt < MAX_RETRIES &&
			(retryAfterMs === undefined || retryAfterMs <= MAX_RETRY_AFTER_MS) &&
			// A create that failed without an answer is re-sent only if we can look it up first.
			(!isCreate || !dropped || options.findExisting !== undefined);
		if (!retryable) {
			throw scimApiError(ctx.getNode(), failure, options.context, secrets, options.itemIndex, filterRefusalOf(ctx, request.qs?.filter));
		}
		const delay = retryDelayMs(attempt, retryAfterMs);
		ctx.logger.debug(
			redact(
				`K2 SCIM ${request.method} ${url} failed (${failure.status ?? failure.code}); retry ${attempt + 1} of ${MAX_RETRIES} in ${delay} ms`,
				secrets,
			),
		);
		await sleep(delay);
	}
}

/**
 * n8n's httpRequestWithAuthentication replaces a request's abortSignal with the execution's
 * cancel signal (getExecutionCancelSignal), so the deadline's abort would never reach the socket:
 * a trickling answer would stay open after its timeout was reported, and a request queued behind
 * a refresh would still be sent after its item failed. The helper is called on a view of the
 * context whose cancel signal also fires at the deadline.
 */
function withDeadlineSignal(ctx: ScimContext, deadline: AbortSignal | undefined): ScimContext {
	if (!deadline || !('getExecutionCancelSignal' in ctx)) return ctx;
	const execution = (ctx as IExecuteFunctions).getExecutionCancelSignal();
	const signal = execution ? AbortSignal.any([execution, deadline]) : deadline;
	return Object.create(ctx, { getExecutionCancelSignal: { value: () => signal } }) as ScimContext;
}

/**
 * Sends once. Statuses come back as data so that Retry-After can be read (n8n's error
 * wrapper drops headers). A 401 goes through refresh.ts (unless `refreshOn401` is false): one
 * refresh per credential for every execution in this process, then the request is sent again
 * with the token stored by then.
 */
async function send(ctx: ScimContext, httpOptions: IHttpRequestOptions, refreshOn401: boolean): Promise<Outcome> {
	// The SCIM service already refused a freshly refreshed token in this run: nothing to learn by sending.
	const refused = freshTokenRefusal(ctx);
	if (refused) return refused;
	const seen = refreshGeneration(ctx);
	const requester = withDeadlineSignal(ctx, httpOptions.abortSignal as AbortSignal | undefined);
	const lenient = async (): Promise<Outcome> => {
		try {
			const response = (await ctx.helpers.httpRequestWithAuthentication.call(requester, CREDENTIAL_TYPE, {
				...httpOptions,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
			})) as { statusCode: number; headers: Record<string, unknown>; body: unknown };
			// A 3xx is not followed (disableFollowRedirect): it comes back here and is an error.
			if (response.statusCode >= 200 && response.statusCode < 300) {
				return { ok: true, body: response.body, status: response.statusCode, headers: response.headers };
			}
			return {
				ok: false,
				failure: { status: response.statusCode, headers: response.headers, body: response.body },
			};
		} catch (error) {
			return { ok: false, failure: readFailure(error) };
		}
	};
	// Without ignoreHttpStatusErrors a 401 reaches n8n's OAuth2 helper, which refreshes and retries.
	const strict = async (): Promise<Outcome> => {
		try {
			return { ok: true, body: await ctx.helpers.httpRequestWithAuthentication.call(requester, CREDENTIAL_TYPE, httpOptions) };
		} catch (error) {
			return { ok: false, failure: readFailure(error) };
		}
	};

	const outcome = await lenient();
	if (outcome.ok || outcome.failure.status !== 401 || !refreshOn401) return outcome;
	forgetConnection(ctx);
	return await resendAfterUnauthorized(ctx, seen, { lenient, strict, signal: httpOptions.abortSignal as AbortSignal | undefined });
}
