/**
 * What the group operations read from an item, checked before any request: the Group locator,
 * the Members field and how it names users, and Requests in Flight. Lookups are in lookup.ts.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeParameterResourceLocator } from 'n8n-workflow';

import { describeValue, idProblem, MAX_LENGTH, readIdentifier } from '../../scim/validate';
import { inputError, valueOrThrow } from '../inputError';

export type MemberReference = 'id' | 'userName';

export interface GroupTarget {
	mode: string;
	value: string;
}

/** The Group resource locator of one item; a display name is looked up later, once per name. */
export function readGroupTarget(ctx: IExecuteFunctions, itemIndex: number): GroupTarget {
	const raw = ctx.getNodeParameter('group', itemIndex) as INodeParameterResourceLocator | string;
	const locator = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : { mode: 'id', value: raw };
	const mode = String(locator.mode ?? 'id');
	const value = typeof locator.value === 'string' ? locator.value.trim() : locator.value;
	if (value === undefined || value === null || value === '') {
		throw new NodeOperationError(ctx.getNode(), 'Group is empty', {
			itemIndex,
			description: 'Pick a group from the list, or give its K2 ID or its display name. Nothing was sent to K2 for this item.',
		});
	}
	if (mode === 'displayName') {
		return { mode, value: valueOrThrow(ctx, itemIndex, 'Group (By Display Name)', readIdentifier(value, MAX_LENGTH.name)) };
	}
	// An ID goes into the URL path: `..` would be `DELETE /Groups/..`, an object `[object Object]`.
	const problem = idProblem(value);
	if (problem) throw inputError(ctx, itemIndex, mode === 'list' ? 'Group' : 'Group (By ID)', problem);
	return { mode, value: value as string };
}

/**
 * The Members field: a comma-, semicolon- or newline-separated string, or (from an expression) an
 * array of texts or of objects with `value`, `id` or `userName` (a group read's members). Trimmed,
 * empty entries dropped, duplicates once. Each entry is checked as an ID or a userName before any
 * request: a number, an object without those keys, `..` or a control character is an error.
 */
export function parseMembers(ctx: IExecuteFunctions, value: unknown, itemIndex: number, reference: MemberReference = 'id'): string[] {
	if (value !== null && typeof value === 'object' && !Array.isArray(value)) value = [value];
	if (value !== undefined && value !== null && typeof value !== 'string' && !Array.isArray(value)) {
		throw inputError(ctx, itemIndex, 'Members', `must be text or a list, got ${describeValue(value)}`);
	}
	const entries: unknown[] = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[,\n;]/) : [];
	const members: string[] = [];
	for (const [index, entry] of entries.entries()) {
		let text: unknown = entry;
		if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
			const object = entry as IDataObject;
			text = object.value ?? object.id ?? object.userName;
		}
		if (typeof text === 'string') text = reference === 'userName' ? text.normalize('NFC').trim() : text.trim();
		if (text === '' && typeof entry === 'string') continue;
		const problem = reference === 'userName' ? nameProblem(text) : idProblem(text);
		if (problem) {
			const what = reference === 'userName' ? 'userName' : 'ID';
			throw inputError(ctx, itemIndex, 'Members', `entry ${index + 1} is not a user ${what}: it ${problem}`);
		}
		members.push(text as string);
	}
	return [...new Set(members)];
}

function nameProblem(value: unknown): string | undefined {
	const read = readIdentifier(value, MAX_LENGTH.name);
	if ('problem' in read) return read.problem;
	return read.value === '' ? 'is empty' : undefined;
}

export function readMemberReference(ctx: IExecuteFunctions, itemIndex: number): MemberReference {
	return (ctx.getNodeParameter('memberReference', itemIndex, 'id') as MemberReference) ?? 'id';
}
