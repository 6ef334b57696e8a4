// The K2 IdentityToken service stand-in: oidc-provider mounted under /<tenantId> with
// IdentityServer's endpoint names (/connect/authorize, /connect/token), a public PKCE client,
// a confidential client-credentials client, JWT access tokens for the SCIM resource,
// refresh-token rotation with an absolute lifetime, and state that survives restarts.
import http from 'node:http';
import https from 'node:https';

import type { SandboxTls } from './tls';
import path from 'node:path';
import crypto from 'node:crypto';
import express from 'express';
import Provider, { errors } from 'oidc-provider';
import type { Configuration, Adapter, AdapterPayload, ClientLike, KoaContextWithOIDC, TokenLike } from 'oidc-provider';
import { DebouncedWriter, readJson, writeJsonSync } from './persist';
import type { K2Profile } from './profile';

/** K2's SCIM API resource and its one scope. */
export const SCIM_RESOURCE = 'https://scim.onk2.com';
export const SCIM_SCOPE = 'https://scim.onk2.com/write';

export interface IdpOptions {
	/** Serve over HTTPS with this certificate (sandbox/tls.ts). */
	tls?: SandboxTls;
	host: string;
	port: number;
	dataDir: string;
	tenantId: string;
	pkceClientId: string;
	ccClientId: string;
	ccClientSecret: string;
	redirectUris: string[];
	ttl: TokenTtl;
	/** What a second use of a rotated refresh token does (default 'refuse'). */
	refreshReuse?: RefreshReuse;
	/** One switch of the K2 profile in force, read per request (refreshTokenNeedsOfflineAccess, exactRedirectUris). */
	profile?: <K extends keyof K2Profile>(field: K) => K2Profile[K];
}

/**
 * What the token endpoint does when a rotated (already used) refresh token comes back:
 * - `refuse`: invalid_grant for that request only; the grant and its newest refresh token live on
 *   (IdentityServer's default, what K2 does).
 * - `revoke`: treat it as theft (OAuth 2.0 Security BCP): revoke the whole grant, so every refresh
 *   and access token issued from it stops working and the user has to sign in again.
 */
export type RefreshReuse = 'refuse' | 'revoke';

/** What the token endpoint answered, counted so tests need no proxy in front of it. */
export interface IdpStats {
	/** Answers per grant type: `{ refresh_token: { ok: 3, invalid_grant: 1 } }`. */
	byGrant: Record<string, Record<string, number>>;
	/** Accepted refresh_token grants. */
	refreshOk: number;
	/** When each accepted refresh_token grant was answered (epoch ms), oldest first. */
	refreshTimes: number[];
	/** Token requests refused with invalid_grant (any grant type). */
	invalidGrant: number;
	/** Token requests refused with invalid_client. */
	invalidClient: number;
	/** Grants revoked (in `revoke` mode, by the reuse of a rotated refresh token). */
	grantsRevoked: number;
}

/** Mutable so tests can shorten lifetimes at runtime (the provider reads it on every issue). */
export interface TokenTtl {
	accessTokenTtl: number;
	refreshTokenTtl: number;
}

