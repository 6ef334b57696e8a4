import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

const MASK = '[redacted]';

/**
 * Every value from the credential that must never reach an error, an output item or a log, in
 * each form it can appear in: as is, and URL-encoded (the SCIM token travels in URL paths).
 * The forms are computed once per credential read: responses are checked string by string.
 */
export function secretsOf(credentials: ICredentialDataDecryptedObject): string[] {
	const tokenData = (credentials.oauthTokenData ?? {}) as Record<string, unknown>;
	const candidates = [
		credentials.scimToken,
		credentials.clientSecret,
		tokenData.access_token,
		tokenData.refresh_token,
		tokenData.id_token,
	];
	const forms = new Set<string>();
	for (const value of candidates) {
		if (typeof value !== 'string' || value.length < 6) continue;
		forms.add(value);
		forms.add(encodeURIComponent(value));
	}
	// Longest first, so a secret that contains another is masked whole.
	return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces each secret form (from secretsOf) in a text, and anything shaped like a bearer token. */
export function redact(text: string, secrets: string[]): string {
	let result = text;
	for (const secret of secrets) result = result.split(secret).join(MASK);
	// Bearer tokens we did not know about (a token refreshed mid-request) are masked by shape.
	return result.replace(/Bearer\s+[A-Za-z0-9\-._~+/]+=*/g, `Bearer ${MASK}`);
}

/**
 * Redacts every string inside a parsed response body, in place (the body is ours: fresh from
 * JSON.parse). Strings without a secret are left as they are, so clean bodies cost one scan.
 */
export function redactInPlace<T>(value: T, secrets: string[]): T {
	if (typeof value === 'string') {
		return (secrets.some((secret) => value.includes(secret)) ? redact(value, secrets) : value) as T;
	}
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) value[i] = redactInPlace(value[i], secrets);
	} else if (value && typeof value === 'object') {
		const record = value as Record<string, unknown>;
		for (const key of Object.keys(record)) record[key] = redactInPlace(record[key], secrets);
	}
	return value;
}
