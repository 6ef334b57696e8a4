import { NodeApiError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

import { explainFilterRefusal, explainScimError, isFilterRefusalAnswer, parseScimError } from '../scim/error';
import type { FilterRefusal, ScimErrorContext } from '../scim/error';
import { redact, redactInPlace } from './redact';
import type { Secrets } from './redact';
import { isDroppedConnection } from './retry';
import { describeExpectation } from './shape';
import type { Expectation } from './shape';

export const CREDENTIAL_TYPE = 'k2ScimOAuth2Api';

/** What a failed request looked like, read off whatever n8n's request helpers threw. */
export interface FailedRequest {
	status?: number;
	headers?: Record<string, unknown>;
	body?: unknown;
	code?: string;
	message?: string;
	/** The OAuth2 token endpoint refused to give a token: no retry helps, the credential needs fixing. */
	refreshRefused?: boolean;
	/** No complete answer within the request's total deadline. */
	timedOutAfterMs?: number;
	/** The URL that was requested, to resolve a relative redirect against. */
	url?: string;
	/**
	 * Why, as the token endpoint said it: `invalid_grant` (the refresh token expired or was revoked:
	 * reconnect), `invalid_client` (wrong Client ID or Client Secret), or another OAuth error code.
	 */
	refusal?: string;
	/**
	 * The SCIM service answered 401 (or 403 without a SCIM error) to a request re-sent with the
	 * token n8n had just refreshed: the sign-in is fine, the SCIM side refuses it.
	 */
	freshTokenRefused?: boolean;
}

/** Whether an error answer carries a SCIM error (a detail or a scimType), unlike ASP.NET's empty 401 / 403. */
export function hasScimError(status: number, body: unknown): boolean {
	const parsed = parseScimError(status, body);
	return parsed.detail !== undefined || parsed.scimType !== undefined;
}

// n8n 2.27 and later turn a refresh refused with invalid_grant into their own error (no EAUTH, no
// body): n8n-io/n8n#30460, in n8n-core 2.27.3, not in 2.25.0 (the registry here has no 2.26).
const N8N_RECONNECT = /^The credential .* needs to be reconnected\.?$/;

// n8n 2.8 keeps only the OAuth2 client's message, which for the standard error codes is RFC 6749's
// sentence (client-oauth2's ERROR_RESPONSES), and drops the token endpoint's body: map it back.
const OAUTH_SENTENCES: Array<[RegExp, string]> = [
	[/^The provided authorization grant .* or refresh token is invalid/, 'invalid_grant'],
	[/^Client authentication failed/, 'invalid_client'],
	[/^The request is missing a required parameter/, 'invalid_request'],
	[/^The client is not authorized to request/, 'unauthorized_client'],
	[/^The authorization grant type is not supported/, 'unsupported_grant_type'],
	[/^The resource owner or authorization server denied/, 'access_denied'],
	[/^The requested scope is invalid/, 'invalid_scope'],
	[/^The authorization server encountered an unexpected/, 'server_error'],
	[/^The authorization server is currently unable/, 'temporarily_unavailable'],
];

/** An OAuth error code (RFC 6749 5.2 names them in this shape); anything else is not shown. */
const OAUTH_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** The token endpoint's refusal inside what n8n threw, as its OAuth error code (and body when n8n kept it). */
function tokenRefusal(error: unknown): { refusal: string; body?: unknown } | undefined {
	// n8n wraps errors in one or two layers (NodeApiError, sometimes an OperationalError); look inside.
	let current = error as Record<string, unknown> | undefined;
	let eauth = false;
	for (let depth = 0; current && depth < 4; depth++) {
		const message = typeof current.message === 'string' ? current.message : '';
		if (N8N_RECONNECT.test(message)) return { refusal: 'invalid_grant' };
		if (current.code === 'EAUTH' || current.httpCode === 'EAUTH') {
			eauth = true;
			const body = current.body as Record<string, unknown> | undefined;
			if (typeof body?.error === 'string') return { refusal: OAUTH_CODE.test(body.error) ? body.error : 'unknown', body };
			const known = OAUTH_SENTENCES.find(([sentence]) => sentence.test(message));
			if (known) return { refusal: known[1] };
			// Codes outside the RFC's list come through as the endpoint's description or the code itself.
			if (OAUTH_CODE.test(message)) return { refusal: message };
		}
		current = current.cause as Record<string, unknown> | undefined;
	}
	return eauth ? { refusal: 'unknown' } : undefined;
}

/** The fields of what n8n's request helpers throw that readFailure reads; any of them may be missing. */
interface ThrownByRequest {
	httpCode?: unknown;
	code?: unknown;
	message?: string;
	messages?: string[];
	context?: { data?: unknown };
	response?: { data?: unknown };
}

/**
 * What httpRequestWithAuthentication threw. It wraps every failure in a NodeApiError that keeps
 * the status (httpCode) and the response body (context.data) but not the headers. A refused token
 * request comes out as the OAuth2 client's AuthError (httpCode "EAUTH", the token endpoint's body
 * in `cause`), or in n8n >= 2.27 for invalid_grant as n8n's "needs to be reconnected" error.
 */
export function readFailure(error: unknown): FailedRequest {
	const thrown = error as ThrownByRequest | undefined;
	const httpCode = String(thrown?.httpCode ?? thrown?.code ?? '');
	const refused = tokenRefusal(error);
	if (refused) {
		return {
			refreshRefused: true,
			refusal: refused.refusal,
			body: refused.body ?? thrown?.context?.data,
			message: thrown?.message,
			code: 'EAUTH',
		};
	}
	const status = /^\d{3}$/.test(httpCode) ? Number(httpCode) : undefined;
	const messages: string[] = Array.isArray(thrown?.messages) ? thrown.messages : [];
	return {
		status,
		body: thrown?.context?.data ?? thrown?.response?.data,
		code: status === undefined && httpCode ? httpCode : undefined,
		message: [thrown?.message, ...messages].filter(Boolean).join(' / '),
	};
}

export function credentialName(node: INode): string {
	return node.credentials?.[CREDENTIAL_TYPE]?.name ?? 'K2 SCIM OAuth2 API';
}

/** What K2 said, for the description: its OAuth error code (its free text is left out, it could echo a secret). */
function k2Answer(failure: FailedRequest): string {
	return failure.refusal && failure.refusal !== 'unknown' ? ` (K2 answered "${failure.refusal}")` : '';
}

/**
 * K2 refused to give a token. The cause decides the fix: invalid_grant is the sign-in itself
 * (reconnect); invalid_client is the credential's Client ID or Client Secret; anything else is
 * said as K2 said it.
 */
export function expiredSignInError(node: INode, failure: FailedRequest, itemIndex?: number): NodeApiError {
	if (failure.refusal === 'invalid_client') return clientRejectedError(node, failure, itemIndex);
	if (failure.refusal !== 'invalid_grant') return tokenRefusedError(node, failure, itemIndex);
	const name = credentialName(node);
	return new NodeApiError(
		node,
		{ error: 'invalid_grant' } as JsonObject,
		{
			message: `The K2 sign-in of credential "${name}" has expired: reconnect the credential`,
			description:
				`K2 refused to refresh the access token${k2Answer(failure)}: the refresh token has expired or was revoked. ` +
				'K2 refresh tokens expire after 30 days by default, after which K2 requires a new sign-in. ' +
				`Fix: open the credential "${name}" in n8n, click "Reconnect" ` +
				'(or "Connect my account") and sign in to K2 again, then re-run this workflow. ' +
				'The Connection > Check operation tells you ahead of time when the sign-in must be renewed.',
			httpCode: '401',
			itemIndex,
		},
	);
}

/** K2's token endpoint does not accept the client: a wrong Client Secret or Client ID, not an expired sign-in. */
export function clientRejectedError(node: INode, failure: FailedRequest, itemIndex?: number): NodeApiError {
	const name = credentialName(node);
	return new NodeApiError(
		node,
		{ error: 'invalid_client' } as JsonObject,
		{
			message: `K2 rejected the Client ID or Client Secret of credential "${name}"`,
			description:
				`K2's token endpoint refused to authenticate the client${k2Answer(failure)}. ` +
				`Fix: open the credential "${name}" in n8n and correct the Client Secret (or the Client ID) to the values ` +
				'K2 Cloud operations gave you; for the PKCE sign-in K2 uses a public client, so leave Client Secret empty. ' +
				'Signing in again does not help while these are wrong.',
			httpCode: '401',
			itemIndex,
		},
	);
}

/** Any other refusal of the token endpoint (scope, grant type, K2's sign-in service failing). */
export function tokenRefusedError(node: INode, failure: FailedRequest, itemIndex?: number): NodeApiError {
	const name = credentialName(node);
	const transient = failure.refusal === 'server_error' || failure.refusal === 'temporarily_unavailable';
	return new NodeApiError(
		node,
		{ error: failure.refusal ?? 'unknown' } as JsonObject,
		{
			message: transient
				? `K2's sign-in service could not give an access token for credential "${name}": try again later`
				: `K2 refused to give an access token for credential "${name}"`,
			description:
				`K2's token endpoint refused the request${k2Answer(failure)}. ` +
				(transient
					? 'This is on K2\'s side; re-run the workflow later (or turn on Retry On Fail for this node).'
					: `Fix: open the credential "${name}" in n8n and check its Authority, Client ID, Scope and Grant Type ` +
						'against what K2 Cloud operations gave you, then click "Reconnect".'),
			httpCode: '401',
			itemIndex,
		},
	);
}

/**
 * K2's token service gives a token that K2's SCIM service refuses: a 401 again right after n8n
 * refreshed the token, or a 403 without a SCIM error. Signing in again does not help; the SCIM
 * side of the credential does: its SCIM Token, Scope and SCIM Base URL.
 */
export function scimRefusedTokenError(node: INode, failure: FailedRequest, secrets: Secrets, itemIndex?: number): NodeApiError {
	const name = credentialName(node);
	const status = failure.status ?? 401;
	// Redacted before it is cut to length (parseScimError cuts): no part of a secret survives.
	const detail = parseScimError(status, redactInPlace(failure.body, secrets)).detail;
	const said = detail ? `, saying "${redact(detail, secrets)}"` : ', with no SCIM error';
	const what = failure.freshTokenRefused
		? `K2's token service accepted the sign-in and n8n refreshed the access token, but K2's SCIM service still refused it (HTTP ${status}${said}). Signing in again does not help, and this run sends no further requests with this credential.`
		: `K2's SCIM service answered HTTP ${status} with no SCIM error: it did not accept the access token for this SCIM endpoint.`;
	return new NodeApiError(node, { status } as JsonObject, {
		message: `K2's SCIM service refused the credential "${name}" (${status}): check its SCIM Token, Scope and SCIM Base URL`,
		description:
			`${what} ` +
			`Fix: open the credential "${name}" in n8n and check, against what K2 Cloud operations gave you: ` +
			'the SCIM Token (the "scim.token" GUID for your identity-provider domain; a wrong one is the usual cause), ' +
			'the Scope (it must include https://scim.onk2.com/write; leave it empty for K2\'s scope) ' +
			'and the SCIM Base URL (https://scim.onk2.com unless K2 gave you another). ' +
			'After changing the Scope click "Reconnect"; a corrected SCIM Token or SCIM Base URL needs no new sign-in. ' +
			'If all three are right, ask K2 Cloud operations whether SCIM is enabled for your tenant and the signed-in account may manage identities.',
		httpCode: String(status),
		itemIndex,
	});
}

/** The host of `url` (resolved against `base`), redacted; never the rest of the URL (it may carry the token or data). */
function hostOf(url: unknown, base: string | undefined, secrets: Secrets): string | undefined {
	if (typeof url !== 'string' || url.trim() === '') return undefined;
	try {
		return redact(new URL(url.trim(), base).host, secrets);
	} catch {
		return undefined;
	}
}

/**
 * Node's codes for a server certificate n8n would not accept: OpenSSL's X509 verify errors and
 * the host-name check. Not the ERR_SSL_*_ALERT_* codes: those are the server refusing the client.
 */
const CERTIFICATE_PROBLEMS = new Set([
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
	'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
	'CERT_SIGNATURE_FAILURE',
	'CERT_NOT_YET_VALID',
	'CERT_HAS_EXPIRED',
	'ERROR_IN_CERT_NOT_BEFORE_FIELD',
	'ERROR_IN_CERT_NOT_AFTER_FIELD',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'CERT_CHAIN_TOO_LONG',
	'CERT_REVOKED',
	'INVALID_CA',
	'PATH_LENGTH_EXCEEDED',
	'INVALID_PURPOSE',
	'CERT_UNTRUSTED',
	'CERT_REJECTED',
	'HOSTNAME_MISMATCH',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isCertificateProblem(code: string): boolean {
	return CERTIFICATE_PROBLEMS.has(code);
}

// The errors that are K2 refusing a filter's operator (filterOperators.ts falls back on them).
const filterRefusals = new WeakSet<object>();

/** Whether `error` is K2 refusing an operator of the request's filter (400 invalidFilter). */
export function isFilterRefusal(error: unknown): boolean {
	return typeof error === 'object' && error !== null && filterRefusals.has(error);
}

/**
 * Turns a failed SCIM request into an error a user can act on, with no secret in it. `filter`:
 * the request's filter and the operators to blame, when K2 may have refused one of them.
 */
export function scimApiError(
	node: INode,
	failure: FailedRequest,
	context: ScimErrorContext,
	secrets: Secrets,
	itemIndex?: number,
	filter?: FilterRefusal,
): NodeApiError {
	if (failure.refreshRefused) return expiredSignInError(node, failure, itemIndex);
	if (failure.freshTokenRefused || (failure.status === 403 && !hasScimError(403, failure.body))) {
		return scimRefusedTokenError(node, failure, secrets, itemIndex);
	}

	if (failure.timedOutAfterMs !== undefined) {
		const seconds = Math.round(failure.timedOutAfterMs / 100) / 10;
		// Not "ETIMEDOUT": n8n would swap the message for its generic "consider Retry on Fail".
		return new NodeApiError(node, { code: 'TIMEOUT' } as JsonObject, {
			message: `K2 did not answer within ${seconds} s: the request timed out`,
			description:
				`K2's SCIM service sent no complete answer within ${seconds} s, so n8n stopped waiting. ` +
				'Re-running is safe: every operation finds what already exists before it writes (a create that did land is reported as existing, not duplicated). ' +
				`If K2 is slow rather than stuck, raise the Request Timeout in the credential "${credentialName(node)}".`,
			httpCode: 'TIMEOUT',
			itemIndex,
		});
	}

	if (failure.status !== undefined && failure.status >= 300 && failure.status < 400) {
		const host = hostOf(failure.headers?.location, failure.url, secrets);
		return new NodeApiError(node, { status: failure.status } as JsonObject, {
			message: `K2 answered with a redirect (${failure.status})${host ? ` to ${host}` : ''}, which is not followed`,
			description:
				`The SCIM request was answered with HTTP ${failure.status}${host ? ` pointing to the host ${host}` : ''}. ` +
				'SCIM requests never follow redirects: the access token and the data would be sent to wherever the redirect points. ' +
				`Check the SCIM Base URL in the credential "${credentialName(node)}" (it must be the exact https:// address K2 gave you, e.g. https://scim.onk2.com) and any proxy between n8n and K2.`,
			httpCode: String(failure.status),
			itemIndex,
		});
	}

	if (failure.status === undefined) {
		const code = failure.code ?? 'ENETWORK';
		const host = hostOf(failure.url, undefined, secrets); // never the path: K2's holds the SCIM token
		// n8n repeats the socket's message in its own: say it once.
		const said = [...new Set((failure.message ?? '').split(' / ').map((part) => part.trim()).filter(Boolean))].join(' / ');
		if (isCertificateProblem(code)) {
			return new NodeApiError(node, { code } as JsonObject, {
				message: `K2's TLS certificate was not accepted (${redact(code, secrets)})`,
				description: redact(
					`n8n could not verify the certificate${host ? ` of ${host}` : ''} (${said || code}), so nothing was sent to it: not the access token, not the data. ` +
						`Check that the SCIM Base URL in the credential "${credentialName(node)}" is the address K2 gave you (e.g. https://scim.onk2.com). ` +
						'If your network inspects TLS with its own certificate authority (a corporate proxy), start n8n with NODE_EXTRA_CA_CERTS set to that authority\'s PEM file. This node never turns certificate checks off.',
					secrets,
				),
				httpCode: code,
				itemIndex,
			});
		}
		const retried = isDroppedConnection(failure.code, failure.message) ? ' Requests that failed this way were retried before giving up.' : '';
		return new NodeApiError(
			node,
			{ code } as JsonObject,
			{
				message: `Could not reach the K2 SCIM service (${redact(code, secrets)})`,
				description: redact(
					`${said || 'The connection failed'}. Check the SCIM Base URL in the credential "${credentialName(node)}" and that n8n can reach it${host ? ` (${host})` : ''}.${retried}`,
					secrets,
				),
				httpCode: code,
				itemIndex,
			},
		);
	}

	// Redacted before anything is cut to length, so no part of a secret survives at the cut.
	const parsed = parseScimError(failure.status, redactInPlace(failure.body, secrets));
	const refusedFilter = filter && isFilterRefusalAnswer(parsed) ? filter : undefined;
	const explained = refusedFilter ? explainFilterRefusal(parsed, context, refusedFilter) : explainScimError(parsed, context);
	const clean: JsonObject = { status: parsed.status };
	if (parsed.scimType) clean.scimType = redact(parsed.scimType, secrets);
	if (parsed.detail) clean.detail = redact(parsed.detail, secrets);
	const error = new NodeApiError(node, clean, {
		message: redact(explained.message, secrets),
		description: redact(explained.description, secrets),
		httpCode: String(parsed.status),
		itemIndex,
	});
	if (refusedFilter) filterRefusals.add(error);
	return error;
}

/** A 2xx whose body is not what the request expects: never acted on. */
export function notScimError(
	node: INode,
	answer: { expectation: Expectation; got: string; status?: number; contentType?: string; secrets: Secrets; itemIndex?: number },
): NodeApiError {
	const type = answer.contentType ? `Content-Type ${answer.contentType}` : 'no Content-Type';
	const got = redact(answer.got, answer.secrets);
	return new NodeApiError(node, { status: answer.status ?? 200 } as JsonObject, {
		message: `K2's answer is not SCIM: expected ${describeExpectation(answer.expectation)}, got ${got} (${redact(type, answer.secrets)})`,
		description:
			`The SCIM service answered HTTP ${answer.status ?? 200} with ${got}, which is not what a SCIM server sends for this request, so nothing was done with it. ` +
			`A proxy, a login page or a wrong SCIM Base URL in the credential "${credentialName(node)}" usually causes this: it must be the address K2 gave you (e.g. https://scim.onk2.com).`,
		httpCode: String(answer.status ?? 200),
		itemIndex: answer.itemIndex,
	});
}
