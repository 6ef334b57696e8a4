import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions } from 'n8n-workflow';

import type { Read } from '../scim/validate';

/**
 * The error for a field refused before any request: `label` is the field as the UI names it,
 * `problem` the reason from a check in scim/ (e.g. `is empty`).
 */
export function inputError(ctx: IExecuteFunctions, itemIndex: number, label: string, problem: string): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `${label} ${problem}`, {
		itemIndex,
		description: `Fix "${label}" for input item ${itemIndex} and run again. Nothing was sent to K2 for this item.`,
	});
}

/** The value a check read, or the error naming the field. */
export function valueOrThrow<T>(ctx: IExecuteFunctions, itemIndex: number, label: string, read: Read<T>): T {
	if ('problem' in read) throw inputError(ctx, itemIndex, label, read.problem);
	return read.value;
}