export interface Idp {
	server: http.Server;
	provider: Provider;
	authority: string;
	idpUrl: string;
	/** Public signing keys, for the SCIM service's bearer check (what K2's API reads from JWKS). */
	publicJwks: { keys: crypto.JsonWebKey[] };
	/** False once the grant an access token was issued from is revoked (the SCIM service checks it). */
	grantAlive(grantId: string): boolean;
	/** Change the reuse behaviour at runtime. */
	setRefreshReuse(mode: RefreshReuse): void;
	stats(): IdpStats;
	resetStats(): void;
	flush(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// Adapter: an in-memory map snapshotted to JSON, so sessions, grants and refresh tokens
// survive a restart on the same data dir (K2's refresh tokens survive K2 deployments).
// ---------------------------------------------------------------------------------------
interface Entry {
	payload: AdapterPayload;
	expiresAt?: number;
}

class SnapshotState {
	entries = new Map<string, Entry>();
	readonly writer: DebouncedWriter;

	constructor(file: string) {
		const saved = readJson<Record<string, Entry>>(file);
		if (saved) for (const [k, v] of Object.entries(saved)) this.entries.set(k, v);
		this.writer = new DebouncedWriter(file, () => {
			this.sweep();
			return Object.fromEntries(this.entries);
		});
	}

	get(key: string): Entry | undefined {
		const entry = this.entries.get(key);
		if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
			this.entries.delete(key);
			return undefined;
		}
		return entry;
	}

	private sweep(): void {
		const now = Date.now();
		for (const [k, v] of this.entries) if (v.expiresAt !== undefined && v.expiresAt <= now) this.entries.delete(k);
	}
}

function adapterFactory(state: SnapshotState, reuse: { mode: RefreshReuse }) {
	return class SnapshotAdapter implements Adapter {
		constructor(private readonly name: string) {}

		private key(id: string) {
			return `${this.name}:${id}`;
		}

		async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
			state.entries.set(this.key(id), {
				payload,
				expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
			});
			state.writer.schedule();
		}

		async find(id: string) {
			const payload = state.get(this.key(id))?.payload;
			// 'refuse': a used (rotated) refresh token reads as unknown, so the token endpoint answers
			// invalid_grant without oidc-provider's replay response (revoking every token of the grant).
			// That is IdentityServer's default (K2): the old token fails, the new one keeps working.
			// 'revoke': oidc-provider sees the consumed token and revokes the grant.
			if (this.name === 'RefreshToken' && payload?.consumed && reuse.mode === 'refuse') return undefined;
			return payload;
		}

		async findByUserCode(userCode: string) {
			for (const [k, v] of state.entries)
				if (k.startsWith(`${this.name}:`) && v.payload.userCode === userCode) return state.get(k)?.payload;
			return undefined;
		}

		async findByUid(uid: string) {
			for (const [k, v] of state.entries)
				if (k.startsWith(`${this.name}:`) && v.payload.uid === uid) return state.get(k)?.payload;
			return undefined;
		}

		async consume(id: string) {
			const entry = state.get(this.key(id));
			if (entry) {
				entry.payload.consumed = Math.floor(Date.now() / 1000);
				state.writer.schedule();
			}
		}

		async destroy(id: string) {
			state.entries.delete(this.key(id));
			state.writer.schedule();
		}

		async revokeByGrantId(grantId: string) {
			for (const [k, v] of state.entries) if (v.payload.grantId === grantId) state.entries.delete(k);
			state.writer.schedule();
		}
	};
}

// ---------------------------------------------------------------------------------------
// Keys: generated once per data dir so tokens issued before a restart still verify after it.
// ---------------------------------------------------------------------------------------
interface KeyFile {
	jwks: { keys: crypto.JsonWebKey[] };
	cookieKeys: string[];
}

