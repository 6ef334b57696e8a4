/**
 * One normal form for identifiers: userName, externalId, group displayName and member usernames.
 *
 * The same person must never become two K2 accounts because two systems spelled an identifier
 * differently: "josé" typed on Windows (NFC) and exported from macOS (NFD, "jose" + U+0301), a
 * trailing space from a spreadsheet, "Jane@Example.com" against "jane@example.com". So identifiers
 * are trimmed and put in Unicode NFC before they are compared or sent, and compared without case
 * where SCIM says so (RFC 7643: userName and Group displayName are caseExact=false; externalId is
 * caseExact=true). Invisible characters are refused instead: "jane\u200B@x.com" looks exactly like
 * "jane@x.com" in every admin screen but is another account, and no normal form can say which
 * one was meant.
 */

export type IdentifierKind = 'userName' | 'externalId' | 'displayName' | 'employeeNumber';

/** Compared without case (RFC 7643 caseExact=false; employeeNumber: the enterprise extension's). */
const CASE_INSENSITIVE: ReadonlySet<IdentifierKind> = new Set(['userName', 'displayName', 'employeeNumber']);

/**
 * Characters that render as nothing (or as a blank) in an identifier: Unicode format characters
 * (zero-width space and joiners, bidi controls, the BOM, the soft hyphen, the word joiner), the
 * combining grapheme joiner, and the Hangul and Mongolian fillers. Control characters are refused
 * separately (scim/validate.ts). The combining marks come first in the class: written after a
 * letter, they would read as one combined character.
 */
const INVISIBLE = /[\u034F\u180B-\u180F\p{Cf}\u115F\u1160\u3164\uFFA0]/u;

/** The form an identifier is sent in: trimmed, NFC. */
export function normalizeIdentifier(value: string): string {
	return value.normalize('NFC').trim();
}

/**
 * The key two identifiers are compared by: the normal form, lower-cased where SCIM compares
 * without case. Undefined for what cannot identify anyone (not text, or blank).
 */
export function identifierKey(kind: IdentifierKind, value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const normal = normalizeIdentifier(value);
	if (normal === '') return undefined;
	return CASE_INSENSITIVE.has(kind) ? normal.toLowerCase() : normal;
}

/** Whether two identifiers name the same thing (both must be usable). */
export function sameIdentifier(kind: IdentifierKind, a: unknown, b: unknown): boolean {
	const key = identifierKey(kind, a);
	return key !== undefined && key === identifierKey(kind, b);
}

/**
 * Why an identifier is refused: the invisible character it holds, as the phrase that follows the
 * field's label ("Username contains an invisible character ..."). Undefined when it has none.
 */
export function invisibleCharacterProblem(value: string): string | undefined {
	const match = INVISIBLE.exec(value);
	if (!match) return undefined;
	const code = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
	const name = CHARACTER_NAMES[code];
	return `contains an invisible character (U+${code}${name ? ` ${name}` : ''} at position ${match.index + 1}): it would make a second, identical-looking identity; remove it`;
}

const CHARACTER_NAMES: Record<string, string> = {
	'00AD': 'soft hyphen',
	'200B': 'zero-width space',
	'200C': 'zero-width non-joiner',
	'200D': 'zero-width joiner',
	'200E': 'left-to-right mark',
	'200F': 'right-to-left mark',
	'202A': 'left-to-right embedding',
	'202B': 'right-to-left embedding',
	'202C': 'pop directional formatting',
	'202D': 'left-to-right override',
	'202E': 'right-to-left override',
	'2060': 'word joiner',
	'2066': 'left-to-right isolate',
	'2067': 'right-to-left isolate',
	'2068': 'first strong isolate',
	'2069': 'pop directional isolate',
	FEFF: 'byte order mark',
};
