import { NodeApiError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

import { explainScimError, parseScimError } from '../scim/error';
import type { ScimErrorContext } from '../scim/error';
import { redact, redactInPlace } from './redact';
import type { Secrets } from './redact';
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
	/** The OAuth2 token endpoint refused to refresh (K2's refresh token expired or was revoked). */
	refreshRefused?: boolean;
	/** No complete answer within the request's total deadline. */
	timedOutAfterMs?: number;
	/** The URL that was requested, to resolve a relative redirect against. */
	url?: string;
}

/**
 * What httpRequestWithAuthentication threw. It wraps every failure in a NodeApiError that keeps
 * the status (httpCode) and the response body (context.data) but not the headers; a refused
 * token refresh (the OAuth2 client's AuthError) comes out with httpCode "EAUTH".
 */
export function readFailure(error: unknown): FailedRequest {
	const thrown = error as Record<string, any>;
	const httpCode = String(thrown?.httpCode ?? thrown?.code ?? '');
	if (httpCode === 'EAUTH') {
		return { refreshRefused: true, body: thrown?.context?.data, message: thrown?.message, code: 'EAUTH' };
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

/** K2 refresh tokens expire (30 days by default): the only fix is to sign in again. */
export function expiredSignInError(node: INode, failure: FailedRequest, itemIndex?: number): NodeApiError {
	const name = credentialName(node);
	const reason =
		typeof (failure.body as JsonObject | undefined)?.error === 'string'
			? ` (K2 answered "${String((failure.body as JsonObject).error)}")`
			: '';
	return new NodeApiError(
		node,
		{ error: 'invalid_grant' } as JsonObject,
		{
			message: `The K2 sign-in of credential "${name}" has expired: reconnect the credential`,
			description:
				`K2 refused to refresh the access token${reason}. K2 refresh tokens expire after 30 days by default, ` +
				`after which K2 requires a new sign-in. Fix: open the credential "${name}" in n8n, click "Reconnect" ` +
				'(or "Connect my account") and sign in to K2 again, then re-run this workflow. ' +
				'The Connection > Check operation tells you ahead of time when the sign-in must be renewed.',
			httpCode: '401',
			itemIndex,
		},
	);
}

/** The host a redirect points to, never the rest of the URL (it may carry the token or data). */
function redirectHost(location: unknown, requested: string | undefined, secrets: Secrets): string | undefined {
	if (typeof location !== 'string' || location.trim() === '') return undefined;
	try {
		return redact(new URL(location.trim(), requested).host, secrets);
	} catch {
		return undefined;
	}
}

/** Turns a failed SCIM request into an error a user can act on, with no secret in it. */
export function scimApiError(
	node: INode,
	failure: FailedRequest,
	context: ScimErrorContext,
	secrets: Secrets,
	itemIndex?: number,
): NodeApiError {
	if (failure.refreshRefused) return expiredSignInError(node, failure, itemIndex);

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
		const host = redirectHost(failure.headers?.location, failure.url, secrets);
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
		return new NodeApiError(
			node,
			{ code } as JsonObject,
			{
				message: `Could not reach the K2 SCIM service (${redact(code, secrets)})`,
				description: redact(
					`${failure.message ?? 'The connection failed'}. Check the SCIM Base URL in the credential "${credentialName(node)}" and that n8n can reach it. Requests that failed this way were retried before giving up.`,
					secrets,
				),
				httpCode: code,
				itemIndex,
			},
		);
	}

	// Redacted before anything is cut to length, so no part of a secret survives at the cut.
	const parsed = parseScimError(failure.status, redactInPlace(failure.body, secrets));
	const explained = explainScimError(parsed, context);
	const clean: JsonObject = { status: parsed.status };
	if (parsed.scimType) clean.scimType = redact(parsed.scimType, secrets);
	if (parsed.detail) clean.detail = redact(parsed.detail, secrets);
	return new NodeApiError(node, clean, {
		message: redact(explained.message, secrets),
		description: redact(explained.description, secrets),
		httpCode: String(parsed.status),
		itemIndex,
	});
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
