import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeProperties, INodeParameterResourceLocator } from 'n8n-workflow';

import { eq } from '../../scim/filter';
import { identifierKey } from '../../scim/identity';
import { EMPLOYEE_NUMBER_PATH, employeeNumberOf } from '../../scim/managerRef';
import { idProblem, MAX_LENGTH, readIdentifier } from '../../scim/validate';
import { inputError, valueOrThrow } from '../inputError';
import type { ScimContext } from '../../transport';
import { users } from '../../transport/resources';
import type { User } from '../../transport/resources';

/** "User": pick from a searchable list, paste a K2 SCIM ID, or give a userName. */
export function userLocator(operations: string[]): INodeProperties {
	return {
		displayName: 'User',
		name: 'user',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The K2 user to act on',
		displayOptions: { show: { resource: ['user'], operation: operations } },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchUsers', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 2819c223-7f76-453a-919d-413861904646',
			},
			{
				displayName: 'By Username',
				name: 'userName',
				type: 'string',
				placeholder: 'e.g. jane.doe@example.com',
			},
		],
	};
}

/** The one user whose `attribute` equals `value` (SCIM filter, value escaped), if any. */
export async function findUser(
	ctx: ScimContext,
	attribute: 'userName' | 'externalId' | 'id',
	value: string,
	operation: string,
	itemIndex?: number,
): Promise<User | undefined> {
	return (await findUsers(ctx, attribute, value, operation, itemIndex))[0];
}

/**
 * The users (at most 2: enough to tell "one" from "ambiguous") whose `attribute` equals `value`
 * in normal form (scim/identity.ts). Only users whose attribute really is the value: a server that
 * matched loosely (another case of an externalId, a partial match) must not hand this item
 * another person's ID.
 */
export async function findUsers(
	ctx: ScimContext,
	attribute: 'userName' | 'externalId' | 'id' | 'employeeNumber',
	value: string,
	operation: string,
	itemIndex?: number,
): Promise<User[]> {
	// employeeNumber lives in the enterprise extension: filtered and read by its full path.
	const path = attribute === 'employeeNumber' ? EMPLOYEE_NUMBER_PATH : attribute;
	const valueOf = (user: User) => (attribute === 'employeeNumber' ? employeeNumberOf(user) : user[attribute]);
	const lookup = async (spelling: string) =>
		await users.find(ctx, eq(path, spelling), { count: 2 }, {
			context: { resource: 'user', operation, userName: attribute === 'userName' ? spelling : undefined },
			itemIndex,
		});
	if (attribute === 'id') return (await lookup(value)).filter((user) => user.id === value);
	// K2's `eq` compares code points: a user stored in NFD (a macOS export) is found only by its NFD
	// spelling. Both are asked when they differ, so the lookup sees what Sync's listing sees.
	const nfc = value.normalize('NFC').trim();
	const nfd = nfc.normalize('NFD');
	const found = nfd === nfc ? await lookup(nfc) : [...(await lookup(nfc)), ...(await lookup(nfd))];
	const wanted = identifierKey(attribute, value);
	const matches = found.filter((user) => identifierKey(attribute, valueOf(user)) === wanted);
	return matches.filter((user, index) => matches.findIndex((other) => other.id === user.id) === index);
}

export interface LocatedUser {
	id: string;
	/** Set when finding the ID already fetched the user (By Username). */
	user?: User;
	label: string;
}

/**
 * The "User" locator of one item, checked before any request: an ID goes into the URL path, so
 * `.`, `..`, an empty value or an object (`[object Object]`) never reach K2.
 */
export function readUserLocator(ctx: IExecuteFunctions, itemIndex: number): { mode: string; value: string } {
	const raw = ctx.getNodeParameter('user', itemIndex) as INodeParameterResourceLocator | string;
	const locator = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : { mode: 'id', value: raw };
	const mode = String(locator.mode ?? 'id');
	const value = typeof locator.value === 'string' ? locator.value.trim() : locator.value;
	if (value === undefined || value === null || value === '') {
		throw new NodeOperationError(ctx.getNode(), 'User is empty: choose one, or enter its ID or username', {
			itemIndex,
			description: `Fix "User" for input item ${itemIndex} and run again. Nothing was sent to K2 for this item.`,
		});
	}
	if (mode === 'userName') {
		return { mode, value: valueOrThrow(ctx, itemIndex, 'User (By Username)', readIdentifier(value, MAX_LENGTH.name)) };
	}
	const problem = idProblem(value);
	if (problem) throw inputError(ctx, itemIndex, mode === 'list' ? 'User' : 'User (By ID)', problem);
	return { mode, value: value as string };
}

/** Resolves the "User" locator of one item to a K2 SCIM ID; By Username costs one lookup. */
export async function locateUser(
	ctx: IExecuteFunctions,
	itemIndex: number,
	operation: string,
): Promise<LocatedUser> {
	const { mode, value } = readUserLocator(ctx, itemIndex);
	if (mode !== 'userName') return { id: value, label: value };
	const user = await findUser(ctx, 'userName', value, operation, itemIndex);
	if (!user?.id) {
		throw new NodeOperationError(ctx.getNode(), `No K2 user has the username "${value}"`, {
			itemIndex,
			description:
				'Check the spelling, or use User > Get Many to list users. Nothing was changed in K2 for this item.',
		});
	}
	return { id: user.id, user, label: value };
}
