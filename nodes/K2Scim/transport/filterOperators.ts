/**
 * The SCIM filter operators K2 accepted and refused in this run. K2 does not document which
 * operators it supports, so the node learns them from K2's answers: per run (per execution
 * context, as the transport keeps its other per-run state), so a fallback chosen once is not
 * asked again per item, and a refused filter's error can name the operator.
 */
import type { NodeApiError } from 'n8n-workflow';

import type { FilterRefusal } from '../scim/error';
import { filterOperatorsOf } from '../scim/filterParser';
import { isFilterRefusal } from './errors';
import type { ScimContext } from './index';

interface Answers {
	accepted: Set<string>;
	refused: Set<string>;
	/** Operators whose first request is out: the others using them wait for its answer. */
	asking: Map<string, Promise<void>>;
}

const runs = new WeakMap<ScimContext, Answers>();

function answersOf(ctx: ScimContext): Answers {
	let answers = runs.get(ctx);
	if (!answers) runs.set(ctx, (answers = { accepted: new Set(), refused: new Set(), asking: new Map() }));
	return answers;
}

/** K2 answered a request with this filter: it accepts every operator in it. */
export function noteFilterAccepted(ctx: ScimContext, filter: string): void {
	const { accepted } = answersOf(ctx);
	for (const operator of filterOperatorsOf(filter)) accepted.add(operator);
}

export function filterOperatorRefused(ctx: ScimContext, operator: string): boolean {
	return answersOf(ctx).refused.has(operator);
}

/**
 * What to blame when K2 refused `filter`: the operators it refused earlier in this run, or else
 * the ones it has not accepted yet. Undefined when there is none (every operator in it worked
 * before: the refusal is about something else, e.g. an attribute).
 */
export function filterRefusalOf(ctx: ScimContext, filter: unknown): FilterRefusal | undefined {
	if (typeof filter !== 'string' || filter === '') return undefined;
	const { accepted, refused } = answersOf(ctx);
	const operators = filterOperatorsOf(filter);
	const known = operators.filter((operator) => refused.has(operator));
	const suspects = known.length ? known : operators.filter((operator) => !accepted.has(operator));
	return suspects.length ? { filter, suspects, accepted: [...accepted] } : undefined;
}

/**
 * Runs `withIt`, unless K2 refused `operator` earlier in this run; when K2 refuses it now (400
 * invalidFilter), that is remembered and `withoutIt` runs instead. While the first request with an
 * operator K2 has not answered yet is out, the others wait for its answer: a run asks once.
 */
export async function withFilterOperator<T>(
	ctx: ScimContext,
	operator: string,
	withIt: () => Promise<T>,
	withoutIt: () => Promise<T>,
): Promise<T> {
	const answers = answersOf(ctx);
	// Until no request with this operator is out: another caller may have started asking while
	// this one waited. Between this check and `asking.set` below nothing awaits, so one asks.
	for (let out = answers.asking.get(operator); out; out = answers.asking.get(operator)) await out;
	if (answers.refused.has(operator)) return await withoutIt();
	const asking = !answers.accepted.has(operator) && !answers.asking.has(operator);
	let answered = (): void => undefined;
	if (asking) answers.asking.set(operator, new Promise<void>((resolve) => (answered = resolve)));
	let refused = false;
	try {
		const result = await withIt().catch((error: NodeApiError) => {
			if (!isFilterRefusal(error)) throw error;
			refused = true;
		});
		if (!refused) return result as T;
		answers.refused.add(operator);
	} finally {
		// Before the fallback runs: the waiting requests need only the answer.
		if (asking) {
			answers.asking.delete(operator);
			answered();
		}
	}
	return await withoutIt();
}
