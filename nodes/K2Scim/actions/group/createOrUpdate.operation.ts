import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { requestsInFlightOptions } from '../common.fields';
import { MAX_MEMBERS_PER_READ, memberPatchRequests, toScimGroup } from '../../scim/group';
import { MAX_MEMBERS_PER_OPERATION, PATCH_OP_SCHEMA } from '../../scim/schemas';
import type { PatchRequest, ScimGroup } from '../../scim/schemas';
import { scimRequest } from '../../transport';
import { mapConcurrent } from '../../utils/concurrency';
import { displayNameField, externalIdFields, readDisplayName, readExternalId } from './create.operation';
import { memberReferenceField, membersField, GROUP_REQUESTS_IN_FLIGHT } from './fields';
import {
	findGroupByDisplayName,
	lookupGroups,
	lookupUsers,
	memberIds,
	nameKey,
	parseMembers,
	readMemberReference,
	readRequestsInFlight,
} from './members';

export const description: INodeProperties[] = [
	displayNameField(
		'createOrUpdate',
		'The name to match on (not case-sensitive): the group is created when K2 has none with this name',
	),
	memberReferenceField(['createOrUpdate']),
	{
		...membersField(['createOrUpdate'], false),
		description:
			'Users to add when they are not members yet (members not listed are kept). K2 shows at most 100 members of a group, so for larger groups the users not among them are sent anyway; adding an existing member changes nothing.',
	},
	externalIdFields('createOrUpdate'),
	requestsInFlightOptions('group', ['createOrUpdate'], GROUP_REQUESTS_IN_FLIGHT),
];

type Status = 'created' | 'updated' | 'unchanged';

interface Item {
	itemIndex: number;
	displayName: string;
	externalId?: string;
	ids: string[];
	status?: Status;
	added?: string[];
}

function chunks<T>(values: T[], size: number): T[][] {
	const result: T[][] = [];
	for (let i = 0; i < values.length; i += size) result.push(values.slice(i, i + size));
	return result;
}

/**
 * Items are grouped by display name and each group costs one lookup and at most the writes it
 * needs: none when nothing differs. Each item's status says what it changed, as if the items had
 * run one after another: the first item for a missing group "created" it, a later one "updated"
 * it only if it brought a new member or another External ID.
 */
export async function executeAll(this: IExecuteFunctions, itemCount: number): Promise<Array<INodeExecutionData[] | Error>> {
	const inFlight = readRequestsInFlight(this);
	const results: Array<INodeExecutionData[] | Error> = new Array(itemCount);

	const read: Array<{ itemIndex: number; displayName: string; externalId?: string; reference: string; members: string[] }> = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			read.push({
				itemIndex,
				displayName: readDisplayName(this, itemIndex),
				externalId: readExternalId(this, itemIndex),
				reference: readMemberReference(this, itemIndex),
				members: parseMembers(this, this.getNodeParameter('members', itemIndex, ''), itemIndex),
			});
		} catch (error) {
			results[itemIndex] = error as Error;
		}
	}

	const [users, groups] = await Promise.all([
		lookupUsers(this, read.filter((r) => r.reference === 'userName').flatMap((r) => r.members), inFlight, 'createOrUpdate'),
		lookupGroups(this, read.map((r) => r.displayName), inFlight, 'createOrUpdate', true),
	]);

	const batches = new Map<string, Item[]>();
	for (const r of read) {
		const ids = memberIds(this, r.reference === 'userName' ? 'userName' : 'id', r.members, users, r.itemIndex);
		if (ids instanceof Error) {
			results[r.itemIndex] = ids;
			continue;
		}
		const key = nameKey(r.displayName);
		const batch = batches.get(key) ?? [];
		batch.push({ itemIndex: r.itemIndex, displayName: r.displayName, externalId: r.externalId, ids });
		batches.set(key, batch);
	}

	// Without "Continue On Fail" the run stops at the first bad item: then nothing is written.
	if (!this.continueOnFail() && results.some((r) => r instanceof Error)) return results;

	await mapConcurrent([...batches], inFlight, async ([key, items]) => {
		const existing = groups.get(key);
		if (existing instanceof Error) {
			for (const item of items) results[item.itemIndex] = existing;
			return;
		}
		const shownMembers = (existing?.members ?? []).map((m) => m.value);
		const truncated = shownMembers.length >= MAX_MEMBERS_PER_READ;

		// What each item changes, in input order.
		let exists = existing !== undefined;
		let externalId = existing?.externalId;
		const members = new Set(shownMembers);
		const toAdd: string[] = [];
		for (const item of items) {
			const added = item.ids.filter((id) => !members.has(id) && id !== existing?.id);
			const externalIdChanges = item.externalId !== undefined && item.externalId !== externalId;
			item.status = !exists ? 'created' : added.length || externalIdChanges ? 'updated' : 'unchanged';
			item.added = added;
			exists = true;
			if (item.externalId !== undefined) externalId = item.externalId;
			for (const id of added) members.add(id);
			toAdd.push(...added);
		}

		const displayName = existing?.displayName ?? items[0].displayName;
		const context = { resource: 'group' as const, operation: 'createOrUpdate', displayName, id: existing?.id };
		let group: (ScimGroup & IDataObject) | undefined = existing;
		try {
			const patches: PatchRequest[] = [];
			if (!existing) {
				const [first = [], ...rest] = chunks(toAdd, MAX_MEMBERS_PER_OPERATION);
				group = await scimRequest<ScimGroup & IDataObject>(
					this,
					{ method: 'POST', path: '/Groups', body: toScimGroup({ displayName, externalId, memberIds: first }) as IDataObject },
					{ context, findExisting: async () => await findGroupByDisplayName(this, displayName, 'createOrUpdate') },
				);
				patches.push(...memberPatchRequests(group.id, rest.flat(), []));
			} else {
				patches.push(...memberPatchRequests(existing.id, toAdd, []));
				if (externalId !== existing.externalId) {
					const replace = { op: 'replace' as const, path: 'externalId', value: externalId };
					if (patches.length) patches[0].Operations.unshift(replace);
					else patches.push({ schemas: [PATCH_OP_SCHEMA], Operations: [replace] });
				}
			}
			for (const patch of patches) {
				const patched = await scimRequest<(ScimGroup & IDataObject) | undefined>(
					this,
					{ method: 'PATCH', path: `/Groups/${encodeURIComponent(String(group!.id))}`, body: patch as unknown as IDataObject },
					{ context: { ...context, id: group!.id } },
				);
				if (patched?.id) group = patched;
			}
		} catch (error) {
			for (const item of items) results[item.itemIndex] = error as Error;
			return;
		}

		for (const item of items) {
			const json: IDataObject = {
				status: item.status!,
				id: group!.id ?? null,
				displayName: group!.displayName ?? displayName,
				externalId: externalId ?? null,
				added: item.added!,
			};
			// Members beyond the 100 K2 shows could not be compared: they were sent, and may have been members already.
			if (truncated) json.membersTruncated = true;
			results[item.itemIndex] = [{ json }];
		}
	});
	return results;
}
