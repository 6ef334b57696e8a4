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
 * @param wanted groups by lower-cased displayName
 * @param existingGroups K2 groups by lower-cased displayName
 * @param currentMembers K2 group id -> the sync users currently in it
 * @param syncUsers every sync user key: the only users this plan may remove
 */
export function planMemberships(
	wanted: Map<string, WantedGroup>,
	existingGroups: Map<string, { id: string; displayName: string }>,
	currentMembers: Map<string, Set<string>>,
	syncUsers: Set<string>,
): MembershipPlan[] {
	const plans: MembershipPlan[] = [];
	for (const [key, group] of wanted) {
		const existing = existingGroups.get(key);
		const current = existing ? (currentMembers.get(existing.id) ?? new Set<string>()) : new Set<string>();
		const add = [...group.members].filter((member) => !current.has(member));
		const remove = [...current].filter((member) => syncUsers.has(member) && !group.members.has(member));
		plans.push({ displayName: existing?.displayName ?? group.displayName, groupId: existing?.id, add, remove });
	}
	return plans;
}
