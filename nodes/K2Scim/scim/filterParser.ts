/**
 * A parser for SCIM filters (RFC 7644 §3.4.2.2), used to check a filter a user typed before it is
 * combined with the node's own filters. Parentheses alone do not protect a combination:
 * `(x) and () or (userName pr)` is what `) or (userName pr` becomes. A filter that parses on its
 * own is one expression, so wrapping it in parentheses keeps its meaning.
 *
 *   FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
 *   valuePath = attrPath "[" valFilter "]"
 *   attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
 *   compValue = false / null / true / number / string
 *
 * `not` binds tighter than `and`, `and` tighter than `or`. Keywords are case-insensitive.
 */

import { MAX_LENGTH } from './validate';

const COMPARE_OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);

// [URI ":"] ATTRNAME *1("." ATTRNAME); ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_"), or $ref.
const NAME = '(?:[A-Za-z][\\w-]*|\\$ref)';
const ATTR_PATH = new RegExp(`^(?:urn:[A-Za-z0-9.:_-]*:)?${NAME}(?:\\.${NAME})?$`, 'i');
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

type Token =
	| { kind: 'word'; text: string; at: number }
	| { kind: 'string'; text: string; at: number }
	| { kind: '(' | ')' | '[' | ']'; text: string; at: number };

export class FilterSyntaxError extends Error {
	/** 1-based character position in the filter. */
	readonly position: number;

	constructor(message: string, position: number) {
		super(`${message} at position ${position}`);
		this.position = position;
	}
}

/** Filter strings are JSON strings: JSON decides which escapes are valid. */
function isJsonString(text: string): boolean {
	try {
		return typeof JSON.parse(text) === 'string';
	} catch {
		return false;
	}
}

function tokenize(filter: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < filter.length) {
		const c = filter[i];
		if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
			i++;
		} else if (c === '(' || c === ')' || c === '[' || c === ']') {
			tokens.push({ kind: c, text: c, at: i + 1 });
			i++;
		} else if (c === '"') {
			let j = i + 1;
			while (j < filter.length && filter[j] !== '"') j += filter[j] === '\\' ? 2 : 1;
			if (j >= filter.length) throw new FilterSyntaxError('a quoted value is not closed', i + 1);
			const text = filter.slice(i, j + 1);
			if (!isJsonString(text)) throw new FilterSyntaxError('a quoted value has an invalid escape or control character', i + 1);
			tokens.push({ kind: 'string', text, at: i + 1 });
			i = j + 1;
		} else {
			let j = i;
			while (j < filter.length && !' \t\n\r()[]"'.includes(filter[j])) j++;
			tokens.push({ kind: 'word', text: filter.slice(i, j), at: i + 1 });
			i = j;
		}
	}
	return tokens;
}

class Parser {
	private index = 0;
	/** The operators the filter uses, lower case, in the order first met. */
	readonly operators = new Set<string>();

	constructor(
		private readonly tokens: Token[],
		private readonly length: number,
	) {}

	parse(): void {
		if (this.tokens.length === 0) throw new FilterSyntaxError('the filter is empty', 1);
		this.orExpression(false);
		const rest = this.peek();
		if (rest) throw new FilterSyntaxError(`unexpected "${rest.text}"`, rest.at);
	}

	private peek(): Token | undefined {
		return this.tokens[this.index];
	}

	private next(expected: string): Token {
		const token = this.tokens[this.index++];
		if (!token) throw new FilterSyntaxError(`expected ${expected} but the filter ends`, this.length + 1);
		return token;
	}

	private keyword(word: string): boolean {
		const token = this.peek();
		if (token?.kind === 'word' && token.text.toLowerCase() === word) {
			this.index++;
			return true;
		}
		return false;
	}

	private orExpression(inValuePath: boolean): void {
		this.andExpression(inValuePath);
		while (this.keyword('or')) {
			this.operators.add('or');
			this.andExpression(inValuePath);
		}
	}

