import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

import { LOOPBACK_HOST_PATTERN } from '../nodes/K2Scim/transport/loopback';

/** K2's documented scope for the Authorization Code + PKCE client (offline_access gives the refresh token). */
export const K2_PKCE_SCOPE = 'openid profile https://scim.onk2.com/write offline_access';
/** The scope K2 grants to client-credentials clients. */
export const K2_CLIENT_CREDENTIALS_SCOPE = 'https://scim.onk2.com/write';

/**
 * What n8n's Connect must refuse, as n8n expressions over the credential's own fields. n8n has no
 * hook that lets a credential stop its sign-in with a message, and an error thrown inside an
 * expression is swallowed (the value becomes empty). So the derived authorization and token URLs
 * become a sentence instead of a URL: n8n 2.x refuses it ("OAuth url is not a valid URL."), 1.x
 * cannot parse it ("Invalid URL"), and nothing is sent anywhere. The form's notices say why.
 */
const USABLE_URL = new RegExp(`^(?:https://|http://(?:${LOOPBACK_HOST_PATTERN})(?::\\d*)?(?:[/?#\\\\]|$))`, 'i');

/** The field's text as the expression sees it (trimmed, '' when unset). */
const fieldText = (name: string) => `String($self["${name}"] || "").trim()`;

/** [condition, sentence]: the field holds a URL that may not carry a token (an optional one only when set). */
function httpsRule(name: string, label: string, optional: boolean): [string, string] {
	const unusable = `!${USABLE_URL.toString()}.test(${fieldText(name)})`;
	return [
		optional ? `${fieldText(name)} !== "" && ${unusable}` : unusable,
		`K2 credential refused: the ${label} must start with https:// (http:// only for localhost, 127.0.0.0/8 or [::1])`,
	];
}

/** IdentityServer issues a refresh token only for offline_access: without it the sign-in dies after an hour. */
const OFFLINE_ACCESS_RULE: [string, string] = [
	`$self["grantType"] !== "clientCredentials" && !String($self["k2Scope"] || "${K2_PKCE_SCOPE}").split(/[\\s,]+/).includes("offline_access")`,
	'K2 credential refused: with Authorization Code with PKCE the Scope must include offline_access (without it K2 gives no refresh token and the sign-in ends after an hour)',
];

/** `={{ rule1 ? "sentence1" : rule2 ? "sentence2" : ... : url }}` */
function guarded(rules: Array<[string, string]>, url: string): string {
	const checks = rules.map(([condition, sentence]) => `${condition} ? ${JSON.stringify(sentence)} : `).join('');
	return `={{ ${checks}${url} }}`;
}

const AUTHORITY_RULE = httpsRule('authority', 'Authority', false);
const TOKEN_URL_RULE = httpsRule('tokenUrl', 'Access Token URL', true);

/** What n8n opens when you click Connect: refused unless every URL the sign-in uses is https (or loopback) and the scope keeps the sign-in alive. */
const AUTH_URL_EXPRESSION = guarded(
	[AUTHORITY_RULE, httpsRule('authorizationUrl', 'Authorization URL', true), TOKEN_URL_RULE, OFFLINE_ACCESS_RULE],
	`(${fieldText('authorizationUrl')} || ${fieldText('authority')} + "/connect/authorize")`,
);

/** Where n8n exchanges the code and refreshes (and, for Client Credentials, gets its token). */
const ACCESS_TOKEN_URL_EXPRESSION = guarded(
	[AUTHORITY_RULE, TOKEN_URL_RULE],
	`(${fieldText('tokenUrl')} || ${fieldText('authority')} + "/connect/token")`,
);

/**
 * K2 Cloud's IdentityToken service is an OpenID Connect server (IdentityServer), so the
 * authorization and token URLs follow from the tenant's authority. n8n runs the OAuth2 flow
 * (PKCE or client credentials) and refreshes tokens; the SCIM fields are read by the node.
 */
export class K2ScimOAuth2Api implements ICredentialType {
	name = 'k2ScimOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'K2 SCIM OAuth2 API';

	documentationUrl = 'https://github.com/n8n-nodes-k2-scim/n8n-nodes-k2-scim#set-up-the-k2-credential';

