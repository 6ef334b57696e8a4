import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MAX_MEMBERS_PER_READ, memberPatchRequests, toScimGroup } from '../../scim/group';
import { planMemberships } from '../../scim/membership';
import type { WantedGroup } from '../../scim/membership';
import type { ScimGroup, ScimUser } from '../../scim/schemas';
import { scimRequest } from '../../transport';
import { listResources } from '../../transport/paging';
import { mapConcurrent } from '../../utils/concurrency';

/** A synced user as the group step sees it. */
export interface SyncUserRef {
	/** The K2 id, or `new:<item>` for a user a dry run would create. */
	key: string;
	label: string;
	/** The groups the input lists for this user; undefined leaves its memberships alone. */
	groups?: string[];
	/** The groups K2 says the user is in now (the User's `groups` attribute). */
	currentGroupIds: Set<string>;
}

interface GroupSyncOptions {
	dryRun: boolean;
	createMissingGroups: boolean;
	requestsInFlight: number;
	existingUsers: ScimUser[];
}

const context = { resource: 'group' as const, operation: 'sync' };

/**
 * Puts the synced users in exactly the groups their items list: members added and removed
 * with batched PATCHes (at most 100 members per operation), missing groups created.
 *
 * Who is in a group now comes from the users' `groups` attribute, which is complete, because
 * a group read returns at most 100 members. A server that does not fill `groups` falls back
 * to reading each group; beyond 100 members that view is partial (reported per group).
 */
export async function syncGroups(
	ctx: IExecuteFunctions,
	refs: SyncUserRef[],
	options: GroupSyncOptions,
): Promise<IDataObject[]> {
	const managed = refs.filter((ref) => ref.groups !== undefined);
	if (!managed.length) return [];
	const labels = new Map(refs.map((ref) => [ref.key, ref.label]));
	const wanted = new Map<string, WantedGroup>();
	for (const ref of managed) {
		for (const name of ref.groups!) {
			const key = name.toLowerCase();
			if (!wanted.has(key)) wanted.set(key, { displayName: name, members: new Set() });
			wanted.get(key)!.members.add(ref.key);
		}
	}

	const groups = (await listResources(ctx, '/Groups', { excludedAttributes: 'members' }, { context })) as unknown as ScimGroup[];
	const existingGroups = new Map(
		groups.map((group) => [String(group.displayName).toLowerCase(), { id: group.id!, displayName: String(group.displayName) }]),
	);
	const currentMembers = new Map<string, Set<string>>();
	const partial = new Set<string>();
	const serverListsGroups = options.existingUsers.some((user) => Array.isArray(user.groups));
	if (serverListsGroups) {
		for (const ref of managed) {
			for (const groupId of ref.currentGroupIds) {
				if (!currentMembers.has(groupId)) currentMembers.set(groupId, new Set());
				currentMembers.get(groupId)!.add(ref.key);
			}
		}
	} else {
		await mapConcurrent([...wanted.keys()], options.requestsInFlight, async (key) => {
			const group = existingGroups.get(key);
			if (!group) return;
			const read = await scimRequest<ScimGroup>(ctx, { method: 'GET', path: `/Groups/${encodeURIComponent(group.id)}` }, {
				context: { ...context, id: group.id, displayName: group.displayName },
			});
			const members = read.members ?? [];
			if (members.length >= MAX_MEMBERS_PER_READ) partial.add(group.id);
			currentMembers.set(group.id, new Set(members.map((member) => String(member.value))));
		});
	}

	const syncUsers = new Set(managed.map((ref) => ref.key));
	const plans = planMemberships(wanted, existingGroups, currentMembers, syncUsers);
	return await mapConcurrent(plans, options.requestsInFlight, async (plan) => {
		const out: IDataObject = {
			displayName: plan.displayName,
			id: plan.groupId ?? null,
			membersAdded: plan.add.map((key) => labels.get(key) ?? key),
			membersRemoved: plan.remove.map((key) => labels.get(key) ?? key),
		};
		if (plan.groupId && partial.has(plan.groupId)) {
			out.warning = `K2 shows at most ${MAX_MEMBERS_PER_READ} members of a group and does not list users' groups: members beyond the first ${MAX_MEMBERS_PER_READ} were not checked, so removals may be incomplete`;
		}
		const changes = plan.add.length + plan.remove.length;
		if (!plan.groupId && !options.createMissingGroups) {
			return { ...out, action: 'error', error: `K2 has no group "${plan.displayName}" and Create Missing Groups is off` };
		}
		if (options.dryRun) {
			return { ...out, action: plan.groupId ? (changes ? 'update' : 'unchanged') : 'create', dryRun: true };
		}
		try {
			let groupId = plan.groupId;
			if (!groupId) {
				const created = await scimRequest<ScimGroup>(
					ctx,
					{ method: 'POST', path: '/Groups', body: toScimGroup({ displayName: plan.displayName }) as never },
					{ context: { ...context, displayName: plan.displayName } },
				);
				groupId = created.id!;
				out.id = groupId;
			}
			for (const body of memberPatchRequests(groupId, plan.add, plan.remove)) {
				await scimRequest(ctx, { method: 'PATCH', path: `/Groups/${encodeURIComponent(groupId)}`, body: body as never }, {
					context: { ...context, id: groupId, displayName: plan.displayName },
				});
			}
			return { ...out, action: plan.groupId ? (changes ? 'updated' : 'unchanged') : 'created' };
		} catch (error) {
			return { ...out, action: 'error', error: (error as Error).message };
		}
	});
}
