// SCIMMY's filter tokenizer ends a quoted value at the first `"`, so `userName eq "a\"b"` is a
// syntax error there, while RFC 7644 filter values are JSON strings (with \" and \\ escapes).
// A client that escapes correctly must be testable, so we mend it without touching SCIMMY:
//   1. scan the filter, lifting every JSON string literal out and decoding it with JSON.parse;
//   2. let SCIMMY parse the filter with inert placeholders in place of the literals;
//   3. put the decoded values back into SCIMMY's parsed expression objects and rebuild the
//      Filter from those objects (SCIMMY's object form takes any value verbatim).
// This also keeps words such as ` or ` / ` and ` inside a value from ever reaching the tokenizer.
import SCIMMY from 'scimmy';

type Filter = InstanceType<typeof SCIMMY.Types.Filter>;

const PLACEHOLDER = (i: number) => `__k2lit${i}__`;
const PLACEHOLDER_RE = /^__k2lit(\d+)__$/;

function invalidFilter(detail: string): Error {
	return new SCIMMY.Types.Error(400, 'invalidFilter', detail);
}

/** Replace JSON string literals with placeholders; returns the rewritten filter and the decoded values. */
export function liftLiterals(filter: string): { text: string; values: string[] } {
	const values: string[] = [];
	let out = '';
	let i = 0;
	while (i < filter.length) {
		const ch = filter[i];
		if (ch !== '"') {
			out += ch;
			i++;
			continue;
		}
		let j = i + 1;
		while (j < filter.length && filter[j] !== '"') j += filter[j] === '\\' ? 2 : 1;
		if (j >= filter.length) throw invalidFilter('Unterminated string value in filter');
		const literal = filter.slice(i, j + 1);
		let decoded: string;
		try {
			decoded = JSON.parse(literal);
		} catch {
			throw invalidFilter('Invalid escape sequence in filter string value');
		}
		out += `"${PLACEHOLDER(values.length)}"`;
		values.push(decoded);
		i = j + 1;
	}
	return { text: out, values };
}

function restore(node: unknown, values: string[]): unknown {
	if (typeof node === 'string') {
		const m = PLACEHOLDER_RE.exec(node);
		return m ? values[Number(m[1])] : node;
	}
	if (Array.isArray(node)) return node.map((n) => restore(n, values));
	if (node && typeof node === 'object') {
		const copy: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(node)) copy[k] = restore(v, values);
		return copy;
	}
	return node;
}

/** Parse a SCIM filter with correct string escaping. Throws a SCIM 400 invalidFilter error. */
export function parseFilter(filter: string): Filter {
	if (typeof filter !== 'string' || !filter.trim()) throw invalidFilter('Expected filter to be a non-empty string');
	const { text, values } = liftLiterals(filter);
	let parsed: Filter;
	try {
		parsed = new SCIMMY.Types.Filter(text);
	} catch (ex) {
		if (ex instanceof SCIMMY.Types.Error) throw ex;
		throw invalidFilter((ex as Error).message);
	}
	if (!values.length) return parsed;
	const objects = restore([...parsed], values) as Array<Record<string, unknown>>;
	return new SCIMMY.Types.Filter(objects as never);
}

/**
 * If the filter is a single `attr eq "value"` (what a sync does per user), return it so the
 * store can answer from an index instead of scanning every resource.
 */
export function simpleEquality(filter: Filter): { attr: string; value: string } | undefined {
	if (filter.length !== 1) return undefined;
	const entries = Object.entries(filter[0] as Record<string, unknown>);
	if (entries.length !== 1) return undefined;
	const [attr, expr] = entries[0];
	if (!Array.isArray(expr) || expr.length !== 2 || String(expr[0]).toLowerCase() !== 'eq' || typeof expr[1] !== 'string')
		return undefined;
	return { attr: attr.toLowerCase(), value: expr[1] };
}

// ---------------------------------------------------------------------------------------
// Matching. SCIMMY's Filter#match throws when a complex attribute is absent on a resource
// (e.g. `emails[type eq "work"]` against a user without emails) and compares userName
// case-sensitively, while userName/displayName/emails are caseExact=false in RFC 7643.
// So we evaluate SCIMMY's parsed expression objects ourselves.
// ---------------------------------------------------------------------------------------

