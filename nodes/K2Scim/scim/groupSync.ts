/**
 * Sync's group step, planned before any group write: which groups to create, which members to
 * add and remove, and in which PATCHes. Pure, so each rule is tested alone; the node only sends
 * the steps and reports each one that fails.
 */
import { eq } from './filter';
import { memberPatchRequests, toScimGroup } from './group';
import { identifierKey, normalizeIdentifier } from './identity';
import { planMemberships } from './membership';
import type { WantedGroup } from './membership';
import { MAX_MEMBERS_PER_OPERATION } from './schemas';
import type { PatchRequest, ScimGroup } from './schemas';

/** A synced user as the group step sees it. */
export interface GroupSyncUser {
	/** The K2 id (or a placeholder for a user a dry run would create). */
	key: string;
	/** The groups its input item lists; undefined leaves its memberships alone. */
	groups?: string[];
	/** The K2 group ids it is in now (from the User's `groups` attribute). */
	currentGroupIds: Set<string>;
}

/** One PATCH and the members it carries, so a PATCH that fails names exactly what was not applied. */
export interface MemberPatch {
	body: PatchRequest;
	add: string[];
	remove: string[];
}

export interface GroupStep {
	displayName: string;
	/** Undefined when the group must be created first. */
	groupId?: string;
	/** 'error': K2 lacks the group and creating groups is off. */
	action: 'create' | 'update' | 'unchanged' | 'error';
	error?: string;
	add: string[];
	remove: string[];
	/** Applied in order, each independent of the others: re-sending one is safe (add and remove are idempotent). */
	patches: MemberPatch[];
}

/**
 * Which groups Sync owns: the groups the input names (`named`), every K2 group (`all`), or a
 * list of names (plus the groups the input names, which its items ask for explicitly). Within
 * them a participant ends up in exactly its item's groups; outside them nothing is touched.
 */
export type ManagedGroups = { mode: 'named' } | { mode: 'all' } | { mode: 'list'; names: string[] };

/** The key a group name is compared by: normal form, without case (scim/identity.ts). */
export function groupKey(displayName: string): string {
	return identifierKey('displayName', displayName) ?? '';
}

/** The groups the users' items name, by displayName key (K2 compares names case-insensitively). */
export function wantedGroups(users: readonly GroupSyncUser[]): Map<string, WantedGroup> {
	const wanted = new Map<string, WantedGroup>();
	for (const user of users) {
		for (const name of user.groups ?? []) {
			const key = groupKey(name);
			if (!wanted.has(key)) wanted.set(key, { displayName: normalizeIdentifier(name), members: new Set() });
			wanted.get(key)!.members.add(user.key);
		}
	}
	return wanted;
}

/** Who is in each group now, as the users' `groups` attribute says (complete, unlike a group read). */
export function membersFromUsers(users: readonly GroupSyncUser[]): Map<string, Set<string>> {
	const members = new Map<string, Set<string>>();
	for (const user of users) {
		for (const groupId of user.currentGroupIds) {
			if (!members.has(groupId)) members.set(groupId, new Set());
			members.get(groupId)!.add(user.key);
		}
	}
	return members;
}

/** PATCHes of at most MAX_MEMBERS_PER_OPERATION members per operation, each with the members it carries. */
export function memberPatches(groupId: string | undefined, add: readonly string[], remove: readonly string[]): MemberPatch[] {
	const patches: MemberPatch[] = [];
	const size = MAX_MEMBERS_PER_OPERATION;
	for (let i = 0; i < Math.max(add.length, remove.length); i += size) {
		const addChunk = add.slice(i, i + size);
		const removeChunk = remove.slice(i, i + size);
		// Chunks within the caps give exactly one request; an empty result (only the group itself) is skipped.
		for (const body of memberPatchRequests(groupId, addChunk, removeChunk)) {
			if (body.Operations.length) patches.push({ body, add: addChunk.filter((id) => id !== groupId), remove: removeChunk.filter((id) => id !== groupId) });
		}
	}
	return patches;
}

/** The keys of the K2 groups managed beyond the ones the input names. */
export function extraManagedKeys(managedGroups: ManagedGroups, existingGroups: Map<string, unknown>): string[] {
	if (managedGroups.mode === 'all') return [...existingGroups.keys()];
	if (managedGroups.mode === 'list') return managedGroups.names.map(groupKey);
	return [];
}

/**
 * @param users every synced user (only participants, users whose item lists groups, are ever removed from a group)
 * @param existingGroups K2's groups by displayName key
 * @param currentMembers K2 group id -> the synced users in it now
 */
export function planGroupSync(
	users: readonly GroupSyncUser[],
	existingGroups: Map<string, { id: string; displayName: string }>,
	currentMembers: Map<string, Set<string>>,
	options: { createMissingGroups: boolean; managedGroups?: ManagedGroups },
): GroupStep[] {
	const managed = users.filter((user) => user.groups !== undefined);
	const syncUsers = new Set(managed.map((user) => user.key));
	const extra = extraManagedKeys(options.managedGroups ?? { mode: 'named' }, existingGroups);
	return planMemberships(wantedGroups(managed), existingGroups, currentMembers, syncUsers, extra).map((plan): GroupStep => {
		const step = { displayName: plan.displayName, groupId: plan.groupId, add: plan.add, remove: plan.remove };
		if (!plan.groupId && !options.createMissingGroups) {
			return { ...step, action: 'error', error: `K2 has no group "${plan.displayName}" and Create Missing Groups is off`, patches: [] };
		}
		const patches = memberPatches(plan.groupId, plan.add, plan.remove);
		const action = !plan.groupId ? 'create' : patches.length ? 'update' : 'unchanged';
		return { ...step, action, patches };
	});
}

/** The body that creates a group: no members, they follow in PATCHes of at most 100. */
export function groupCreateBody(displayName: string): ScimGroup {
	return toScimGroup({ displayName });
}

/** The filter that finds a group by name: before re-sending a create whose answer was lost. */
export function groupNameFilter(displayName: string): string {
	return eq('displayName', displayName);
}

/** The group a lookup by name found, compared as K2 compares names (normal form, without case). */
export function groupNamed(resources: readonly ScimGroup[] | undefined, displayName: string): ScimGroup | undefined {
	const wanted = groupKey(displayName);
	return (resources ?? []).find((group) => typeof group.displayName === 'string' && groupKey(group.displayName) === wanted && group.id);
}