	icon: Icon = { light: 'file:../nodes/K2Scim/k2.svg', dark: 'file:../nodes/K2Scim/k2.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'options',
			options: [
				{
					name: 'Authorization Code with PKCE',
					value: 'pkce',
					description: 'What K2 documents: sign in to K2 once; n8n refreshes the token',
				},
				{
					name: 'Client Credentials',
					value: 'clientCredentials',
					description: 'Only for tenants K2 operations has onboarded for it (needs a client secret)',
				},
			],
			default: 'pkce',
		},
		{
			displayName: 'Authority',
			name: 'authority',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://login.onk2.com/00000000-0000-0000-0000-000000000000',
			description:
				'The "authority" value K2 Cloud operations gave you: https://login.onk2.com/ followed by your tenant ID (GUID)',
		},
		{
			displayName: `The Authority starts with http://, which is accepted only for localhost, 127.0.0.0/8 or [::1] (a local stand-in for K2). For any other host Connect fails ("OAuth url is not a valid URL." or "Invalid URL") and the node does not run: use the https:// authority K2 Cloud operations gave you.`,
			name: 'authorityHttpNotice',
			type: 'notice',
			default: '',
			displayOptions: { show: { authority: [{ _cnd: { startsWith: 'http://' } }] } },
		},
		{
			displayName: 'Scope',
			name: 'k2Scope',
			type: 'string',
			default: '',
			placeholder: K2_PKCE_SCOPE,
			description: `Leave empty for K2's scope: "${K2_PKCE_SCOPE}" with PKCE (offline_access gives the refresh token), "${K2_CLIENT_CREDENTIALS_SCOPE}" with Client Credentials`,
		},
		{
			displayName: `This Scope has no offline_access: K2 then gives no refresh token and the sign-in ends after an hour. With Authorization Code with PKCE, Connect refuses it ("OAuth url is not a valid URL." or "Invalid URL"): add offline_access, or leave Scope empty for K2's scope.`,
			name: 'scopeOfflineAccessNotice',
			type: 'notice',
			default: '',
			displayOptions: {
				show: { grantType: ['pkce'], k2Scope: [{ _cnd: { exists: true } }] },
				hide: { k2Scope: [{ _cnd: { includes: 'offline_access' } }] },
			},
		},
		{
			displayName: 'Authorization URL',
			name: 'authorizationUrl',
			type: 'string',
			default: '',
			placeholder: 'https://login.onk2.com/<tenant>/connect/authorize',
			displayOptions: { show: { grantType: ['pkce'] } },
			description: 'Leave empty: it is the Authority followed by /connect/authorize. Change it only if K2 operations tells you to.',
		},
		{
			displayName: 'Access Token URL',
			name: 'tokenUrl',
			type: 'string',
			default: '',
			placeholder: 'https://login.onk2.com/<tenant>/connect/token',
			description: 'Leave empty: it is the Authority followed by /connect/token. Change it only if K2 operations tells you to.',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description: 'The "clientId" value K2 Cloud operations gave you for SCIM',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Leave empty for Authorization Code with PKCE (K2 issues a public client). Required for Client Credentials.',
		},
		{
			// n8n's OAuth2 code reads authUrl, accessTokenUrl and scope. They are derived here, hidden,
			// from the visible K2 fields below (n8n lists its own OAuth2 fields first, before Authority,
			// so visible expressions there would show an unresolved Authority).
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: AUTH_URL_EXPRESSION,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: ACCESS_TOKEN_URL_EXPRESSION,
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: `={{ $self["k2Scope"] || ($self["grantType"] === "clientCredentials" ? "${K2_CLIENT_CREDENTIALS_SCOPE}" : "${K2_PKCE_SCOPE}") }}`,
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			// A public PKCE client sends client_id in the body; a confidential one uses Basic auth.
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'header',
		},
		{
			displayName: 'SCIM Base URL',
			name: 'scimBaseUrl',
			type: 'string',
			default: 'https://scim.onk2.com',
			required: true,
			description: 'The "scim.baseUrl" value K2 Cloud operations gave you',
		},
		{
			displayName: 'SCIM Token',
			name: 'scimToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The "scim.token" GUID K2 Cloud operations gave you for this identity provider domain. It is a secret: it is part of every SCIM URL.',
		},
		{
			// n8n's own timeout only notices a silent connection; this bounds the whole answer.
			displayName: 'Request Timeout',
			name: 'requestTimeout',
			type: 'number',
			typeOptions: { minValue: 1000 },
			default: 120000,
			description:
				'Milliseconds one SCIM request may take, answer included, before n8n gives up on it. A re-run after a timeout is safe. Raise it only if K2 is slow rather than stuck.',
		},
		{
			displayName:
				'Before you click Connect, ask K2 Cloud operations to register the OAuth Redirect URL shown at the top as your "redirectUri". K2 refresh tokens expire after 30 days by default: then open this credential and click Reconnect.',
			name: 'k2Notice',
			type: 'notice',
			default: '',
			displayOptions: { show: { grantType: ['pkce'] } },
		},
	];
}
