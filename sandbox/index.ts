// Programmatic entry point: a K2 Cloud stand-in on loopback — the IdentityToken service
// (login.onk2.com/<tenant>) and the SCIM service (scim.onk2.com) as two HTTP servers in one process.
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import type http from 'node:http';
import { startIdp, SCIM_RESOURCE, SCIM_SCOPE, TokenTtl } from './idp';
import type { IdpStats, RefreshReuse } from './idp';
import { startScim } from './scim';
import { ScimStore } from './store';
import { Knobs, FaultKind, RequestStats } from './faults';
import type { ThrottleSettings } from './throttle';
import { ensureTls } from './tls';
import { createVerifier } from './auth';
import type { K2Profile } from './profile';

export type { FaultKind, RequestStats } from './faults';
export { SCIM_RESOURCE, SCIM_SCOPE } from './idp';
export type { IdpStats, RefreshReuse } from './idp';
export type { K2Profile } from './profile';
export { PROFILES, STRICT_PROFILE } from './profile';

export interface SandboxOptions {
	host?: string;
	idpPort?: number;
	scimPort?: number;
	dataDir?: string;
	tenantId?: string;
	scimToken?: string;
	pkceClientId?: string;
	ccClientId?: string;
	ccClientSecret?: string;
	redirectUris?: string[];
	accessTokenTtl?: number;
	refreshTokenTtl?: number;
	/** What a second use of a rotated refresh token does: 'refuse' (default, K2) or 'revoke' the grant. */
	refreshReuse?: RefreshReuse;
	/** Serve both services over HTTPS with a CA + certificate generated into the data folder on first start (sandbox/tls.ts). */
	https?: boolean;
	/** With `https`: the folder whose `tls/` holds the CA and certificate (default: the data folder), e.g. one a benchmark trusts across runs. */
	tlsDataDir?: string;
	latencyMs?: number;
	faultRate?: number;
	faultKinds?: FaultKind[];
	retryAfterSeconds?: number;
	faultSeed?: number;
	/** K2's undocumented behaviours to play (sandbox/profile.ts); absent fields keep the RFC default. */
	profile?: K2Profile;
	quiet?: boolean;
}

export interface Sandbox {
	/** e.g. http://127.0.0.1:7601/<tenantId> — K2's `authority` */
	authority: string;
	/** origin of the IdentityToken service */
	idpUrl: string;
	/** K2's scim `baseUrl` (origin only; resources live under /tokens/<scimToken>/scim/v2) */
	scimBaseUrl: string;
	scimToken: string;
	tenantId: string;
	pkceClientId: string;
	ccClientId: string;
	ccClientSecret: string;
	redirectUris: string[];
	/** 'openid profile https://scim.onk2.com/write offline_access' */
	scope: string;
	/** 'https://scim.onk2.com/write' */
	ccScope: string;
	dataDir: string;
	/** With `https`: the CA certificate clients trust (NODE_EXTRA_CA_CERTS). */
	caCertPath?: string;
	stats(): RequestStats;
	/** IdentityToken answers by grant type (refresh grants ok, invalid_grant, ...) since the last resetStats(). */
	idpStats(): IdpStats;
	/** Resets both the SCIM and the IdentityToken counts. */
	resetStats(): void;
	/** What a second use of a rotated refresh token does from now on. */
	setRefreshReuse(mode: RefreshReuse): void;
	/**
	 * `only`: methods ("PATCH") or routes ("POST /Groups") that may be faulted, default every SCIM request;
	 * `limit`: at most this many faults, then none; `firstOf`: routes whose first request is faulted whatever the rate.
	 */
	setFaults(f: { rate: number; kinds?: FaultKind[]; retryAfterSeconds?: number; seed?: number; only?: string[]; limit?: number; firstOf?: string[] }): void;
	setLatency(ms: number): void;
	/** The throttle model (sandbox/throttle.ts): at most K in flight and/or N per second, then 429 with Retry-After. */
	setThrottle(t: Partial<ThrottleSettings>): void;
	/** Whether User reads carry the `groups` attribute (default true); false emulates a server without it. */
	setUsersListGroups(enabled: boolean): void;
	/** Filter operators the SCIM server accepts, e.g. ['eq', 'sw', 'and'] (others: 400 invalidFilter); undefined = all. The profile's `filterOperators`. */
	setFilterOperators(operators: string[] | undefined): void;
	/** Replace the whole K2 profile from now on ({} = the RFC default); throws naming unknown fields or wrong values. */
	setProfile(profile: K2Profile): void;
	/** The K2 profile in force (a copy). */
	profile(): K2Profile;
	/** Resolves once every write so far is visible to reads (waits out `readAfterWriteLagMs`). */
	settled(): Promise<void>;
	/** Wipe all users and groups. */
	reset(): Promise<void>;
	/** Change token lifetimes for tokens issued from now on (seconds). */
	setTokenTtl(ttl: { accessTokenTtl?: number; refreshTokenTtl?: number }): void;
	/** Flush data, close both servers, destroy keep-alive sockets. */
	stop(): Promise<void>;
}