	private andExpression(inValuePath: boolean): void {
		this.unary(inValuePath);
		while (this.keyword('and')) {
			this.operators.add('and');
			this.unary(inValuePath);
		}
	}

	private unary(inValuePath: boolean): void {
		const negated = this.keyword('not');
		if (negated) this.operators.add('not');
		const token = this.next('an attribute name, "not" or "("');
		if (token.kind === '(') {
			this.orExpression(inValuePath);
			this.close(')', token);
			return;
		}
		if (negated) throw new FilterSyntaxError(`expected "(" after "not", found "${token.text}"`, token.at);
		if (token.kind !== 'word' || !ATTR_PATH.test(token.text) || isKeyword(token.text)) {
			throw new FilterSyntaxError(`expected an attribute name, found "${token.text}"`, token.at);
		}
		const following = this.peek();
		if (following?.kind === '[') {
			// valuePath: `emails[type eq "work"]`; RFC 7644 allows no nesting.
			if (inValuePath) throw new FilterSyntaxError('a "[...]" filter cannot be nested', following.at);
			this.index++;
			this.orExpression(true);
			this.close(']', following);
			return;
		}
		const operator = this.next(`an operator after "${token.text}"`);
		const op = operator.text.toLowerCase();
		if (operator.kind === 'word' && op === 'pr') {
			this.operators.add(op);
			return;
		}
		if (operator.kind !== 'word' || !COMPARE_OPERATORS.has(op)) {
			throw new FilterSyntaxError(`expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr), found "${operator.text}"`, operator.at);
		}
		this.operators.add(op);
		const value = this.next(`a value after "${operator.text}"`);
		const literal = value.kind === 'word' ? value.text.toLowerCase() : '';
		if (value.kind === 'string' || literal === 'true' || literal === 'false' || literal === 'null' || (value.kind === 'word' && NUMBER.test(value.text))) return;
		throw new FilterSyntaxError(`expected a value (a quoted string, a number, true, false or null), found "${value.text}"`, value.at);
	}

	private close(kind: ')' | ']', opened: Token): void {
		const token = this.peek();
		if (token?.kind === kind) {
			this.index++;
			return;
		}
		if (!token) throw new FilterSyntaxError(`the "${opened.text}" at position ${opened.at} is not closed`, this.length + 1);
		throw new FilterSyntaxError(`expected "${kind}", found "${token.text}"`, token.at);
	}
}

function isKeyword(word: string): boolean {
	return ['and', 'or', 'not'].includes(word.toLowerCase());
}

/** Throws a FilterSyntaxError saying what is wrong and where, if `filter` is not one SCIM filter. */
export function parseScimFilter(filter: string): void {
	new Parser(tokenize(filter), filter.length).parse();
}

/**
 * The operators a filter uses (`eq`, `or`, ...: lower case, each once), to tell which one K2
 * refused. A value is never read as one (`userName eq "or"` uses only `eq`). [] when it does not parse.
 */
export function filterOperatorsOf(filter: string): string[] {
	try {
		const parser = new Parser(tokenize(filter), filter.length);
		parser.parse();
		return [...parser.operators];
	} catch {
		return [];
	}
}

/**
 * Why a raw filter a user typed cannot be used, or undefined when it is one valid SCIM filter.
 * For every field that takes a raw filter (User Get Many's SCIM Filter, Sync's Deprovision Filter),
 * before it is combined with other filters.
 */
export function rawFilterProblem(filter: unknown): string | undefined {
	if (typeof filter !== 'string') return `must be text, got ${filter === null ? 'null' : typeof filter}`;
	if (filter.length > MAX_LENGTH.filter) return `is ${filter.length} characters long; the maximum is ${MAX_LENGTH.filter}`;
	try {
		parseScimFilter(filter);
		return undefined;
	} catch (error) {
		// Anything the parser throws refuses the filter: sending one we could not check is the risk.
		return `is not a valid SCIM filter: ${(error as Error).message}`;
	}
}
