// Sign in to the sandbox's K2 IdentityToken service the way a person would: a real
// Authorization Code + PKCE (S256) flow with openid-client v6, driving oidc-provider's dev
// login and consent pages with plain fetch and a tiny cookie jar. Returns the token set in
// the snake_case shape the token endpoint returns (what n8n stores in `oauthTokenData`).
import * as client from 'openid-client';

export interface SandboxLike {
	authority: string;
	pkceClientId: string;
	ccClientId: string;
	ccClientSecret: string;
	scope: string;
	ccScope: string;
	redirectUris?: string[];
}

export interface TokenSet {
	access_token: string;
	refresh_token?: string;
	id_token?: string;
	expires_in?: number;
	scope?: string;
	token_type: string;
}

const DEFAULT_REDIRECT_URI = 'http://127.0.0.1:5678/rest/oauth2-credential/callback';

/** Minimal cookie jar: name -> value, expired cookies dropped. Paths are ignored (all loopback). */
class CookieJar {
	private cookies = new Map<string, string>();

	store(res: Response): void {
		for (const line of res.headers.getSetCookie()) {
			const [pair, ...attrs] = line.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			const expired = attrs.some((a) => {
				const [k, v] = a.trim().split('=');
				if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
				if (k.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
				return false;
			});
			if (expired || value === '') this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
	}

	header(): string {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}
}

function pickTokenSet(t: Record<string, unknown>): TokenSet {
	const out: Record<string, unknown> = {};
	for (const k of ['access_token', 'refresh_token', 'id_token', 'expires_in', 'scope', 'token_type'])
		if (t[k] !== undefined) out[k] = t[k];
	// openid-client normalises token_type to lower case; keep the server's "Bearer" spelling.
	if (typeof out.token_type === 'string' && out.token_type.toLowerCase() === 'bearer') out.token_type = 'Bearer';
	return out as unknown as TokenSet;
}

async function discover(authority: string, clientId: string, secret?: string): Promise<client.Configuration> {
	return client.discovery(
		new URL(authority),
		clientId,
		secret,
		secret ? client.ClientSecretBasic(secret) : client.None(),
		{ execute: [client.allowInsecureRequests] },
	);
}

/** Extract the first form on an oidc-provider dev page: its action and hidden inputs. */
function parseForm(html: string, base: string): { action: string; fields: Record<string, string> } {
	const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
	if (!form) throw new Error(`No form on interaction page: ${html.slice(0, 300)}`);
	const fields: Record<string, string> = {};
	for (const m of form[2].matchAll(/<input[^>]*>/gi)) {
		const name = /name="([^"]*)"/.exec(m[0])?.[1];
		const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
		if (name) fields[name] = value;
	}
	return { action: new URL(form[1].replace(/&amp;/g, '&'), base).href, fields };
}

/**
 * Follow an authorization request through login and consent until the browser would be sent
 * to the redirect URI. Returns that final URL (with `code` or `error`) — or throws.
 */
export async function followAuthorization(authorizeUrl: string, redirectUri: string, login = 'sandbox-user'): Promise<URL> {
	const jar = new CookieJar();
	let url = authorizeUrl;
	let method = 'GET';
	let body: URLSearchParams | undefined;
	for (let step = 0; step < 20; step++) {
		if (url.startsWith(redirectUri)) return new URL(url);
		const res = await fetch(url, {
			method,
			body,
			redirect: 'manual',
			headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
		});
		jar.store(res);
		method = 'GET';
		body = undefined;
		if (res.status >= 300 && res.status < 400) {
			url = new URL(res.headers.get('location')!, url).href;
			continue;
		}
		const html = await res.text();
		if (res.status !== 200) throw new Error(`Authorization failed at ${url}: HTTP ${res.status} ${html.slice(0, 500)}`);
		const form = parseForm(html, url);
		if (form.fields.prompt === 'login') {
			form.fields.login = login;
			form.fields.password = 'any-password';
		}
		url = form.action;
		method = 'POST';
		body = new URLSearchParams(form.fields);
	}
	throw new Error('Too many redirects during authorization');
}

/** Full Authorization Code + PKCE flow against the sandbox; returns the token endpoint's response. */
export async function signInWithPkce(
	sandbox: SandboxLike,
	opts: { scope?: string; redirectUri?: string; login?: string } = {},
): Promise<TokenSet> {
	const redirectUri = opts.redirectUri ?? DEFAULT_REDIRECT_URI;
	const config = await discover(sandbox.authority, sandbox.pkceClientId);
	const verifier = client.randomPKCECodeVerifier();
	const state = client.randomState();
	const authorizeUrl = client.buildAuthorizationUrl(config, {
		redirect_uri: redirectUri,
		scope: opts.scope ?? sandbox.scope,
		code_challenge: await client.calculatePKCECodeChallenge(verifier),
		code_challenge_method: 'S256',
		state,
	});
	const callback = await followAuthorization(authorizeUrl.href, redirectUri, opts.login);
	const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
	return pickTokenSet(tokens as unknown as Record<string, unknown>);
}

/** Client credentials grant with the sandbox's confidential client. */
export async function clientCredentialsToken(sandbox: SandboxLike, opts: { scope?: string } = {}): Promise<TokenSet> {
	const config = await discover(sandbox.authority, sandbox.ccClientId, sandbox.ccClientSecret);
	const tokens = await client.clientCredentialsGrant(config, { scope: opts.scope ?? sandbox.ccScope });
	return pickTokenSet(tokens as unknown as Record<string, unknown>);
}

/**
 * Refresh the way n8n does for a public client: POST to the token endpoint with client_id in the
 * body, no secret, no resource. Returns status and JSON so tests can assert `invalid_grant`.
 */
export async function refreshRaw(sandbox: SandboxLike, refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await fetch(`${sandbox.authority}/connect/token`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
		body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: sandbox.pkceClientId }),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Decode a JWT's payload (no verification; the sandbox's SCIM service verifies). */
export function decodeJwt(token: string): Record<string, unknown> {
	const [, payload] = token.split('.');
	return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}
