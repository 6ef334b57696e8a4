/**
 * Input checks made before any request: IDs that go into URL paths, text that goes into
 * resources, and the numbers and booleans of list options. Pure: each returns the reason a value
 * is refused (a phrase to follow the field's label, e.g. `Username` + ` is empty`), or the
 * value read. The actions layer adds the field labels the user sees.
 */

import { invisibleCharacterProblem, normalizeIdentifier } from './identity';

/** Maximum lengths, in characters. Documented in the fields' descriptions. */
export const MAX_LENGTH = {
	/** userName and group displayName: sign-in names and group names are short. */
	name: 256,
	/** RFC 5321's limit for an e-mail address. */
	email: 254,
	/** K2 IDs are GUIDs (36 characters); SCIM allows any opaque text, so leave room. */
	id: 256,
	/** Every other text attribute, and every text value inside Additional Attributes. */
	text: 1024,
	/** A raw SCIM filter. */
	filter: 4096,
} as const;

// C0 controls, DEL and C1 controls (Unicode's Cc: U+0000-U+001F, U+007F-U+009F): a NUL or an
// escape sequence in a userName is never meant.
const CONTROL = /\p{Cc}/u;
// Free text (inside Additional Attributes, e.g. an address) may hold tabs and line breaks.
const CONTROL_EXCEPT_WHITESPACE = /(?![\t\n\r])\p{Cc}/u;

/** How a refused value is shown in a message: short, and never a whole 100 kB string. */
export function describeValue(value: unknown): string {
	if (value === null) return 'null';
	if (value === undefined) return 'nothing';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
	if (typeof value === 'object') return 'an object';
	return `${typeof value} ${String(value)}`;
}

function controlCharacterAt(text: string, allowWhitespace: boolean): number {
	const match = (allowWhitespace ? CONTROL_EXCEPT_WHITESPACE : CONTROL).exec(text);
	return match ? match.index : -1;
}

/**
 * Why a text value is refused: control characters, or longer than `max`. Undefined when it is fine.
 * `allowWhitespace` lets tabs and line breaks through (free text).
 */
export function textProblem(text: string, max: number, allowWhitespace = false): string | undefined {
	const at = controlCharacterAt(text, allowWhitespace);
	if (at !== -1) {
		const code = text.charCodeAt(at).toString(16).padStart(4, '0').toUpperCase();
		return `contains a control character (U+${code} at position ${at + 1}): remove it`;
	}
	if (text.length > max) return `is ${text.length} characters long; the maximum is ${max}`;
	return undefined;
}

/**
 * Why a user or group ID is refused. IDs go into URL paths (`/Users/{id}`): `.` and `..` would
 * walk up the path (`DELETE /Users/..` is `DELETE /`), and an object would become
 * `[object Object]`. K2 IDs are GUIDs; SCIM IDs are opaque text, so only what cannot be an ID
 * in a path is refused: empty, dot segments, whitespace, control characters, `/ \ ? #`.
 */
export function idProblem(value: unknown): string | undefined {
	if (typeof value !== 'string') return `must be text, got ${describeValue(value)}`;
	if (value.trim() === '') return 'is empty';
	if (value === '.' || value === '..') return `is "${value}", which is a path segment, not an ID`;
	const control = textProblem(value, MAX_LENGTH.id);
	if (control) return control;
	if (/\s/.test(value)) return `${describeValue(value)} contains a space: IDs have none`;
	if (/[/\\?#]/.test(value)) return `${describeValue(value)} contains "/", "\\", "?" or "#": IDs have none`;
	return undefined;
}

export type Read<T> = { value: T } | { problem: string };

/** A whole number in [min, max]; a text of digits (from an expression) counts as its number. */
export function readWholeNumber(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): Read<number> {
	const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
		const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
		return { problem: `must be a whole number ${range}, got ${describeValue(value)}` };
	}
	return { value: number };
}

/** A Limit: a whole number ≥ 1 (0 would make the item vanish, 2.5 be sent as count=2.5). */
export function readLimit(value: unknown): Read<number> {
	return readWholeNumber(value, 1);
}

/**
 * A boolean option. The texts "true" and "false" (any case) are read as booleans, because an
 * expression over a CSV or form value gives text; anything else is refused, never ignored.
 */
export function readBoolean(value: unknown): Read<boolean> {
	if (typeof value === 'boolean') return { value };
	if (typeof value === 'string' && /^\s*(true|false)\s*$/i.test(value)) return { value: value.trim().toLowerCase() === 'true' };
	return { problem: `must be true or false, got ${describeValue(value)}` };
}

/** A text option (a filter value): text, within `max`, no control characters. */
export function readText(value: unknown, max: number = MAX_LENGTH.text): Read<string> {
	if (typeof value !== 'string') return { problem: `must be text, got ${describeValue(value)}` };
	const problem = textProblem(value, max);
	return problem ? { problem } : { value };
}

/**
 * An identifier typed or mapped to find something (a username, a group name): its normal form
 * (trimmed, NFC), within `max`, with no control or invisible character.
 */
export function readIdentifier(value: unknown, max: number = MAX_LENGTH.name): Read<string> {
	if (typeof value !== 'string') return { problem: `must be text, got ${describeValue(value)}` };
	const normal = normalizeIdentifier(value);
	const problem = textProblem(normal, max) ?? invisibleCharacterProblem(normal);
	return problem ? { problem } : { value: normal };
}

/**
 * A list of group names (Sync's Groups): a comma-separated text or a list of texts. An object, a
 * number or a non-text entry is refused rather than ignored (ignoring it would remove the user from
 * every group). Names are put in their normal form (trimmed, NFC) and deduplicated without case;
 * each is at most 256 characters, with no invisible character.
 */
export function readGroupNames(value: unknown): Read<string[]> {
	if (value !== null && typeof value !== 'string' && !Array.isArray(value)) {
		return { problem: `must be text (names separated by commas) or a list of names, got ${describeValue(value)}` };
	}
	const entries: unknown[] = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
	const names = new Map<string, string>();
	for (const [index, entry] of entries.entries()) {
		if (typeof entry !== 'string') return { problem: `entry ${index + 1} must be a group name (text), got ${describeValue(entry)}` };
		const name = normalizeIdentifier(entry);
		const problem = textProblem(name, MAX_LENGTH.name) ?? invisibleCharacterProblem(name);
		if (problem) return { problem: `entry ${index + 1} ${problem}` };
		const key = name.toLowerCase();
		if (name !== '' && !names.has(key)) names.set(key, name);
	}
	return { value: [...names.values()] };
}
