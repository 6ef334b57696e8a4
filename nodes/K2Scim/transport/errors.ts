import { NodeApiError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

import { explainScimError, parseScimError } from '../scim/error';
import type { ScimErrorContext } from '../scim/error';
import { redact } from './redact';

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

function credentialName(node: INode): string {
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

/** Turns a failed SCIM request into an error a user can act on, with no secret in it. */
export function scimApiError(
	node: INode,
	failure: FailedRequest,
	context: ScimErrorContext,
	secrets: string[],
	itemIndex?: number,
): NodeApiError {
	if (failure.refreshRefused) return expiredSignInError(node, failure, itemIndex);

	if (failure.status === undefined) {
		const code = failure.code ?? 'ENETWORK';
		return new NodeApiError(
			node,
			{ code } as JsonObject,
			{
				message: `Could not reach the K2 SCIM service (${code})`,
				description: redact(
					`${failure.message ?? 'The connection failed'}. Check the SCIM Base URL in the credential "${credentialName(node)}" and that n8n can reach it. Requests that failed this way were retried before giving up.`,
					secrets,
				),
				httpCode: code,
				itemIndex,
			},
		);
	}

	const parsed = parseScimError(failure.status, failure.body);
	const explained = explainScimError(parsed, context);
	const clean: JsonObject = { status: parsed.status };
	if (parsed.scimType) clean.scimType = parsed.scimType;
	if (parsed.detail) clean.detail = redact(parsed.detail, secrets);
	return new NodeApiError(node, clean, {
		message: redact(explained.message, secrets),
		description: redact(explained.description, secrets),
		httpCode: String(parsed.status),
		itemIndex,
	});
}
