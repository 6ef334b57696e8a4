import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

const MASK = '[redacted]';
/** Shorter values are not worth masking (and would mask ordinary words). */
const MIN_SECRET_LENGTH = 6;
/** A base64 fragment shorter than this could match ordinary text by chance. */
const MIN_FRAGMENT_LENGTH = 8;

/**
 * The secret forms to mask, as two patterns: text forms (as is, URL-encoded) match in any case
 * (the SCIM token is a GUID, and GUIDs are case-insensitive; percent-escapes too), base64 forms
 * match exactly (base64 is case-sensitive: its case variants are listed instead).
 */
export interface Secrets {
	anyCase?: RegExp;
	exact?: RegExp;
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pattern(forms: Set<string>, flags: string): RegExp | undefined {
	if (forms.size === 0) return undefined;
	// Longest first, so a secret that contains another is masked whole.
	const sorted = [...forms].sort((a, b) => b.length - a.length);
	return new RegExp(sorted.map(escapeRegExp).join('|'), flags);
}

/**
 * base64 of a secret depends on where it starts in the encoded text (its offset modulo 3), so
 * for each offset the part of the encoding that only the secret's bytes decide is listed: a
 * secret inside "Basic base64(id:secret)" is found whatever precedes it.
 */
function base64Forms(value: string, forms: Set<string>): void {
	const bytes = Buffer.from(value, 'utf8');
	const whole = bytes.toString('base64');
	forms.add(whole);
	forms.add(whole.replace(/=+$/, ''));
	for (let offset = 0; offset < 3; offset++) {
		const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
		const start = offset === 0 ? 0 : 4;
		const end = 4 * Math.floor((offset + bytes.length) / 3);
		const fragment = encoded.slice(start, end);
		if (fragment.length >= MIN_FRAGMENT_LENGTH) forms.add(fragment);
	}
	for (const form of [...forms]) forms.add(form.replace(/\+/g, '-').replace(/\//g, '_'));
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every value from the credential that must never reach an error, an output item or a log, in
 * each form it can appear in: as is and URL-encoded (the SCIM token travels in URL paths) in any
 * case, and base64 / base64url of its lower-, upper- and stored-case spelling. Computed once per
 * credential read: responses are checked string by string.
 */
export function secretsOf(credentials: ICredentialDataDecryptedObject): Secrets {
	let tokenData = (credentials.oauthTokenData ?? {}) as Record<string, unknown> | string;
	if (typeof tokenData === 'string') {
		try {
			tokenData = JSON.parse(tokenData) as Record<string, unknown>;
		} catch {
			tokenData = {};
		}
	}
	const candidates = [
		credentials.scimToken,
		credentials.clientSecret,
		tokenData.access_token,
		tokenData.refresh_token,
		tokenData.id_token,
	];
	const anyCase = new Set<string>();
	const exact = new Set<string>();
	for (const candidate of candidates) {
		if (typeof candidate !== 'string') continue;
		const value = candidate.trim();
		if (value.length < MIN_SECRET_LENGTH) continue;
		// A GUID (K2's SCIM token) is also written without its dashes (.NET's "N" format).
		const spellings = GUID.test(value) ? [value, value.replace(/-/g, '')] : [value];
		for (const spelling of spellings) {
			anyCase.add(spelling);
			anyCase.add(encodeURIComponent(spelling));
			for (const variant of new Set([spelling, spelling.toLowerCase(), spelling.toUpperCase()])) {
				base64Forms(variant, exact);
			}
		}
	}
	return { anyCase: pattern(anyCase, 'gi'), exact: pattern(exact, 'g') };
}

function union(a: RegExp | undefined, b: RegExp | undefined): RegExp | undefined {
	if (!a || !b) return a ?? b;
	if (a.source === b.source) return a;
	return new RegExp(`${a.source}|${b.source}`, a.flags);
}

/** Both sets of secret forms (the tokens a request started with and those a refresh stored since). */
export function mergeSecrets(a: Secrets, b: Secrets): Secrets {
	return { anyCase: union(a.anyCase, b.anyCase), exact: union(a.exact, b.exact) };
}

// Bearer tokens we did not know about (a token refreshed mid-request) are masked by shape.
const BEARER = /Bearer\s+[A-Za-z0-9\-._~+/]+=*/g;

/** Replaces each secret form (from secretsOf) in a text, and anything shaped like a bearer token. */
export function redact(text: string, secrets: Secrets): string {
	let result = text;
	if (secrets.anyCase) result = result.replace(secrets.anyCase, MASK);
	if (secrets.exact) result = result.replace(secrets.exact, MASK);
	return result.replace(BEARER, `Bearer ${MASK}`);
}

/**
 * Redacts every string inside a parsed response body (keys too), in place: the body is ours,
 * fresh from JSON.parse. Returns the cleaned value (a string is returned cleaned).
 */
export function redactInPlace<T>(value: T, secrets: Secrets): T {
	if (typeof value === 'string') return redact(value, secrets) as T;
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) value[i] = redactInPlace(value[i], secrets);
	} else if (value && typeof value === 'object') {
		const record = value as Record<string, unknown>;
		for (const key of Object.keys(record)) {
			const cleanKey = redact(key, secrets);
			const entry = redactInPlace(record[key], secrets);
			if (cleanKey === key && entry === record[key]) continue;
			if (cleanKey !== key) delete record[key];
			// defineProperty: a key from a response is data, never a setter such as __proto__.
			Object.defineProperty(record, cleanKey, { value: entry, enumerable: true, writable: true, configurable: true });
		}
	}
	return value;
}
