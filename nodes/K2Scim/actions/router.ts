import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';

import { mapConcurrent } from '../utils/concurrency';
import type { ResourceOperations } from './types';
import { operations as connection } from './connection';
import { operations as group } from './group';
import { operations as user } from './user';

const resources: Record<string, ResourceOperations> = { user, group, connection };

import { DEFAULT_REQUESTS_IN_FLIGHT } from './constants';

/** The item a "Continue On Fail" run emits for a failed input: what failed and what to fix. */
function errorItem(error: Error, itemIndex: number, toErrorOutput: boolean): INodeExecutionData {
	const json: IDataObject = { error: error.message };
	const description = (error as NodeApiError).description;
	if (description) json.description = description;
	if (error instanceof NodeApiError) {
		// The transport builds its NodeApiErrors from a clean { status, scimType, detail } object.
		const scim = error.errorResponse as JsonObject | undefined;
		if (error.httpCode) json.status = error.httpCode;
		if (scim && typeof scim === 'object') {
			if (scim.scimType) json.scimType = scim.scimType;
			if (scim.detail) json.detail = scim.detail;
		}
	}
	// n8n sends an item to the error output when its json holds only `error`; an item-level
	// `error` would do too, but n8n then cuts the json down to the message.
	if (toErrorOutput) {
		const { error: message, ...details } = json;
		return { json: { error: { message, ...details } }, pairedItem: { item: itemIndex } };
	}
	return { json, pairedItem: { item: itemIndex } };
}

function asNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex ??= itemIndex;
		return error;
	}
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
}

/**
 * Reads resource and operation once, runs the items (several requests in flight, results in
 * input order), pairs every output with its input, and applies "Continue On Fail": every input
 * item comes out exactly once, as results or as one error item.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operationName = this.getNodeParameter('operation', 0) as string;
	const operation = resources[resource]?.[operationName];
	if (!operation) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operationName}" is not supported for the resource "${resource}"`,
		);
	}
	const continueOnFail = this.continueOnFail();
	const toErrorOutput = this.getNode().onError === 'continueErrorOutput';

	let perItem: Array<INodeExecutionData[] | Error>;
	let additional: INodeExecutionData[] = [];
	if (operation.executeAll) {
		const result = await operation.executeAll.call(this, items.length);
		if (Array.isArray(result)) perItem = result;
		else ({ perItem, additional } = result);
	} else {
		const execute = operation.execute!;
		const inFlight = this.getNodeParameter('options.requestsInFlight', 0, DEFAULT_REQUESTS_IN_FLIGHT) as number;
		perItem = await mapConcurrent(items, Math.max(1, inFlight), async (_item, itemIndex) => {
			try {
				return await execute.call(this, itemIndex);
			} catch (error) {
				const nodeError = asNodeError(this, error, itemIndex);
				if (!continueOnFail) throw nodeError;
				return nodeError;
			}
		});
	}

	const output: INodeExecutionData[] = [];
	perItem.forEach((result, itemIndex) => {
		if (result instanceof Error) {
			if (!continueOnFail) throw asNodeError(this, result, itemIndex);
			output.push(errorItem(result, itemIndex, toErrorOutput));
			return;
		}
		for (const entry of result) output.push({ ...entry, pairedItem: { item: itemIndex } });
	});
	output.push(...additional);
	return [output];
}
