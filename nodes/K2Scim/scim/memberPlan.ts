/**
 * Planning group member changes (Add Members, Remove Members, Group Create and Create or Update):
 * read who is a member, plan which IDs change and in which PATCH requests, and, after the requests,
 * say per input item exactly what changed. Pure: the actions layer sends the requests.
 *
 * Each planned PATCH carries the IDs it touches, so a failure is traced to its IDs without
 * parsing PATCH paths back.
 */
import { escapeFilterValue } from './filter';
import { MAX_MEMBERS_PER_OPERATION, PATCH_OP_SCHEMA } from './schemas';
import type { PatchOperation, PatchRequest } from './schemas';

export type MemberChangeKind = 'add' | 'remove';

/** What is known of a group's members before the change. */
export interface CurrentMembers {
	/** IDs known to be members. */
	members: ReadonlySet<string>;
	/** True when `members` is all of them (a group read below K2's cap of 100 members). */
	complete: boolean;
	/** IDs known not to be members (checked one by one when the read was cut). */
	notMembers?: ReadonlySet<string>;
}

/** Whether `id` is a member: true, false, or undefined when K2 did not show it. */
export function isMember(current: CurrentMembers, id: string): boolean | undefined {
	if (current.members.has(id)) return true;
	if (current.complete || current.notMembers?.has(id)) return false;
	return undefined;
}

/** A PATCH request and the member IDs it adds or removes. */
export interface MemberPatch {
	ids: string[];
	request: PatchRequest;
}

/** One input item's share of a change. */
export interface ItemMemberChange {
	itemIndex: number;
	/** IDs this item changes (added: were not members; removed: were members). */
	change: string[];
	/** IDs already in the wanted state (already members / not members): nothing sent for them. */
	unchanged: string[];
	/** IDs whose state K2 did not show (a group of more than 100 members): sent, since add and remove are idempotent. */
	unverified: string[];
}

export interface MemberChangePlan {
	items: ItemMemberChange[];
	patches: MemberPatch[];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
	const result: T[][] = [];
	for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
	return result;
}

/** The RFC's way to remove one member: a value filter on `members`. */
function removeOperation(id: string): PatchOperation {
	return { op: 'remove', path: `members[value eq "${escapeFilterValue(id)}"]` };
}

/**
 * PATCH requests for one kind of change, each touching at most MAX_MEMBERS_PER_OPERATION members:
 * one `add` operation carrying up to 100 values, or up to 100 `remove` operations.
 */
export function memberPatches(kind: MemberChangeKind, ids: readonly string[]): MemberPatch[] {
	return chunks([...new Set(ids)], MAX_MEMBERS_PER_OPERATION).map((chunk) => ({
		ids: chunk,
		request: {
			schemas: [PATCH_OP_SCHEMA],
			Operations: kind === 'add' ? [{ op: 'add', path: 'members', value: chunk.map((value) => ({ value })) }] : chunk.map(removeOperation),
		},
	}));
}

/**
 * Plans the items that target one group, as if they ran one after another: an ID the first item
 * adds is already a member for the second. IDs already in the wanted state are not sent.
 * The caller has refused the group's own ID (a group cannot be its own member).
 */
export function planMemberChange(
	kind: MemberChangeKind,
	current: CurrentMembers,
	items: ReadonlyArray<{ itemIndex: number; ids: readonly string[] }>,
	/** IDs known to name no user: never sent (the caller reports them as failed). */
	unknownUsers: ReadonlySet<string> = new Set(),
): MemberChangePlan {
	const decided = new Map<string, boolean>();
	const sent: string[] = [];
	const planned: ItemMemberChange[] = [];
	for (const item of items) {
		const result: ItemMemberChange = { itemIndex: item.itemIndex, change: [], unchanged: [], unverified: [] };
		for (const id of new Set(item.ids)) {
			const wanted = kind === 'add';
			// A user that does not exist is no member: adding it changes (and fails), removing it does not.
			const state = decided.has(id) ? decided.get(id) : unknownUsers.has(id) ? false : isMember(current, id);
			if (state === wanted) result.unchanged.push(id);
			else if (state === undefined) result.unverified.push(id);
			else result.change.push(id);
			if (state !== wanted && !decided.has(id) && !unknownUsers.has(id)) sent.push(id);
			decided.set(id, wanted);
		}
		planned.push(result);
	}
	return { items: planned, patches: memberPatches(kind, sent) };
}

/** Why one ID was not applied: K2 has no such user, or the request carrying it failed. */
export type MemberFailure = { reason: 'unknownUser' } | { reason: 'requestFailed'; error: Error };

export interface ItemMemberOutcome extends ItemMemberChange {
	/** The item's IDs that were not applied, with why. Empty when the item fully succeeded. */
	failed: Array<{ id: string; failure: MemberFailure }>;
}

/**
 * After the PATCHes: each item's outcome, with the IDs that failed taken out of what it changed.
 * An ID an earlier item changed and a later one found unchanged fails for both, since neither
 * state holds.
 */
export function memberChangeOutcomes(plan: MemberChangePlan, failed: ReadonlyMap<string, MemberFailure>): ItemMemberOutcome[] {
	return plan.items.map((item) => {
		const failures: ItemMemberOutcome['failed'] = [];
		const keep = (ids: string[]) =>
			ids.filter((id) => {
				const failure = failed.get(id);
				if (failure) failures.push({ id, failure });
				return !failure;
			});
		const change = keep(item.change);
		const unverified = keep(item.unverified);
		const unchanged = keep(item.unchanged);
		return { ...item, change, unverified, unchanged, failed: failures };
	});
}

/** A filter matching the users with these IDs (`id eq "a" or id eq "b" ...`), for bounded lookups. */
export function usersByIdFilter(ids: readonly string[]): string {
	return ids.map((id) => `id eq "${escapeFilterValue(id)}"`).join(' or ');
}

/** IDs per lookup: 50 `id eq` terms keep the URL near 3 kB, under common limits of 8 kB. */
export const IDS_PER_LOOKUP = 50;

export function lookupChunks(ids: readonly string[]): string[][] {
	return chunks([...new Set(ids)], IDS_PER_LOOKUP);
}

/** A user as a lookup by ID returns it: `groups` is read-only and not every server fills it. */
export interface LookedUpUser {
	id?: unknown;
	groups?: unknown;
}

/**
 * What a lookup of users by ID tells about `ids` and one group: who does not exist, and, when
 * the server lists users' groups, who is or is not a member. Whether it lists them is read from
 * the answer: the caller includes a known member (the probe), whose `groups` names the group.
 */
export function readUserLookup(
	groupId: string,
	ids: readonly string[],
	users: readonly LookedUpUser[],
): { unknownUsers: string[]; members: string[]; notMembers: string[] } {
	const byId = new Map(users.filter((u) => typeof u.id === 'string').map((u) => [u.id as string, u]));
	const listsGroups = users.some((u) => Array.isArray(u.groups));
	const result = { unknownUsers: [] as string[], members: [] as string[], notMembers: [] as string[] };
	for (const id of ids) {
		const user = byId.get(id);
		if (!user) {
			result.unknownUsers.push(id);
			continue;
		}
		// A server that lists groups leaves the attribute out for a user in none.
		const groups = Array.isArray(user.groups) ? (user.groups as Array<{ value?: unknown }>) : listsGroups ? [] : undefined;
		if (groups === undefined) continue;
		(groups.some((g) => g?.value === groupId) ? result.members : result.notMembers).push(id);
	}
	return result;
}
