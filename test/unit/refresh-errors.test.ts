// What n8n throws when K2's token endpoint refuses, in the shapes of the n8n lines users run,
// built with n8n's own classes: 2.8 wraps the OAuth2 client's AuthError in a NodeApiError (httpCode
// EAUTH, only the RFC sentence kept); 2.4x throws its own "The credential … needs to be reconnected"
// error for invalid_grant, which httpRequestWithAuthentication wraps in a NodeApiError.
import { test } from '@jest/globals';
import assert from 'node:assert/strict';

// @n8n/client-oauth2 is what n8n-core refreshes with; its getAuthError builds the AuthError it throws.
import { getAuthError } from '@n8n/client-oauth2/dist/utils';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

import { expiredSignInError, readFailure } from '../../nodes/K2Scim/transport/errors';

const node: INode = {
	id: 'k2',
	name: 'K2 SCIM',
	type: 'n8n-nodes-k2-scim.k2Scim',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
	credentials: { k2ScimOAuth2Api: { id: 'c1', name: 'K2 Production' } },
};

/** n8n 2.8: requestOAuth2's refresh threw the AuthError, httpRequestWithAuthentication wrapped it. */
function n8n28(body: { error: string; error_description?: string }): NodeApiError {
	return new NodeApiError(node, getAuthError(body) as unknown as JsonObject);
}

/** n8n 2.4x: refreshOrFetchToken throws its reconnect error for invalid_grant, then it is wrapped. */
function n8n241(): NodeApiError {
	const reconnect = new NodeOperationError(node, 'The credential "K2 Production" needs to be reconnected.', {
		description: 'Access could not be refreshed because the connected account has revoked access, the refresh token expired, or the account password or permissions changed. Open the credential and reconnect it to continue.',
		level: 'warning',
	});
	return new NodeApiError(node, reconnect as unknown as JsonObject);
}

test('n8n 2.8: invalid_grant is a refused refresh (reconnect), invalid_client a refused client', () => {
	const grant = readFailure(n8n28({ error: 'invalid_grant', error_description: 'grant request is invalid' }));
	assert.equal(grant.refreshRefused, true);
	assert.equal(grant.refusal, 'invalid_grant');
	const client = readFailure(n8n28({ error: 'invalid_client', error_description: 'client authentication failed' }));
	assert.equal(client.refreshRefused, true);
	assert.equal(client.refusal, 'invalid_client');
	// A code outside RFC 6749's list comes through as the endpoint's description: still a refusal.
	const other = readFailure(n8n28({ error: 'consent_required' }));
	assert.equal(other.refreshRefused, true);
	assert.equal(other.refusal, 'consent_required');
	assert.equal(readFailure(n8n28({ error: 'temporarily_unavailable' })).refusal, 'temporarily_unavailable');
});

test("n8n 2.4x: its own reconnect error (no EAUTH, no body) is read as invalid_grant", () => {
	const failure = readFailure(n8n241());
	assert.equal(failure.refreshRefused, true);
	assert.equal(failure.refusal, 'invalid_grant');
	assert.equal(failure.status, undefined);
	// Also when it is thrown bare (a helper that does not wrap).
	assert.equal(readFailure(new NodeOperationError(node, 'The credential "X" needs to be reconnected.')).refusal, 'invalid_grant');
});

test('HTTP failures are not refusals, whatever their text says', () => {
	const unauthorized = readFailure(new NodeApiError(node, { message: 'Unauthorized', statusCode: 401 } as never, { httpCode: '401' }));
	assert.equal(unauthorized.refreshRefused, undefined);
	assert.equal(unauthorized.status, 401);
	const echo = readFailure(
		new NodeApiError(node, { detail: 'The credential "x" needs to be reconnected.' } as never, { httpCode: '400', message: 'Bad request' }),
	);
	assert.equal(echo.refreshRefused, undefined);
	assert.equal(echo.status, 400);
});

test('the messages name the cause, the fix and the credential', () => {
	const expired = expiredSignInError(node, readFailure(n8n241()));
	assert.equal(expired.message, 'The K2 sign-in of credential "K2 Production" has expired: reconnect the credential');
	assert.match(String(expired.description), /K2 answered "invalid_grant"/);
	assert.match(String(expired.description), /open the credential "K2 Production" in n8n, click "Reconnect"/);

	const client = expiredSignInError(node, readFailure(n8n28({ error: 'invalid_client' })));
	assert.equal(client.message, 'K2 rejected the Client ID or Client Secret of credential "K2 Production"');
	assert.match(String(client.description), /K2 answered "invalid_client"/);
	assert.match(String(client.description), /correct the Client Secret \(or the Client ID\)/);
	assert.doesNotMatch(`${client.message} ${client.description}`, /expired|click "Reconnect"/);

	const transient = expiredSignInError(node, readFailure(n8n28({ error: 'temporarily_unavailable' })));
	assert.equal(transient.message, 'K2\'s sign-in service could not give an access token for credential "K2 Production": try again later');
	assert.match(String(transient.description), /K2 answered "temporarily_unavailable"/);
	const other = expiredSignInError(node, readFailure(n8n28({ error: 'consent_required' })));
	assert.equal(other.message, 'K2 refused to give an access token for credential "K2 Production"');
	assert.match(String(other.description), /check its Authority, Client ID, Scope and Grant Type/);
	for (const error of [transient, other]) assert.doesNotMatch(error.message, /expired/);
});

test('what the token endpoint says in free text is not repeated (it could echo a secret)', () => {
	const failure = readFailure(n8n28({ error: 'Bearer eyJhbGciOi.SECRET-TOKEN-123', error_description: 'token SECRET-TOKEN-123 refused' }));
	assert.equal(failure.refreshRefused, true);
	assert.equal(failure.refusal, 'unknown');
	const error = expiredSignInError(node, failure);
	assert.ok(!`${error.message} ${error.description} ${JSON.stringify(error)}`.includes('SECRET-TOKEN-123'));
});
