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

function containsSecret(text: string, secrets: string[]): boolean {
	return secrets.some((secret) => text.includes(secret) || text.includes(encodeURIComponent(secret)));
}

/**
 * Redacts every string inside a parsed response body, in place (the body is ours: fresh from
 * JSON.parse). Strings without a secret are left as they are, so clean bodies cost one scan.
 */
export function redactInPlace<T>(value: T, secrets: string[]): T {
	if (typeof value === 'string') return (containsSecret(value, secrets) ? redact(value, secrets) : value) as T;
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) value[i] = redactInPlace(value[i], secrets);
	} else if (value && typeof value === 'object') {
		const record = value as Record<string, unknown>;
		for (const key of Object.keys(record)) record[key] = redactInPlace(record[key], secrets);
	}
	return value;
}
