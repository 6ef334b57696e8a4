// Bearer check for the SCIM service, as K2's SCIM API does it: a JWT access token signed by
// the tenant's IdentityToken service, for the SCIM resource, not expired, with the write scope.
// Verified with node:crypto against the IdP's public JWKs (no extra dependency).
import crypto from 'node:crypto';

export interface VerifyOptions {
	issuer: string;
	audience: string;
	requiredScope: string;
	jwks: { keys: crypto.JsonWebKey[] };
	/** False when the grant a token came from was revoked: its access tokens stop working at once. */
	grantAlive?: (grantId: string) => boolean;
}

export type AuthResult =
	| { ok: true; claims: Record<string, unknown> }
	| { ok: false; status: 401 | 403; error: 'invalid_token' | 'insufficient_scope'; description: string };

function fail(status: 401 | 403, error: 'invalid_token' | 'insufficient_scope', description: string): AuthResult {
	return { ok: false, status, error, description };
}

export function createVerifier(opts: VerifyOptions) {
	const keys = new Map<string, crypto.KeyObject>();
	for (const jwk of opts.jwks.keys) {
		const kid = (jwk as { kid?: string }).kid ?? '';
		keys.set(kid, crypto.createPublicKey({ key: jwk, format: 'jwk' }));
	}

	return function verify(authorization: string | undefined): AuthResult {
		if (!authorization) return fail(401, 'invalid_token', 'Missing bearer token');
		const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
		if (!match) return fail(401, 'invalid_token', 'Authorization header is not a bearer token');
		const parts = match[1].split('.');
		if (parts.length !== 3) return fail(401, 'invalid_token', 'Access token is not a JWT');

		let header: { alg?: string; kid?: string; typ?: string };
		let claims: Record<string, unknown>;
		try {
			header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
			claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
		} catch {
			return fail(401, 'invalid_token', 'Access token is malformed');
		}
		if (header.alg !== 'RS256') return fail(401, 'invalid_token', 'Unsupported token algorithm');
		const key = keys.get(header.kid ?? '') ?? (keys.size === 1 ? [...keys.values()][0] : undefined);
		if (!key) return fail(401, 'invalid_token', 'Unknown signing key');
		const signatureOk = crypto.verify(
			'RSA-SHA256',
			Buffer.from(`${parts[0]}.${parts[1]}`),
			key,
			Buffer.from(parts[2], 'base64url'),
		);
		if (!signatureOk) return fail(401, 'invalid_token', 'Invalid token signature');
		if (claims.iss !== opts.issuer) return fail(401, 'invalid_token', 'Token issuer is not this tenant');
		const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
		if (!aud.includes(opts.audience)) return fail(401, 'invalid_token', 'Token audience is not the SCIM API');
		const now = Math.floor(Date.now() / 1000);
		// No clock leeway: tests shorten lifetimes to seconds and expect expiry to be exact.
		if (typeof claims.exp !== 'number' || claims.exp <= now) return fail(401, 'invalid_token', 'The access token expired');
		if (typeof claims.nbf === 'number' && claims.nbf > now + 5) return fail(401, 'invalid_token', 'Token not yet valid');
		if (typeof claims.grant_id === 'string' && opts.grantAlive && !opts.grantAlive(claims.grant_id))
			return fail(401, 'invalid_token', 'The grant of this access token was revoked');
		const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : Array.isArray(claims.scope) ? claims.scope : [];
		if (!scopes.includes(opts.requiredScope))
			return fail(403, 'insufficient_scope', `The access token lacks the ${opts.requiredScope} scope`);
		return { ok: true, claims };
	};
}
