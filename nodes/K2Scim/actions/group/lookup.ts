/**
 * Resolving display names and userNames to K2 resources with one lookup per distinct name, before
 * any write is sent, and an item's member references to IDs.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { eq } from '../../scim/filter';
import { identifierKey, normalizeIdentifier } from '../../scim/identity';
import type { ScimErrorContext } from '../../scim/error';
import { listItems } from '../../scim/list';
import type { ScimListResponse } from '../../scim/schemas';
import type { ScimContext, ScimRequestOptions } from '../../transport';
import { groups, users } from '../../transport/resources';
import type { FindQuery, Group, PageQuery, User } from '../../transport/resources';
import { mapConcurrent } from '../../utils/concurrency';
import { unknownGroupError, unknownUsersError } from './memberErrors';
import { readGroupTarget } from './members';
import type { MemberReference } from './members';

/** userName and displayName comparisons in K2 are not case-sensitive. */
export const nameKey = (name: string): string => identifierKey('displayName', name) ?? '';

export type Lookup<T> = Map<string, T | undefined | Error>;

/**
 * Looks each distinct name up once (`attribute eq "name"`), with `inFlight` requests at a time.
 * A lookup that fails is recorded for the items that need it instead of failing them all.
 */
async function lookupByName<T extends User | Group>(
	ctx: ScimContext,
	page: (ctx: ScimContext, query: PageQuery, options: ScimRequestOptions) => Promise<ScimListResponse<T>>,
	attribute: 'userName' | 'displayName',
	names: Iterable<string>,
	inFlight: number,
	contextOf: (name: string) => ScimErrorContext,
	query: FindQuery = {},
): Promise<Lookup<T>> {
	const distinct = new Map<string, string>();
	for (const name of names) if (!distinct.has(nameKey(name))) distinct.set(nameKey(name), name);
	const found: Lookup<T> = new Map();
	await mapConcurrent([...distinct], inFlight, async ([key, name]) => {
		try {
			// K2's `eq` compares code points: a name stored in NFD (a macOS export) is found only by its
			// NFD spelling, so both are asked when they differ.
			const nfc = normalizeIdentifier(name);
			const spellings = nfc.normalize('NFD') === nfc ? [nfc] : [nfc, nfc.normalize('NFD')];
			const responses = [];
			for (const spelling of spellings) responses.push(await page(ctx, { filter: eq(attribute, spelling), ...query }, { context: contextOf(name) }));
			// Servers may match case-insensitively and return more than one: prefer the exact spelling.
			const matches = responses.flatMap((response) => listItems<T>(response)).filter((r) => typeof r[attribute] === 'string' && nameKey(r[attribute] as string) === key);
			found.set(key, matches.find((r) => r[attribute] === name) ?? matches[0]);
		} catch (error) {
			found.set(key, error as Error);
		}
	});
	return found;
}

/** Errors name a user lookup a user "get", whichever operation needs it. */
export async function lookupUsers(ctx: ScimContext, userNames: Iterable<string>, inFlight: number) {
	return await lookupByName(ctx, users.page, 'userName', userNames, inFlight, (userName) => ({ resource: 'user', operation: 'get', userName }));
}

export async function lookupGroups(
	ctx: ScimContext,
	displayNames: Iterable<string>,
	inFlight: number,
	operation: string,
	withMembers = false,
) {
	// Members are left out where they are not needed: up to 100 per group make the answer large.
	return await lookupByName(
		ctx,
		groups.page,
		'displayName',
		displayNames,
		inFlight,
		(displayName) => ({ resource: 'group', operation, displayName }),
		withMembers ? {} : { excludedAttributes: 'members' },
	);
}

/**
 * Resolves an item's member references to user IDs. Returns the IDs, or the error naming every
 * unknown userName of the item.
 */
export function memberIds(
	ctx: IExecuteFunctions,
	reference: MemberReference,
	members: string[],
	users: Lookup<User>,
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
): Promise<Group | undefined> {
	const found = (await lookupGroups(ctx, [displayName], 1, operation, true)).get(nameKey(displayName));
	if (found instanceof Error) throw found;
	return found;
}
