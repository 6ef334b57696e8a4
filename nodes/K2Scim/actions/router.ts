import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';

import { mapConcurrent } from '../utils/concurrency';
import type { ResourceOperations } from './types';
import { operations as connection } from './connection';
import { operations as group } from './group';
import { operations as user } from './user';

const resources: Record<string, ResourceOperations> = { user, group, connection };

import { readRequestsInFlight } from './common.fields';

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

/** How many failures a batch error lists by item; the rest are counted. */
const LISTED_FAILURES = 5;

/**
 * Without Continue On Fail, after a batch operation attempted all its items: one failed item
 * fails the run with its own error (message, HTTP code, item index); several fail it with one
 * error that counts them, so a scheduled run shows red with the whole picture.
 * An item left empty (`undefined`) was not attempted: the batch stopped before sending.
 */
function throwBatchFailures(ctx: IExecuteFunctions, perItem: Array<INodeExecutionData[] | Error | undefined>): void {
	const failures: Array<{ itemIndex: number; error: Error }> = [];
	let applied = 0;
	for (let itemIndex = 0; itemIndex < perItem.length; itemIndex++) {
		const result = perItem[itemIndex];
		if (result instanceof Error) failures.push({ itemIndex, error: asNodeError(ctx, result, itemIndex) });
		else if (result !== undefined) applied++;
	}
	if (failures.length === 0) return;
	if (failures.length === 1) throw failures[0].error;

	const notSent = perItem.length - failures.length - applied;
	const listed = failures.slice(0, LISTED_FAILURES).map((f) => `item ${f.itemIndex}: ${f.error.message}`);
	if (failures.length > LISTED_FAILURES) listed.push(`and ${failures.length - LISTED_FAILURES} more`);
	const others = [
		applied ? `The other ${applied} item${applied === 1 ? ' was' : 's were'} applied.` : '',
		notSent ? `Nothing was sent to K2 for ${notSent} item${notSent === 1 ? '' : 's'}.` : '',
	].filter(Boolean);
	throw new NodeOperationError(ctx.getNode(), `${failures.length} of ${perItem.length} items failed: ${failures[0].error.message}`, {
		description: [
			`Failed: ${listed.join('; ')}.`,
			...others,
			'With Settings > On Error set to "Continue" (Continue On Fail), each failed item comes out as its own error item, with its reason, next to the results of the others.',
		].join(' '),
	});
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
	let held: INodeExecutionData[] | undefined;
	if (operation.executeAll) {
		const result = await operation.executeAll.call(this, items.length);
		if (Array.isArray(result)) perItem = result;
		else ({ perItem, additional, held } = result);
		// A batch has attempted every item by now: fail with all its failures, not the first one.
		if (!continueOnFail) throwBatchFailures(this, perItem);
	} else {
		const execute = operation.execute!;
		perItem = await mapConcurrent(items, readRequestsInFlight(this), async (_item, itemIndex) => {
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
	return held ? [output, held] : [output];
}
