/**
 * Add Members and Remove Members: every input item that targets the same group goes out in the
 * same PATCH requests (at most 100 members per operation), and each item still gets its own
 * result, saying exactly what changed. Read, plan (scim/memberPlan.ts), apply.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { memberChangeOutcomes, planMemberChange } from '../../scim/memberPlan';
import type { MemberChangeKind } from '../../scim/memberPlan';
import { mapConcurrent } from '../../utils/concurrency';
import { memberOutcomeError, selfMemberError, unknownGroupError } from './memberErrors';
import { lookupGroups, lookupUsers, memberIds, nameKey } from './lookup';
import { parseMembers, readGroupTarget, readMemberReference } from './members';
import { readRequestsInFlight } from '../common.fields';
import type { GroupTarget, MemberReference } from './members';
import { readGroupState, sendMemberPatches } from './membership';

interface PendingItem {
	itemIndex: number;
	target: GroupTarget;
	reference: MemberReference;
	members: string[];
	ids?: string[];
	groupId?: string;
	displayName?: string;
}

export function emptyMembersError(ctx: IExecuteFunctions, itemIndex: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), 'Members is empty', {
		itemIndex,
		description: 'Give at least one user ID or userName, separated by commas, or an expression that returns an array. Nothing was sent to K2 for this item.',
	});
}

/** Every item is read and checked before any request; bad items fail alone. */
function readItems(ctx: IExecuteFunctions, itemCount: number, results: Array<INodeExecutionData[] | Error>): PendingItem[] {
	const pending: PendingItem[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const target = readGroupTarget(ctx, itemIndex);
			const reference = readMemberReference(ctx, itemIndex);
			const members = parseMembers(ctx, ctx.getNodeParameter('members', itemIndex, ''), itemIndex, reference);
			if (members.length === 0) throw emptyMembersError(ctx, itemIndex);
			if (target.mode !== 'displayName' && reference === 'id' && members.includes(target.value)) {
				throw selfMemberError(ctx, itemIndex, target.value);
			}
			pending.push({ itemIndex, target, reference, members });
		} catch (error) {
			results[itemIndex] = error as Error;
		}
	}
	return pending;
}

export async function changeMembers(
	this: IExecuteFunctions,
	itemCount: number,
	kind: MemberChangeKind,
): Promise<Array<INodeExecutionData[] | Error>> {
	const operation = kind === 'add' ? 'addMembers' : 'removeMembers';
	const inFlight = readRequestsInFlight(this);
	const results: Array<INodeExecutionData[] | Error> = new Array(itemCount);
	const pending = readItems(this, itemCount, results);
	// Without "Continue On Fail" bad items stop the batch before any request (the run names them all).
	if (!this.continueOnFail() && results.some((r) => r instanceof Error)) return results;

	// 1. One lookup per distinct userName and group display name.
	const userNames = pending.filter((p) => p.reference === 'userName').flatMap((p) => p.members);
	const displayNames = pending.filter((p) => p.target.mode === 'displayName').map((p) => p.target.value);
	const [users, groups] = await Promise.all([
		lookupUsers(this, userNames, inFlight),
		lookupGroups(this, displayNames, inFlight, operation),
	]);

	const batches = new Map<string, PendingItem[]>();
	for (const item of pending) {
		if (item.target.mode === 'displayName') {
			const group = groups.get(nameKey(item.target.value));
			if (group instanceof Error || !group?.id) {
				results[item.itemIndex] = group instanceof Error ? group : unknownGroupError(this, item.target.value, item.itemIndex);
				continue;
			}
			item.groupId = String(group.id);
			item.displayName = group.displayName;
		} else {
			item.groupId = item.target.value;
		}
		const ids = memberIds(this, item.reference, item.members, users, item.itemIndex);
		if (ids instanceof Error || ids.includes(item.groupId)) {
			results[item.itemIndex] = ids instanceof Error ? ids : selfMemberError(this, item.itemIndex, item.groupId);
			continue;
		}
		item.ids = ids;
		batches.set(item.groupId, [...(batches.get(item.groupId) ?? []), item]);
	}
	if (!this.continueOnFail() && results.some((r) => r instanceof Error)) return results;

	// 2. Per group: read who is a member, plan, send the PATCHes; different groups in parallel.
	await mapConcurrent([...batches], inFlight, async ([groupId, items]) => {
		const context = { resource: 'group' as const, operation, id: groupId, displayName: items[0].displayName };
		try {
			const state = await readGroupState(this, groupId, items.flatMap((i) => i.ids!), context, inFlight);
			const plan = planMemberChange(kind, state.current, items.map((i) => ({ itemIndex: i.itemIndex, ids: i.ids! })), state.unknownUsers);
			const failed = await sendMemberPatches(this, groupId, kind, plan.patches, context, inFlight);
			for (const id of kind === 'add' ? state.unknownUsers : []) failed.set(id, { reason: 'unknownUser' });
			const label = `"${state.group.displayName ?? items[0].displayName ?? groupId}"`;
			const outcomes = memberChangeOutcomes(plan, failed);
			outcomes.forEach((outcome, index) => {
				const item = items[index];
				const names = new Map<string, string>();
				if (item.reference === 'userName') item.ids!.forEach((id, i) => names.set(id, item.members[i]));
				if (outcome.failed.length) {
					results[item.itemIndex] = memberOutcomeError(this, kind, outcome, label, names);
					return;
				}
				const json: IDataObject = { groupId };
				const displayName = item.displayName ?? state.group.displayName;
				if (displayName !== undefined) json.groupDisplayName = displayName;
				json[kind === 'add' ? 'added' : 'removed'] = outcome.change;
				json[kind === 'add' ? 'alreadyMembers' : 'notMembers'] = outcome.unchanged;
				// Beyond the 100 members K2 shows, when K2 does not list users' groups: sent, state before unknown.
				if (outcome.unverified.length) json.unverified = outcome.unverified;
				if (item.reference === 'userName') json.userNames = item.members;
				results[item.itemIndex] = [{ json }];
			});
		} catch (error) {
			// The group read failed (no such group, K2 down): nothing was sent for these items.
			for (const item of items) results[item.itemIndex] = error as Error;
		}
	});
	return results;
}