export const DEFAULT_TENANT_ID = '8a3f1c52-6d0e-4b7a-9c2e-1f5d4e3b2a10';
export const DEFAULT_SCIM_TOKEN = '3c9e7b14-2a5f-4d8e-b6c1-0f9a8d7e6b52';
export const DEFAULT_REDIRECT_URIS = [
	'http://127.0.0.1/callback',
	'http://localhost:5678/rest/oauth2-credential/callback',
	'http://127.0.0.1:5678/rest/oauth2-credential/callback',
];

/** Track sockets so stop() does not wait for idle keep-alive connections (n8n keeps them open). */
function trackSockets(server: http.Server): () => void {
	const sockets = new Set<Socket>();
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	return () => {
		for (const s of sockets) s.destroy();
	};
}

function close(server: http.Server, destroySockets: () => void): Promise<void> {
	return new Promise((resolve) => {
		server.close(() => resolve());
		server.closeIdleConnections?.();
		destroySockets();
	});
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
	const host = opts.host ?? '127.0.0.1';
	const dataDir = path.resolve(opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'k2-sandbox-')));
	mkdirSync(dataDir, { recursive: true });
	const tenantId = opts.tenantId ?? DEFAULT_TENANT_ID;
	const scimToken = opts.scimToken ?? DEFAULT_SCIM_TOKEN;
	const pkceClientId = opts.pkceClientId ?? 'k2-scim-pkce';
	const ccClientId = opts.ccClientId ?? 'k2-scim-cc';
	const ccClientSecret = opts.ccClientSecret ?? 'k2-sandbox-cc-secret';
	const redirectUris = [...new Set([...DEFAULT_REDIRECT_URIS, ...(opts.redirectUris ?? [])])];
	const log = opts.quiet ? () => undefined : (msg: string) => console.log(`[k2-sandbox] ${msg}`);
	// K2's defaults: access tokens ~60 min, refresh tokens 30 days.
	const ttl: TokenTtl = {
		accessTokenTtl: opts.accessTokenTtl ?? 3600,
		refreshTokenTtl: opts.refreshTokenTtl ?? 30 * 24 * 3600,
	};

	// Knobs first: they hold the profile, which the IdP reads too (and which can be wrong: fail before listening).
	const knobs = new Knobs({
		latencyMs: opts.latencyMs,
		faultRate: opts.faultRate,
		faultKinds: opts.faultKinds,
		retryAfterSeconds: opts.retryAfterSeconds,
		faultSeed: opts.faultSeed,
		profile: opts.profile,
	});
	const tls = opts.https ? ensureTls(opts.tlsDataDir ?? dataDir) : undefined;
	const idp = await startIdp({
		tls,
		host,
		port: opts.idpPort ?? 0,
		dataDir,
		tenantId,
		pkceClientId,
		ccClientId,
		ccClientSecret,
		redirectUris,
		ttl,
		refreshReuse: opts.refreshReuse,
		profile: (field) => knobs.get(field),
	});
	const killIdpSockets = trackSockets(idp.server);

	const store = new ScimStore(dataDir, () => knobs.get('readAfterWriteLagMs') ?? 0);
	const verify = createVerifier({ issuer: idp.authority, audience: SCIM_RESOURCE, requiredScope: SCIM_SCOPE, jwks: idp.publicJwks, grantAlive: idp.grantAlive });
	let scim;
	try {
		scim = await startScim({ tls, host, port: opts.scimPort ?? 0, scimToken, store, knobs, verify, requiredScope: SCIM_SCOPE, log, quiet: !!opts.quiet });
	} catch (ex) {
		await close(idp.server, killIdpSockets);
		throw ex;
	}
	const killScimSockets = trackSockets(scim.server);

	let stopped: Promise<void> | undefined;
	return {
		authority: idp.authority,
		idpUrl: idp.idpUrl,
		scimBaseUrl: scim.baseUrl,
		scimToken,
		tenantId,
		pkceClientId,
		ccClientId,
		ccClientSecret,
		redirectUris,
		scope: `openid profile ${SCIM_SCOPE} offline_access`,
		ccScope: SCIM_SCOPE,
		dataDir,
		caCertPath: tls?.caPath,
		stats: () => knobs.getStats(),
		idpStats: () => idp.stats(),
		resetStats: () => {
			knobs.resetStats();
			idp.resetStats();
		},
		setRefreshReuse: (mode) => idp.setRefreshReuse(mode),
		setFaults: (f) => knobs.setFaults(f),
		setLatency: (ms) => knobs.setLatency(ms),
		setThrottle: (t) => knobs.throttle.set(t),
		setFilterOperators: (operators) => knobs.setFilterOperators(operators),
		setProfile: (profile) => knobs.setProfile(profile),
		profile: () => knobs.profile,
		settled: async () => {
			// Until the newest write so far is visible (writes arriving meanwhile are not waited for).
			const ms = store.msUntilSettled();
			if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms + 1));
		},
		setUsersListGroups: (enabled) => {
			knobs.usersListGroups = enabled;
		},
		reset: async () => store.reset(),
		setTokenTtl: (t) => {
			if (t.accessTokenTtl !== undefined) ttl.accessTokenTtl = t.accessTokenTtl;
			if (t.refreshTokenTtl !== undefined) ttl.refreshTokenTtl = t.refreshTokenTtl;
		},
		stop: () =>
			(stopped ??= (async () => {
				await Promise.all([close(scim.server, killScimSockets), close(idp.server, killIdpSockets)]);
				await Promise.all([store.flush(), idp.flush()]);
			})()),
	};
}
