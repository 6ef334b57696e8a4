import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readLimit, readWholeNumber } from '../scim/validate';
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
const MAX_REQUESTS_IN_FLIGHT = 16;

/**
 * Requests in Flight, read once for the run (`parameter` is where the operation keeps it): a wrong
 * value (0, 2.5, "abc" from an expression) fails the run before any request.
 */
export function readRequestsInFlight(ctx: IExecuteFunctions, parameter = 'options.requestsInFlight'): number {
	const read = readWholeNumber(ctx.getNodeParameter(parameter, 0, DEFAULT_REQUESTS_IN_FLIGHT), 1, MAX_REQUESTS_IN_FLIGHT);
	if ('problem' in read) {
		throw new NodeOperationError(ctx.getNode(), `Requests in Flight ${read.problem}`, {
			description: `Set Options > Requests in Flight to a whole number from 1 to ${MAX_REQUESTS_IN_FLIGHT}. Nothing was sent to K2.`,
		});
	}
	return read.value;
}

export function requestsInFlightOption(
	description = 'How many input items are sent to K2 at the same time. Results keep the input order.',
): INodeProperties {
	return {
		displayName: 'Requests in Flight',
		name: 'requestsInFlight',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_REQUESTS_IN_FLIGHT },
		default: DEFAULT_REQUESTS_IN_FLIGHT,
		description,
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
		options: [requestsInFlightOption(description)],
	};
}
