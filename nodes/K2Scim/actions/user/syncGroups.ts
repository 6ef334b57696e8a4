import { NodeApiError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MAX_MEMBERS_PER_READ } from '../../scim/group';
import { extraManagedKeys, groupCreateBody, groupKey, groupNameFilter, groupNamed, memberPatches, membersFromUsers, planGroupSync } from '../../scim/groupSync';
import type { GroupStep, GroupSyncUser, ManagedGroups, MemberPatch } from '../../scim/groupSync';
import type { ScimGroup, ScimUser } from '../../scim/schemas';
import { groups } from '../../transport/resources';
import { mapConcurrent } from '../../utils/concurrency';
import { unknownUserIds } from '../group/membership';
import type { SyncFailure } from './syncReport';

/** A synced user as the group step sees it. */
export interface SyncUserRef extends GroupSyncUser {
	label: string;
}

interface GroupSyncOptions {
	dryRun: boolean;
	createMissingGroups: boolean;
	managedGroups: ManagedGroups;
	requestsInFlight: number;
	existingUsers: ScimUser[];
}

export interface GroupSyncResult {
	/** One per group the input names, in the order the input first names them. */
	items: IDataObject[];
	/** Every group or membership write that failed for good, and any read that stopped a group. */
	failures: SyncFailure[];
	/** Per participant (user key): the K2 groups it is in that Sync does not manage, by name. */
	otherGroups: Map<string, string[]>;
	/** Per participant: the keys of the groups it is planned to leave (to pair group items with it). */
	removedFrom: Map<string, string[]>;
}

const context = { resource: 'group' as const, operation: 'sync' };

/**
 * Puts the synced users in exactly the groups their items list: read, plan (scim/groupSync), apply.
 *
 * Who is in a group now comes from the users' `groups` attribute, which is complete, because
 * a group read returns at most 100 members. A server that does not fill `groups` falls back
 * to reading each group; beyond 100 members that view is partial (reported per group).
 */
export async function syncGroups(ctx: IExecuteFunctions, refs: SyncUserRef[], options: GroupSyncOptions): Promise<GroupSyncResult> {
	const managed = refs.filter((ref) => ref.groups !== undefined);
	const otherGroups = new Map<string, string[]>();
	const removedFrom = new Map<string, string[]>();
	if (!managed.length) return { items: [], failures: [], otherGroups, removedFrom };
	const labels = new Map(refs.map((ref) => [ref.key, ref.label]));
	const failures: SyncFailure[] = [];

	let listed: ScimGroup[];
	try {
		listed = await groups.list(ctx, { excludedAttributes: 'members' }, { context });
	} catch (error) {
		// Without the listing no group can be planned: one failure that names every group it stopped.
		const names = [...new Set(managed.flatMap((ref) => ref.groups!))];
		const reason = `K2's groups could not be listed, so no group membership was changed: ${(error as Error).message}`;
		failures.push({ kind: 'group', name: names.join(', '), reason });
		return { items: names.map((displayName) => ({ displayName, id: null, action: 'error', error: reason })), failures, otherGroups, removedFrom };
	}
	const existingGroups = new Map(listed.map((group) => [groupKey(String(group.displayName)), { id: group.id!, displayName: String(group.displayName) }]));
	const managedKeys = new Set([...managed.flatMap((ref) => ref.groups!.map(groupKey)), ...extraManagedKeys(options.managedGroups, existingGroups)]);

	const partial = new Set<string>();
	const unreadable = new Map<string, string>();
	let currentMembers: Map<string, Set<string>>;
	if (options.existingUsers.some((user) => Array.isArray(user.groups))) {
		currentMembers = membersFromUsers(managed);
		// The groups a participant keeps because Sync does not own them: reported, never silent.
		const nameById = new Map(listed.map((group) => [String(group.id), String(group.displayName)]));
		for (const ref of managed) {
			const other = [...ref.currentGroupIds].filter((id) => !managedKeys.has(groupKey(nameById.get(id) ?? ''))).map((id) => nameById.get(id) ?? id);
			otherGroups.set(ref.key, other);
		}
	} else {
		currentMembers = new Map();
		await mapConcurrent([...managedKeys], options.requestsInFlight, async (key) => {
			const group = existingGroups.get(key);
			if (!group) return;
			try {
				const read = await groups.get(ctx, group.id, { context: { ...context, id: group.id, displayName: group.displayName } });
				const members = read.members ?? [];
				if (members.length >= MAX_MEMBERS_PER_READ) partial.add(group.id);
				currentMembers.set(group.id, new Set(members.map((member) => String(member.value))));
			} catch (error) {
				unreadable.set(group.id, (error as Error).message);
			}
		});
	}

	const steps = planGroupSync(refs, existingGroups, currentMembers, options);
	for (const step of steps) {
		for (const key of step.remove) removedFrom.set(key, [...(removedFrom.get(key) ?? []), groupKey(step.displayName)]);
	}
	// Per step, so the failures come out in the steps' order whatever order the writes finish in.
	const stepFailures: SyncFailure[][] = steps.map(() => []);
	const items = await mapConcurrent(steps, options.requestsInFlight, async (step, index) => {
		const names = (keys: string[]) => keys.map((key) => labels.get(key) ?? key);
		const out: IDataObject = { displayName: step.displayName, id: step.groupId ?? null, membersAdded: names(step.add), membersRemoved: names(step.remove) };
		if (step.groupId && partial.has(step.groupId)) {
			out.warning = `K2 shows at most ${MAX_MEMBERS_PER_READ} members of a group and does not list users' groups: members beyond the first ${MAX_MEMBERS_PER_READ} were not checked, so removals may be incomplete`;
		}
		const fail = (kind: SyncFailure['kind'], reason: string) => {
			stepFailures[index].push({ kind, name: step.displayName, reason });
			return { ...out, action: 'error', error: reason };
		};
		if (step.action === 'error') return fail('group', step.error!);
		if (step.groupId && unreadable.has(step.groupId)) {
			return fail('group', `The group could not be read, so its members were not changed: ${unreadable.get(step.groupId)}`);
		}
		if (options.dryRun) return { ...out, action: step.action, dryRun: true };
		return await applyStep(ctx, step, out, names, fail, options.requestsInFlight);
	});
	return { items, failures: [...failures, ...stepFailures.flat()], otherGroups, removedFrom };
}

