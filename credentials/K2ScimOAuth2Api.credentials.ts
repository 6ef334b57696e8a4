import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** K2's documented scope for the Authorization Code + PKCE client (offline_access gives the refresh token). */
export const K2_PKCE_SCOPE = 'openid profile https://scim.onk2.com/write offline_access';
/** The scope K2 grants to client-credentials clients. */
export const K2_CLIENT_CREDENTIALS_SCOPE = 'https://scim.onk2.com/write';

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
			displayName: 'Scope',
			name: 'k2Scope',
			type: 'string',
			default: '',
			placeholder: K2_PKCE_SCOPE,
			description: `Leave empty for K2's scope: "${K2_PKCE_SCOPE}" with PKCE (offline_access gives the refresh token), "${K2_CLIENT_CREDENTIALS_SCOPE}" with Client Credentials`,
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
			default: '={{ $self["authorizationUrl"] || $self["authority"] + "/connect/authorize" }}',
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: '={{ $self["tokenUrl"] || $self["authority"] + "/connect/token" }}',
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
