/**
 * Group memberships for a sync: which members to add to and remove from each group named in
 * the input. Pure: the caller supplies who is in each group now.
 *
 * Only users taking part in the sync are ever removed: a group may also hold members that
 * another source manages (admins, service accounts).
 */

export interface WantedGroup {
	displayName: string;
	/** Sync user keys (ids, or placeholders for users a dry run would create) that list this group. */
	members: Set<string>;
}

export interface MembershipPlan {
	displayName: string;
	/** Undefined when the group does not exist yet. */
	groupId?: string;
	add: string[];
	remove: string[];
}

/**
 * @param wanted groups by displayName key (scim/identity.ts)
 * @param existingGroups K2 groups by displayName key
 * @param currentMembers K2 group id -> the sync users currently in it
 * @param syncUsers every sync user key: the only users this plan may remove
 * @param alsoManaged keys of K2 groups managed although no item names them (Managed Groups: all, or
 *   a list): sync users in them are removed; such a group appears in the plan only when it has removals
 */
export function planMemberships(
	wanted: Map<string, WantedGroup>,
	existingGroups: Map<string, { id: string; displayName: string }>,
	currentMembers: Map<string, Set<string>>,
	syncUsers: Set<string>,
	alsoManaged: Iterable<string> = [],
): MembershipPlan[] {
	const plans: MembershipPlan[] = [];
	for (const key of alsoManaged) {
		const existing = existingGroups.get(key);
		if (wanted.has(key) || !existing) continue;
		const remove = [...(currentMembers.get(existing.id) ?? [])].filter((member) => syncUsers.has(member));
		if (remove.length) plans.push({ displayName: existing.displayName, groupId: existing.id, add: [], remove });
	}
	for (const [key, group] of wanted) {
		const existing = existingGroups.get(key);
		const current = existing ? (currentMembers.get(existing.id) ?? new Set<string>()) : new Set<string>();
		const add = [...group.members].filter((member) => !current.has(member));
		const remove = [...current].filter((member) => syncUsers.has(member) && !group.members.has(member));
		plans.push({ displayName: existing?.displayName ?? group.displayName, groupId: existing?.id, add, remove });
	}
	return plans;
}
