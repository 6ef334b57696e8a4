import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

const MASK = '[redacted]';

/** Every value from the credential that must never reach an error, an output item or a log. */
export function secretsOf(credentials: ICredentialDataDecryptedObject): string[] {
	const tokenData = (credentials.oauthTokenData ?? {}) as Record<string, unknown>;
	const candidates = [
		credentials.scimToken,
		credentials.clientSecret,
		tokenData.access_token,
		tokenData.refresh_token,
		tokenData.id_token,
	];
	return candidates.filter((value): value is string => typeof value === 'string' && value.length >= 6);
}

/** Replaces each secret (and its URL-encoded form: the SCIM token travels in URL paths) in a text. */
export function redact(text: string, secrets: string[]): string {
	let result = text;
	for (const secret of secrets) {
		for (const form of new Set([secret, encodeURIComponent(secret)])) {
			result = result.split(form).join(MASK);
		}
	}
	// Bearer tokens we did not know about (a token refreshed mid-request) are masked by shape.
	return result.replace(/Bearer\s+[A-Za-z0-9\-._~+/]+=*/g, `Bearer ${MASK}`);
}

/** Redacts every string inside a JSON-like value. */
export function redactDeep<T>(value: T, secrets: string[]): T {
	if (typeof value === 'string') return redact(value, secrets) as T;
	if (Array.isArray(value)) return value.map((entry) => redactDeep(entry, secrets)) as T;
	if (value && typeof value === 'object') {
		const copy: Record<string, unknown> = {};
		for (const [key, entry] of Object.entries(value)) copy[key] = redactDeep(entry, secrets);
		return copy as T;
	}
	return value;
}
