/**
 * Reading (never verifying) a JWT's claims, to tell the user when the K2 sign-in runs out.
 * Verification is the server's job; here a token we cannot read simply gives no hint.
 */
import { isPlainObject } from './path';

/** K2 refresh tokens expire this many days after the user signed in (consented). */
export const REFRESH_TOKEN_LIFETIME_DAYS = 30;

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** The payload of a compact JWS (`header.payload.signature`); undefined for anything else. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
	if (typeof token !== 'string') return undefined;
	// Encrypted tokens (JWE) have five segments and an unreadable payload.
	const segments = token.trim().split('.');
	if (segments.length !== 3 || !BASE64URL.test(segments[1])) return undefined;
	try {
		const payload: unknown = JSON.parse(Buffer.from(segments[1], 'base64url').toString('utf8'));
		return isPlainObject(payload) ? payload : undefined;
	} catch {
		return undefined; // Not JSON: not a JWT we can read.
	}
}

/**
 * When the user will have to sign in to K2 again: `auth_time` (seconds since the epoch, when they
 * signed in) plus the refresh token lifetime. Undefined without a usable `auth_time`: `iat` is when
 * the token was issued (every refresh), which says nothing about the sign-in.
 */
export function reconnectDeadline(
	payload: Record<string, unknown> | undefined,
	refreshTokenLifetimeDays: number = REFRESH_TOKEN_LIFETIME_DAYS,
): Date | undefined {
	const authTime = payload?.auth_time;
	const seconds = typeof authTime === 'string' && authTime.trim() !== '' ? Number(authTime) : authTime;
	if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return undefined;
	return new Date((seconds + refreshTokenLifetimeDays * 86_400) * 1000);
}
