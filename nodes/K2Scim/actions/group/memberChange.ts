/**
 * Add Members and Remove Members: every input item that targets the same group goes out in the
 * same PATCH requests (at most 100 members per operation), and each item still gets its own result.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { memberPatchRequests } from '../../scim/group';
import type { PatchRequest } from '../../scim/schemas';
import { scimRequest } from '../../transport';
import { mapConcurrent } from '../../utils/concurrency';
import {
	lookupGroups,
	lookupUsers,
	memberIds,
	nameKey,
	parseMembers,
	readGroupTarget,
	readMemberReference,
	readRequestsInFlight,
	unknownGroupError,
	unknownUserIdsError,
} from './members';
import type { GroupTarget, MemberReference } from './members';

type Kind = 'add' | 'remove';

interface PendingItem {
	itemIndex: number;
	target: GroupTarget;
	reference: MemberReference;
	members: string[];
	ids?: string[];
	groupId?: string;
	displayName?: string;
}

/** The member IDs a PATCH request touches (its add values and its remove filters). */
function idsOf(request: PatchRequest): string[] {
	const ids: string[] = [];
	for (const operation of request.Operations) {
		if (operation.op === 'add' && Array.isArray(operation.value)) {
			for (const member of operation.value as Array<{ value: string }>) ids.push(member.value);
		} else if (operation.op === 'remove' && operation.path) {
			const match = /^members\[value eq "(.*)"\]$/.exec(operation.path);
			if (match) ids.push(JSON.parse(`"${match[1]}"`) as string);
		}
	}
	return ids;
}

const isStatus = (error: unknown, status: string) => error instanceof NodeApiError && error.httpCode === status;

/** Marks member IDs K2 has no user for, in the map of failed IDs. */
const UNKNOWN_ID = new Error('No K2 user with this ID');

/** Which of these IDs name no K2 user (404 on GET /Users/{id}); IDs that cannot be checked count as known. */
async function unknownUserIds(ctx: IExecuteFunctions, ids: string[], inFlight: number): Promise<string[]> {
	const missing = await mapConcurrent(ids, inFlight, async (id) => {
		try {
			await scimRequest(
				ctx,
				{ method: 'GET', path: `/Users/${encodeURIComponent(id)}` },
				{ context: { resource: 'user', operation: 'get', id } },
			);
			return false;
		} catch (error) {
			return isStatus(error, '404');
		}
	});
	return ids.filter((_id, index) => missing[index]);
}

export function emptyMembersError(ctx: IExecuteFunctions, itemIndex: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), 'The parameter "Members" is empty', {
		itemIndex,
		description: 'Give at least one user ID or userName, separated by commas, or an expression that returns an array.',
	});
}

export async function changeMembers(
	this: IExecuteFunctions,
	itemCount: number,
	kind: Kind,
): Promise<Array<INodeExecutionData[] | Error>> {
	const operation = kind === 'add' ? 'addMembers' : 'removeMembers';
	const inFlight = readRequestsInFlight(this);
	const results: Array<INodeExecutionData[] | Error> = new Array(itemCount);

	// 1. Read and check every item before any request.
	const pending: PendingItem[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const target = readGroupTarget(this, itemIndex);
			const reference = readMemberReference(this, itemIndex);
			const members = parseMembers(this, this.getNodeParameter('members', itemIndex, ''), itemIndex);
			if (members.length === 0) {
				throw emptyMembersError(this, itemIndex);
			}
			pending.push({ itemIndex, target, reference, members });
		} catch (error) {
			results[itemIndex] = error as Error;
		}
	}

	// 2. One lookup per distinct userName and group display name.
	const userNames = pending.filter((p) => p.reference === 'userName').flatMap((p) => p.members);
	const displayNames = pending.filter((p) => p.target.mode === 'displayName').map((p) => p.target.value);
	const [users, groups] = await Promise.all([
		lookupUsers(this, userNames, inFlight, operation),
		lookupGroups(this, displayNames, inFlight, operation),
	]);

	const batches = new Map<string, PendingItem[]>();
	for (const item of pending) {
		if (item.target.mode === 'displayName') {
			const group = groups.get(nameKey(item.target.value));
			if (group instanceof Error) {
				results[item.itemIndex] = group;
				continue;
			}
			if (!group?.id) {
				results[item.itemIndex] = unknownGroupError(this, item.target.value, item.itemIndex);
				continue;
			}
			item.groupId = String(group.id);
			item.displayName = group.displayName;
		} else {
			item.groupId = item.target.value;
		}
		const ids = memberIds(this, item.reference, item.members, users, item.itemIndex);
		if (ids instanceof Error) {
			results[item.itemIndex] = ids;
			continue;
		}
		item.ids = ids;
		const batch = batches.get(item.groupId) ?? [];
		batch.push(item);
		batches.set(item.groupId, batch);
	}

	// Without "Continue On Fail" the run stops at the first bad item: then nothing is written.
	if (!this.continueOnFail() && results.some((r) => r instanceof Error)) return results;

	// 3. Per group, its PATCH requests one after another (concurrent writes to one group could
	//    lose updates); different groups in parallel.
	await mapConcurrent([...batches], inFlight, async ([groupId, items]) => {
		const context = { resource: 'group' as const, operation, id: groupId, displayName: items[0].displayName };
		const all = items.flatMap((item) => item.ids!);
		const requests = kind === 'add' ? memberPatchRequests(groupId, all, []) : memberPatchRequests(groupId, [], all);
		const failed = new Map<string, Error>();
		const send = async (body: PatchRequest) =>
			await scimRequest(
				this,
				{ method: 'PATCH', path: `/Groups/${encodeURIComponent(groupId)}`, body: body as unknown as IDataObject },
				{ context },
			);

		for (const request of requests) {
			try {
				await send(request);
			} catch (error) {
				const ids = idsOf(request);
				// K2 refuses the whole request when one member does not exist. Find which (only on this
				// error path, so a healthy run costs no lookups), fail the items that named them and
				// send the rest again.
				const unknown = kind === 'add' && isStatus(error, '400') ? await unknownUserIds(this, ids, inFlight) : [];
				const rest = ids.filter((id) => !unknown.includes(id));
				for (const id of unknown) failed.set(id, UNKNOWN_ID);
				if (unknown.length === 0 || rest.length === 0) {
					for (const id of rest) failed.set(id, error as Error);
					continue;
				}
				try {
					for (const retry of memberPatchRequests(groupId, rest, [])) await send(retry);
				} catch (retryError) {
					for (const id of rest) failed.set(id, retryError as Error);
				}
			}
		}

		for (const item of items) {
			const unknownIds = item.ids!.filter((id) => failed.get(id) === UNKNOWN_ID);
			const otherError = item.ids!.map((id) => failed.get(id)).find((e) => e !== undefined && e !== UNKNOWN_ID);
			if (unknownIds.length) {
				results[item.itemIndex] = unknownUserIdsError(this, unknownIds, item.itemIndex);
			} else if (otherError) {
				results[item.itemIndex] = otherError;
			} else {
				const json: IDataObject = { groupId };
				if (item.displayName !== undefined) json.groupDisplayName = item.displayName;
				json[kind === 'add' ? 'added' : 'removed'] = item.ids!;
				if (item.reference === 'userName') json.userNames = item.members;
				results[item.itemIndex] = [{ json }];
			}
		}
	});
	return results;
}
