/**
 * What the member operations share: reading the Group locator and the Members field of an item,
 * and resolving display names and userNames to K2 IDs with one lookup per distinct name, before
 * any write is sent.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeParameterResourceLocator } from 'n8n-workflow';

import { eq } from '../../scim/filter';
import { describeValue, idProblem, MAX_LENGTH, readText, readWholeNumber } from '../../scim/validate';
import { inputError, valueOrThrow } from '../inputError';
import { listItems } from '../../scim/list';
import type { ScimGroup, ScimListResponse, ScimUser } from '../../scim/schemas';
import { scimRequest } from '../../transport';
import type { ScimContext } from '../../transport';
import { mapConcurrent } from '../../utils/concurrency';
import { DEFAULT_REQUESTS_IN_FLIGHT } from '../constants';

// The field's maxValue (common.fields.ts): more would only queue at K2.
const MAX_REQUESTS_IN_FLIGHT = 16;

export type MemberReference = 'id' | 'userName';

export interface GroupTarget {
	mode: string;
	value: string;
}

/** Options > Requests in Flight, read once for the run: a wrong value fails the run, before any request. */
export function readRequestsInFlight(ctx: IExecuteFunctions): number {
	const value = ctx.getNodeParameter('options.requestsInFlight', 0, DEFAULT_REQUESTS_IN_FLIGHT);
	const read = readWholeNumber(value, 1, MAX_REQUESTS_IN_FLIGHT);
	if ('problem' in read) {
		throw new NodeOperationError(ctx.getNode(), `Requests in Flight ${read.problem}`, {
			description: 'Set Options > Requests in Flight to a whole number from 1 to 16. Nothing was sent to K2.',
		});
	}
	return read.value;
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
		return { mode, value: valueOrThrow(ctx, itemIndex, 'Group (By Display Name)', readText(value, MAX_LENGTH.name)) };
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
		if (typeof text === 'string') text = text.trim();
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
	const read = readText(value, MAX_LENGTH.name);
	if ('problem' in read) return read.problem;
	return read.value === '' ? 'is empty' : undefined;
}

export function readMemberReference(ctx: IExecuteFunctions, itemIndex: number): MemberReference {
	return (ctx.getNodeParameter('memberReference', itemIndex, 'id') as MemberReference) ?? 'id';
}

/** userName and displayName comparisons in K2 are not case-sensitive. */
export const nameKey = (name: string): string => name.toLowerCase();

export type Lookup<T> = Map<string, T | undefined | Error>;

/**
 * Looks each distinct name up once (`attribute eq "name"`), with `inFlight` requests at a time.
 * A lookup that fails is recorded for the items that need it instead of failing them all.
 */
async function lookupByName<T extends IDataObject>(
	ctx: ScimContext,
	path: '/Users' | '/Groups',
	attribute: 'userName' | 'displayName',
	names: Iterable<string>,
	inFlight: number,
	operation: string,
	qs: IDataObject = {},
): Promise<Lookup<T>> {
	const distinct = new Map<string, string>();
	for (const name of names) if (!distinct.has(nameKey(name))) distinct.set(nameKey(name), name);
	const found: Lookup<T> = new Map();
	await mapConcurrent([...distinct], inFlight, async ([key, name]) => {
		try {
			const response = await scimRequest<ScimListResponse<T>>(
				ctx,
				{ method: 'GET', path, qs: { filter: eq(attribute, name), ...qs } },
				{
					context:
						path === '/Users'
							? { resource: 'user', operation: 'get', userName: name }
							: { resource: 'group', operation, displayName: name },
				},
			);
			// Servers may match case-insensitively and return more than one: prefer the exact spelling.
			const matches = listItems<T>(response).filter((r) => typeof r[attribute] === 'string' && nameKey(r[attribute] as string) === key);
			found.set(key, matches.find((r) => r[attribute] === name) ?? matches[0]);
		} catch (error) {
			found.set(key, error as Error);
		}
	});
	return found;
}