/** Creates the group if needed, then sends every PATCH; a PATCH that fails does not stop the others. */
async function applyStep(
	ctx: IExecuteFunctions,
	step: GroupStep,
	out: IDataObject,
	names: (keys: string[]) => string[],
	fail: (kind: SyncFailure['kind'], reason: string) => IDataObject,
	requestsInFlight: number,
): Promise<IDataObject> {
	let groupId = step.groupId;
	if (!groupId) {
		try {
			const created = await groups.create(ctx, groupCreateBody(step.displayName), {
				context: { ...context, displayName: step.displayName },
				// A create whose answer was lost may have landed: look the group up before any re-send.
				findExisting: async () => await findGroup(ctx, step.displayName),
			});
			groupId = created.id!;
			out.id = groupId;
		} catch (error) {
			return fail('group', `The group could not be created, so its ${step.add.length} member(s) were not added: ${(error as Error).message}`);
		}
	}
	const notAdded: string[] = [];
	const notRemoved: string[] = [];
	const reasons: string[] = [];
	const send = async (patch: MemberPatch) =>
		await groups.patch(ctx, groupId, patch.body, { context: { ...context, id: groupId, displayName: step.displayName } });
	for (const patch of step.patches) {
		try {
			await send(patch);
		} catch (error) {
			// K2 refuses a whole add when one member no longer exists (deleted since Sync's listing):
			// that member is dropped and reported, and the others are sent again.
			const vanished = patch.add.length && isBadRequest(error) ? await unknownUserIds(ctx, patch.add, requestsInFlight) : [];
			if (vanished.length) {
				notAdded.push(...vanished);
				reasons.push(`${vanished.length} member(s) no longer exist in K2 (deleted since Sync listed the users)`);
				for (const retry of memberPatches(groupId, patch.add.filter((key) => !vanished.includes(key)), patch.remove)) {
					try {
						await send(retry);
					} catch (retryError) {
						notAdded.push(...retry.add);
						notRemoved.push(...retry.remove);
						reasons.push((retryError as Error).message);
					}
				}
				continue;
			}
			notAdded.push(...patch.add);
			notRemoved.push(...patch.remove);
			reasons.push((error as Error).message);
		}
	}
	const action = !step.groupId ? 'created' : step.patches.length ? 'updated' : 'unchanged';
	if (!reasons.length) return { ...out, action };
	// Report only what K2 really holds now: the members of the PATCHes that failed are not in the lists.
	out.membersAdded = names(step.add.filter((key) => !notAdded.includes(key)));
	out.membersRemoved = names(step.remove.filter((key) => !notRemoved.includes(key)));
	out.membersNotAdded = names(notAdded);
	out.membersNotRemoved = names(notRemoved);
	const what = [notAdded.length ? `${notAdded.length} member(s) not added` : '', notRemoved.length ? `${notRemoved.length} member(s) not removed` : '']
		.filter(Boolean)
		.join(', ');
	return fail('membership', `${what}: ${[...new Set(reasons)].join('; ')}`);
}

function isBadRequest(error: unknown): boolean {
	return error instanceof NodeApiError && error.httpCode === '400';
}

async function findGroup(ctx: IExecuteFunctions, displayName: string): Promise<ScimGroup | undefined> {
	const found = await groups.find(ctx, groupNameFilter(displayName), { excludedAttributes: 'members', count: 2 }, {
		context: { ...context, displayName },
	});
	return groupNamed(found, displayName);
}