function loadOrCreateKeys(dataDir: string): KeyFile {
	const file = path.join(dataDir, 'idp-keys.json');
	const existing = readJson<KeyFile>(file);
	if (existing?.jwks?.keys?.length && existing.cookieKeys?.length) return existing;
	const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
	const jwk = privateKey.export({ format: 'jwk' });
	const created: KeyFile = {
		jwks: { keys: [{ ...jwk, kid: crypto.randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' }] },
		cookieKeys: [crypto.randomBytes(32).toString('base64url')],
	};
	writeJsonSync(file, created);
	return created;
}

function emptyStats(): IdpStats {
	return { byGrant: {}, refreshOk: 0, refreshTimes: [], invalidGrant: 0, invalidClient: 0, grantsRevoked: 0 };
}

function toPublic(jwk: crypto.JsonWebKey): crypto.JsonWebKey {
	const { kty, n, e, kid, alg, use } = jwk as crypto.JsonWebKey & { kid?: string; alg?: string; use?: string };
	return { kty, n, e, kid, alg, use } as crypto.JsonWebKey;
}

/**
 * The profile's `exactRedirectUris` (IdentityServer's rule): the PKCE client's redirect URI must
 * equal a registered one, compared case-insensitively, with no RFC 8252 "any port on loopback".
 * oidc-provider has no setting for it that can change at run time, so its per-provider Client
 * class is wrapped; with the switch off, oidc-provider's own check runs.
 */
function requireExactRedirectUris(provider: Provider, clientId: string, exact: () => boolean): void {
	const Client = (provider as unknown as { Client: { prototype: RedirectCheck } }).Client;
	const ownCheck = Client.prototype.redirectUriAllowed;
	Client.prototype.redirectUriAllowed = function (this: RedirectCheck, value: string) {
		if (this.clientId !== clientId || !exact()) return ownCheck.call(this, value);
		return typeof value === 'string' && this.redirectUris.some((uri) => uri.toLowerCase() === value.toLowerCase());
	};
}

/**
 * The profile's `refreshTokenNeedsOfflineAccess`: oidc-provider keeps offline_access in a grant
 * only through prompt=consent, so an authorization request (GET) asking for offline_access gets
 * `consent` added to its prompt (IdentityServer's consent covers offline_access); one not asking
 * for it then gets no refresh token. Off: requests pass unchanged.
 */
function offlineAccessThroughConsent(enabled: () => boolean): express.RequestHandler {
	return (req, _res, next) => {
		if (!enabled() || req.method !== 'GET' || req.path !== '/connect/authorize') return next();
		const query = req.url.indexOf('?');
		const params = new URLSearchParams(query < 0 ? '' : req.url.slice(query + 1));
		const prompts = (params.get('prompt') ?? '').split(' ').filter(Boolean);
		if (!(params.get('scope') ?? '').split(' ').includes('offline_access') || prompts.includes('consent')) return next();
		params.set('prompt', [...prompts, 'consent'].join(' '));
		// oidc-provider finds its mount path by locating req.url inside req.originalUrl: change both alike.
		const search = `?${params.toString()}`;
		req.url = req.url.slice(0, query < 0 ? undefined : query) + search;
		req.originalUrl = req.originalUrl.replace(/\?.*$/, '') + search;
		return next();
	};
}

interface RedirectCheck {
	clientId: string;
	redirectUris: string[];
	redirectUriAllowed(value: string): boolean;
}

// ---------------------------------------------------------------------------------------

export async function startIdp(opts: IdpOptions): Promise<Idp> {
	const app = express();
	const server = opts.tls ? (https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, app) as unknown as http.Server) : http.createServer(app);
	// The issuer has to contain the real port, so listen first and build the provider after.
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.port, opts.host, () => resolve());
	});
	const { port } = server.address() as { port: number };
	const idpUrl = `${opts.tls ? 'https' : 'http'}://${opts.host}:${port}`;
	const authority = `${idpUrl}/${opts.tenantId}`;

	const keys = loadOrCreateKeys(opts.dataDir);
	const state = new SnapshotState(path.join(opts.dataDir, 'idp-state.json'));
	const { ttl } = opts;
	const reuse = { mode: opts.refreshReuse ?? 'refuse' };

	const configuration: Configuration = {
		adapter: adapterFactory(state, reuse),
		jwks: keys.jwks as Configuration['jwks'],
		cookies: { keys: keys.cookieKeys },
		clients: [
			{
				// K2 hands out a public client: no secret, PKCE S256 (required by oidc-provider for
				// token_endpoint_auth_method none). "native" lets any loopback port match a registered
				// loopback URI (RFC 8252), like the K2 sample's http://127.0.0.1:<random port>.
				client_id: opts.pkceClientId,
				token_endpoint_auth_method: 'none',
				application_type: 'native',
				grant_types: ['authorization_code', 'refresh_token'],
				response_types: ['code'],
				redirect_uris: opts.redirectUris,
			},
			{
				client_id: opts.ccClientId,
				client_secret: opts.ccClientSecret,
				// n8n's default "Send Auth Data: Header" is HTTP Basic.
				token_endpoint_auth_method: 'client_secret_basic',
				grant_types: ['client_credentials'],
				response_types: [],
				redirect_uris: [],
			},
		],
		scopes: ['openid', 'profile', 'offline_access'],
		claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
		async findAccount(_ctx: unknown, sub: string) {
			return { accountId: sub, claims: async () => ({ sub, name: sub, preferred_username: sub }) };
		},
		routes: {
			authorization: '/connect/authorize',
			token: '/connect/token',
			userinfo: '/connect/userinfo',
			end_session: '/connect/endsession',
			revocation: '/connect/revocation',
			introspection: '/connect/introspect',
			jwks: '/.well-known/openid-configuration/jwks',
		},
		features: {
			devInteractions: { enabled: true },
			clientCredentials: { enabled: true },
			revocation: { enabled: true },
			introspection: { enabled: true },
			resourceIndicators: {
				enabled: true,
				// n8n never sends `resource`; K2 tokens are always for the SCIM API anyway.
				defaultResource: () => SCIM_RESOURCE,
				useGrantedResource: () => true,
				getResourceServerInfo: (_ctx: unknown, resource: string) => {
					if (resource !== SCIM_RESOURCE) throw new errors.InvalidTarget();
					return {
						scope: SCIM_SCOPE,
						audience: SCIM_RESOURCE,
						accessTokenTTL: ttl.accessTokenTtl,
						accessTokenFormat: 'jwt',
						jwt: { sign: { alg: 'RS256' } },
					};
				},
			},
		},
		// Refresh tokens are single use (K2's sample stores the new one after each refresh).
		rotateRefreshToken: true,
		// Issue a refresh token whenever the client may use one and offline_access was granted.
		// oidc-provider 9 drops offline_access from an authorization request without
		// prompt=consent (n8n sends no prompt), so by default the PKCE client gets a refresh token
		// without it, and no prompt=consent is ever needed. Under the profile's
		// refreshTokenNeedsOfflineAccess (IdentityServer's rule) only a grant with offline_access
		// gets one: see offlineAccessThroughConsent below.
		issueRefreshToken: async (_ctx: unknown, client: ClientLike, code: TokenLike) => {
			if (!client.grantTypeAllowed('refresh_token')) return false;
			if (code.scopes.has('offline_access')) return true;
			return client.clientId === opts.pkceClientId && !opts.profile?.('refreshTokenNeedsOfflineAccess');
		},
		// Refresh tokens must not die with the browser session (n8n never has one).
		expiresWithSession: async () => false,
		extraTokenClaims: async (ctx: KoaContextWithOIDC, token: TokenLike) => {
			if (token.kind !== 'AccessToken') return undefined;
			// IdentityServer puts auth_time in user access tokens; take it from the code or refresh token.
			const entities = ctx?.oidc?.entities as Record<string, { authTime?: number } | undefined> | undefined;
			const authTime = entities?.AuthorizationCode?.authTime ?? entities?.RefreshToken?.authTime;
			// The grant id lets the SCIM service refuse access tokens of a revoked grant (IdentityServer's
			// `sid` plays that part for K2); JWTs are checked offline otherwise.
			const grantId = (token as TokenLike & { grantId?: string }).grantId;
			const claims: Record<string, unknown> = {};
			if (authTime) claims.auth_time = authTime;
			if (grantId) claims.grant_id = grantId;
			return Object.keys(claims).length ? claims : undefined;
		},
		ttl: {
			AccessToken: () => ttl.accessTokenTtl,
			ClientCredentials: () => ttl.accessTokenTtl,
			IdToken: () => ttl.accessTokenTtl,
			AuthorizationCode: 300,
			Interaction: 3600,
			Session: 14 * 24 * 3600,
			// The grant must outlive every refresh token issued from it.
			Grant: () => ttl.refreshTokenTtl + 24 * 3600,
			// Absolute lifetime, as IdentityServer's default (AbsoluteRefreshTokenLifetime, no sliding):
			// a rotated token keeps the expiry of the one it replaces.
			RefreshToken: (ctx: KoaContextWithOIDC | undefined, token: unknown) => {
				const rotated = ctx?.oidc?.entities?.RotatedRefreshToken as { remainingTTL?: number } | undefined;
				if (rotated?.remainingTTL !== undefined) return Math.max(rotated.remainingTTL, 1);
				void token;
				return ttl.refreshTokenTtl;
			},
		},
		clientBasedCORS: () => true,
		// A plain error page (the default one logs a notice on every use).
		renderError: async (ctx: KoaContextWithOIDC, out: Record<string, unknown>) => {
			const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
			ctx.type = 'html';
			ctx.body = `<!DOCTYPE html><title>Error</title><h1>${esc(out.error)}</h1><p>${esc(out.error_description)}</p>`;
		},
		pkce: { required: (_ctx: unknown, client: ClientLike) => client.clientAuthMethod === 'none' },
	};

	const provider = new Provider(authority, configuration);
	requireExactRedirectUris(provider, opts.pkceClientId, () => opts.profile?.('exactRedirectUris') === true);
	// Mounted under the tenant path, as login.onk2.com/<tenant>/connect/...
	app.use(`/${opts.tenantId}`, offlineAccessThroughConsent(() => opts.profile?.('refreshTokenNeedsOfflineAccess') === true), provider.callback());

	let stats = emptyStats();
	const count = (grantType: string, outcome: string) => {
		const byOutcome = (stats.byGrant[grantType] ??= {});
		byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
		if (grantType === 'refresh_token' && outcome === 'ok') {
			stats.refreshOk++;
			stats.refreshTimes.push(Date.now());
		}
		if (outcome === 'invalid_grant') stats.invalidGrant++;
		if (outcome === 'invalid_client') stats.invalidClient++;
	};
	const grantTypeOf = (ctx: unknown) =>
		String((ctx as { oidc?: { params?: { grant_type?: unknown } } })?.oidc?.params?.grant_type ?? 'unknown');
	// oidc-provider is an EventEmitter; its typings here cover only what the rest of the file uses.
	const events = provider as unknown as { on(event: string, listener: (...args: unknown[]) => void): void };
	events.on('grant.success', (ctx) => count(grantTypeOf(ctx), 'ok'));
	events.on('grant.error', (ctx, error) => count(grantTypeOf(ctx), String((error as { error?: unknown })?.error ?? 'error')));
	events.on('grant.revoked', () => stats.grantsRevoked++);

	return {
		server,
		provider,
		authority,
		idpUrl,
		publicJwks: { keys: keys.jwks.keys.map(toPublic) },
		grantAlive: (grantId) => state.get(`Grant:${grantId}`) !== undefined,
		setRefreshReuse: (mode) => {
			reuse.mode = mode;
		},
		stats: () => structuredClone(stats),
		resetStats: () => {
			stats = emptyStats();
		},
		flush: () => state.writer.flush(),
	};
}
