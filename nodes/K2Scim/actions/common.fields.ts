import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readLimit } from '../scim/validate';
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
			description: 'Max number of results to return (a whole number, at least 1)',
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
export function requestsInFlightOption(
	description = 'How many input items are sent to K2 at the same time. Results keep the input order.',
): INodeProperties {
	return {
		displayName: 'Requests in Flight',
		name: 'requestsInFlight',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 16 },
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