export async function lookupUsers(ctx: ScimContext, userNames: Iterable<string>, inFlight: number, operation: string) {
	return await lookupByName<ScimUser & IDataObject>(ctx, '/Users', 'userName', userNames, inFlight, operation);
}

export async function lookupGroups(
	ctx: ScimContext,
	displayNames: Iterable<string>,
	inFlight: number,
	operation: string,
	withMembers = false,
) {
	// Members are left out where they are not needed: up to 100 per group make the answer large.
	return await lookupByName<ScimGroup & IDataObject>(
		ctx,
		'/Groups',
		'displayName',
		displayNames,
		inFlight,
		operation,
		withMembers ? {} : { excludedAttributes: 'members' },
	);
}

export function unknownUsersError(ctx: IExecuteFunctions, userNames: string[], itemIndex: number): NodeOperationError {
	const list = userNames.map((n) => `"${n}"`).join(', ');
	return new NodeOperationError(
		ctx.getNode(),
		userNames.length === 1 ? `No K2 user with userName ${list}` : `No K2 users with userNames ${list}`,
		{
			itemIndex,
			description:
				'Members must exist in K2 before they can be added to a group. Check the spelling, or create the user first (User > Create). Nothing was changed for this item.',
		},
	);
}

export function unknownUserIdsError(ctx: IExecuteFunctions, ids: string[], itemIndex: number): NodeOperationError {
	const list = ids.map((n) => `"${n}"`).join(', ');
	return new NodeOperationError(ctx.getNode(), ids.length === 1 ? `No K2 user with ID ${list}` : `No K2 users with IDs ${list}`, {
		itemIndex,
		description:
			'K2 refused these members because it has no user with these IDs. Check the IDs, or identify members by username instead. Nothing was changed for this item.',
	});
}

export function unknownGroupError(ctx: IExecuteFunctions, displayName: string, itemIndex: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `No K2 group named "${displayName}"`, {
		itemIndex,
		description:
			'Check the display name, or pick the group from the list. Use Group > Create or Update to create a group when it does not exist.',
	});
}

/**
 * Resolves an item's member references to user IDs. Returns the IDs, or the error naming every
 * unknown userName of the item.
 */
export function memberIds(
	ctx: IExecuteFunctions,
	reference: MemberReference,
	members: string[],
	users: Lookup<IDataObject>,
	itemIndex: number,
): string[] | Error {
	if (reference !== 'userName') return members;
	const ids: string[] = [];
	const unknown: string[] = [];
	for (const userName of members) {
		const found = users.get(nameKey(userName));
		if (found instanceof Error) return found;
		if (!found?.id) unknown.push(userName);
		else ids.push(String(found.id));
	}
	return unknown.length ? unknownUsersError(ctx, unknown, itemIndex) : ids;
}

/** The K2 ID of one item's group; a display name costs one lookup. */
export async function resolveGroup(
	ctx: IExecuteFunctions,
	itemIndex: number,
	operation: string,
): Promise<{ id: string; displayName?: string }> {
	const target = readGroupTarget(ctx, itemIndex);
	if (target.mode !== 'displayName') return { id: target.value };
	const found = (await lookupGroups(ctx, [target.value], 1, operation)).get(nameKey(target.value));
	if (found instanceof Error) throw found;
	if (!found?.id) throw unknownGroupError(ctx, target.value, itemIndex);
	return { id: String(found.id), displayName: found.displayName };
}

/** Finds a group by exact display name (for create retries and Create or Update). */
export async function findGroupByDisplayName(
	ctx: ScimContext,
	displayName: string,
	operation: string,
): Promise<(ScimGroup & IDataObject) | undefined> {
	const found = (await lookupGroups(ctx, [displayName], 1, operation, true)).get(nameKey(displayName));
	if (found instanceof Error) throw found;
	return found;
}
