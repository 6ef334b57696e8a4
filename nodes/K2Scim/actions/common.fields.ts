import { NodeOperationError, sleep } from 'n8n-workflow';
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readLimit, readWholeNumber } from '../scim/validate';
import { useRequestGate } from '../transport';
import { AUTO_MAX } from '../utils/adaptiveConcurrency';
import { FixedLimit, RequestGate } from '../utils/requestGate';
import { DEFAULT_REQUESTS_IN_FLIGHT } from './constants';
import { valueOrThrow } from './inputError';

/** n8n's usual "Return All" + "Limit" pair, shown for one resource and operation. */
export function returnAllAndLimit(resource: string, operation: string): INodeProperties[] {
	const show = { resource: [resource], operation: [operation] };
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
			displayOptions: { show },
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { ...show, returnAll: [false] } },
		},
	];
}

/** Return All and Limit of one item: undefined means all; a Limit of 0, 2.5 or "abc" is an error. */
export function readReturnLimit(ctx: IExecuteFunctions, itemIndex: number): number | undefined {
	if (ctx.getNodeParameter('returnAll', itemIndex) === true) return undefined;
	return valueOrThrow(ctx, itemIndex, 'Limit', readLimit(ctx.getNodeParameter('limit', itemIndex)));
}

export function simplifyField(resource: string, operations: string[]): INodeProperties {
	return {
		displayName: 'Simplify',
		name: 'simplify',
		type: 'boolean',
		default: true,
		description:
			'Whether to return a flat version of the response instead of the raw SCIM resource',
		displayOptions: { show: { resource: [resource], operation: operations } },
	};
}

/** How many requests run at once: K2 round trips dominate, so a few in flight multiply throughput. */
// The field's maxValue: more would only queue at K2.
export const MAX_REQUESTS_IN_FLIGHT = 32;

export type RequestsInFlightMode = 'auto' | 'fixed';
/** Used when neither Requests in Flight nor its mode is set. */
// Auto since the bench showed it at 97-102% of the best fixed value under K2-like throttling on a
// quiet machine (86.9% in one single-round run beside a test suite), with no failed item where
// Fixed 16 and 32 lost some, and well above Fixed 16 without a throttle (`npm run bench -- --auto`,
// README's Benchmark section). A workflow that set a number stays Fixed.
export const DEFAULT_REQUESTS_IN_FLIGHT_MODE: RequestsInFlightMode = 'auto';

/**
 * Requests in Flight, read once for the run (`parameter` is where the operation keeps it, the mode
 * sits beside it as `requestsInFlightMode`). The run's requests go through a gate that keeps at
 * most that many in flight: Fixed, a whole number (a wrong value, 0, 2.5, "abc" from an
 * expression, fails the run before any request); Auto, a limit that adapts
 * (utils/adaptiveConcurrency.ts). The returned number is how many items may be under way at once:
 * more than the requests in flight, so that an item's own work (its expressions, its plan) is
 * done while other items' requests are in flight. A workflow that set only the number (before
 * Auto existed) stays Fixed.
 */
export function readRequestsInFlight(ctx: IExecuteFunctions, parameter = 'options.requestsInFlight'): number {
	const modeParameter = parameter.replace(/requestsInFlight$/, 'requestsInFlightMode');
	const number = ctx.getNodeParameter(parameter, 0, null) as unknown;
	const rawMode = ctx.getNodeParameter(modeParameter, 0, null) as unknown;
	const mode = rawMode ?? (number !== null && number !== undefined ? 'fixed' : DEFAULT_REQUESTS_IN_FLIGHT_MODE);
	if (mode !== 'auto' && mode !== 'fixed') {
		throw new NodeOperationError(ctx.getNode(), `Requests in Flight Mode must be "auto" or "fixed", got ${JSON.stringify(rawMode)}`, {
			description: 'Set Options > Requests in Flight Mode to Auto or Fixed. Nothing was sent to K2.',
		});
	}
	if (mode === 'auto') {
		useRequestGate(ctx, new RequestGate(sleep));
		return AUTO_MAX + ITEMS_AHEAD;
	}
	const read = readWholeNumber(number ?? DEFAULT_REQUESTS_IN_FLIGHT, 1, MAX_REQUESTS_IN_FLIGHT);
	if ('problem' in read) {
		throw new NodeOperationError(ctx.getNode(), `Requests in Flight ${read.problem}`, {
			description: `Set Options > Requests in Flight to a whole number from 1 to ${MAX_REQUESTS_IN_FLIGHT}, or Requests in Flight Mode to Auto. Nothing was sent to K2.`,
		});
	}
	useRequestGate(ctx, new RequestGate(sleep, Date.now, new FixedLimit(read.value)));
	// One at a time means one item after another, in input order (a later row may depend on an earlier one).
	return read.value === 1 ? 1 : read.value + ITEMS_AHEAD;
}

/** Items prepared ahead of a free place, so the next request leaves as soon as one frees. */
const ITEMS_AHEAD = 4;

export function requestsInFlightOption(
	description = 'How many input items are sent to K2 at the same time. Results keep the input order.',
): INodeProperties {
	return {
		displayName: 'Requests in Flight',
		name: 'requestsInFlight',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_REQUESTS_IN_FLIGHT },
		default: DEFAULT_REQUESTS_IN_FLIGHT,
		description: `${description} Used when Requests in Flight Mode is Fixed`,
	};
}

export function requestsInFlightModeOption(): INodeProperties {
	return {
		displayName: 'Requests in Flight Mode',
		name: 'requestsInFlightMode',
		type: 'options',
		options: [
			{
				name: 'Auto',
				value: 'auto',
				description: `Start at 4 and adapt during the run: double while K2 answers quickly until the first sign of load, then one more at a time; half as many when K2 answers 429 or 503 (and all wait for its Retry-After if K2 keeps throttling), between 1 and ${AUTO_MAX}`,
			},
			{ name: 'Fixed', value: 'fixed', description: 'Always the number set in Requests in Flight' },
		],
		default: DEFAULT_REQUESTS_IN_FLIGHT_MODE,
		description: 'Whether the number of requests sent to K2 at the same time adapts to how K2 answers',
	};
}

/** An "Options" collection holding only Requests in Flight. */
export function requestsInFlightOptions(resource: string, operations: string[], description?: string): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { resource: [resource], operation: operations } },
		options: [requestsInFlightOption(description), requestsInFlightModeOption()],
	};
}
