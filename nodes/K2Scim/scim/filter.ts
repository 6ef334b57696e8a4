/**
 * SCIM filter expressions (RFC 7644 §3.4.2.2).
 *
 * Filters are built from user data (userNames, e-mails from an HR export), so every
 * value goes through `escapeFilterValue`: a value such as `a" or userName eq "b`
 * must stay one literal and never widen the query.
 */

import { rawFilterProblem } from './filterParser';

export type FilterValue = string | boolean | number;

export interface UserFilterCriteria {
	userName?: string;
	email?: string;
	externalId?: string;
	active?: boolean;
	/** A filter the user typed themselves; checked by rawFilterProblem, then ANDed with the rest. */
	raw?: string;
}

// An attribute path (optionally URN-qualified, optionally with a sub-attribute). Checked because
// an attribute name that contains spaces, quotes or brackets would change the filter's meaning.
const ATTRIBUTE_PATH = /^(urn:[A-Za-z0-9.:_-]+:)?[A-Za-z$][\w$-]*(\.[A-Za-z$][\w$-]*)?$/;

/**
 * Escapes a string for use between double quotes in a filter.
 * Filter string literals are JSON strings (RFC 7644 §3.4.2.2 refers to RFC 7159), so JSON's
 * escaping is the right one: `\` -> `\\`, `"` -> `\"`, and control characters (a stray
 * newline or tab from a CSV cell) become `\n`, `\t`, ... instead of breaking the request.
 */
export function escapeFilterValue(value: string): string {
	return JSON.stringify(String(value)).slice(1, -1);
}

/** `attribute eq value`: strings quoted and escaped; booleans and numbers bare, as JSON has them. */
export function eq(attribute: string, value: FilterValue): string {
	if (!ATTRIBUTE_PATH.test(attribute)) {
		throw new Error(`"${attribute}" is not a valid SCIM attribute name for a filter`);
	}
	if (typeof value === 'string') return `${attribute} eq "${escapeFilterValue(value)}"`;
	if (typeof value === 'number' && !Number.isFinite(value)) {
		throw new Error(`Cannot filter ${attribute} on ${value}: SCIM numbers must be finite`);
	}
	return `${attribute} eq ${String(value)}`;
}

function combine(operator: 'and' | 'or', filters: Array<string | undefined | null>): string {
	const parts = filters.map((f) => (typeof f === 'string' ? f.trim() : '')).filter((f) => f !== '');
	if (parts.length === 1) return parts[0];
	// Every operand is parenthesised, so `a or b` ANDed with `c` keeps its meaning. That holds for
	// operands that are one whole filter: a raw filter is checked by `rawFilterProblem` first.
	return parts.map((p) => `(${p})`).join(` ${operator} `);
}

/** ANDs the non-empty filters; '' when none is left. */
export function and(...filters: Array<string | undefined | null>): string {
	return combine('and', filters);
}

/** ORs the non-empty filters; '' when none is left. */
export function or(...filters: Array<string | undefined | null>): string {
	return combine('or', filters);
}

/**
 * The filter for looking users up by the fields an n8n user fills in; undefined when none is given.
 * Throws if the raw filter does not parse: combined, it could widen the other filters.
 */
export function userFilter(criteria: UserFilterCriteria): string | undefined {
	const problem = criteria.raw === undefined || criteria.raw.trim() === '' ? undefined : rawFilterProblem(criteria.raw);
	if (problem) throw new Error(`The SCIM filter ${problem}`);
	const filter = and(
		criteria.userName !== undefined ? eq('userName', criteria.userName) : undefined,
		criteria.email !== undefined ? eq('emails.value', criteria.email) : undefined,
		criteria.externalId !== undefined ? eq('externalId', criteria.externalId) : undefined,
		criteria.active !== undefined ? eq('active', criteria.active) : undefined,
		criteria.raw,
	);
	return filter === '' ? undefined : filter;
}