/** Attributes whose values compare case-sensitively (RFC 7643 caseExact=true). */
const CASE_EXACT = new Set(['id', 'externalid']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Expr = unknown[];
type Branch = Record<string, unknown>;

function getAttr(obj: unknown, attr: string): unknown {
	if (!obj || typeof obj !== 'object') return undefined;
	// Fast path: attribute names are usually sent in their canonical case.
	if (Object.prototype.hasOwnProperty.call(obj, attr)) return (obj as Record<string, unknown>)[attr];
	const lower = attr.toLowerCase();
	if (lower.startsWith('urn:')) {
		// Fully qualified names: an extension attribute ("urn:...:enterprise:2.0:User:department")
		// or a core one ("urn:ietf:params:scim:schemas:core:2.0:User:userName").
		for (const [k, v] of Object.entries(obj))
			if (k.startsWith('urn:') && lower.startsWith(k.toLowerCase() + ':'))
				return attr.slice(k.length + 1).split('.').reduce<unknown>((o, part) => getAttr(o, part), v);
		const core = /^urn:ietf:params:scim:schemas:core:2\.0:(?:user|group):(.+)$/i.exec(attr);
		return core ? core[1].split('.').reduce<unknown>((o, part) => getAttr(o, part), obj) : undefined;
	}
	for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
	return undefined;
}

function compare(actual: unknown, expr: Expr, attr: string): boolean {
	const negate = String(expr[0]).toLowerCase() === 'not';
	const [op, rawExpected] = negate ? expr.slice(1) : expr;
	const comparator = String(op).toLowerCase();
	let expected = rawExpected;
	let a = actual;
	if (typeof a === 'boolean' && typeof expected === 'string' && /^(true|false)$/i.test(expected))
		expected = expected.toLowerCase() === 'true';
	if (typeof a === 'string' && typeof expected === 'string' && !CASE_EXACT.has(attr.toLowerCase())) {
		a = a.toLowerCase();
		expected = expected.toLowerCase();
	}
	const present = a !== undefined && a !== null && a !== '' && !(Array.isArray(a) && a.length === 0);
	let result: boolean;
	switch (comparator) {
		case 'eq': result = a === (expected ?? undefined) || (expected === null && !present); break;
		case 'ne': result = a !== (expected ?? undefined); break;
		case 'co': result = present && String(a).includes(String(expected)); break;
		case 'sw': result = present && String(a).startsWith(String(expected)); break;
		case 'ew': result = present && String(a).endsWith(String(expected)); break;
		case 'pr': result = present; break;
		case 'np': result = !present; break;
		case 'gt': case 'lt': case 'ge': case 'le': {
			if (!present) { result = false; break; }
			let x: number | string = a as string; let y: number | string = expected as string;
			if (typeof a === 'string' && ISO_DATE.test(a) && typeof expected === 'string') { x = Date.parse(a); y = Date.parse(expected); }
			if (typeof x !== typeof y) { result = false; break; }
			result = comparator === 'gt' ? x > y : comparator === 'lt' ? x < y : comparator === 'ge' ? x >= y : x <= y;
			break;
		}
		default: result = false;
	}
	return negate ? !result : result;
}

function matchAttr(actual: unknown, expressions: unknown, attr: string): boolean {
	if (expressions && typeof expressions === 'object' && !Array.isArray(expressions)) {
		// Complex attribute filter, e.g. emails[type eq "work"] or name.givenName eq "x".
		if (Array.isArray(actual)) return actual.some((el) => matchBranch(expressions as Branch, el ?? {}));
		return matchBranch(expressions as Branch, actual && typeof actual === 'object' ? actual : {});
	}
	const list = expressions as unknown[];
	if (list.length && list.every((e) => e && typeof e === 'object' && !Array.isArray(e)))
		return list.some((b) => matchAttr(actual, b, attr));
	const exprs = (list.every(Array.isArray) ? list : [list]) as Expr[];
	if (Array.isArray(actual)) {
		// `emails co "x"` on a multi-valued attribute compares each element's value.
		if (!actual.length) return exprs.every((e) => compare(undefined, e, attr));
		return actual.some((el) => exprs.every((e) => compare(el && typeof el === 'object' ? (el as Branch).value : el, e, attr)));
	}
	return exprs.every((e) => compare(actual, e, attr));
}

function matchBranch(branch: Branch, obj: unknown): boolean {
	return Object.entries(branch).every(([attr, expressions]) => matchAttr(getAttr(obj, attr), expressions, attr));
}

/** True if the record satisfies any branch of the (already parsed) filter. */
// SCIMMY's parsed expressions are trapped (proxied) objects: copy them to plain JSON once per
// filter, so a full scan of 10k resources does not go through proxy traps on every access.
const plainCache = new WeakMap<Filter, Branch[]>();

export function matches(filter: Filter, record: unknown): boolean {
	let branches = plainCache.get(filter);
	if (!branches) plainCache.set(filter, (branches = JSON.parse(JSON.stringify([...filter])) as Branch[]));
	for (const branch of branches) if (matchBranch(branch, record)) return true;
	return false;
}

/** Every RFC 7644 filter operator (attribute operators, then logical ones). */
export const FILTER_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'pr', 'gt', 'ge', 'lt', 'le', 'and', 'or', 'not'];

/** The SCIM operators a filter uses (string literals are left out, so a value "co" is not one). */
export function filterOperators(filter: string): string[] {
	const { text } = liftLiterals(filter);
	const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
	return [...new Set(words.filter((word) => FILTER_OPERATORS.includes(word)))];
}
