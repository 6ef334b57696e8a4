import { NodeApiError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { requestsInFlightOptions, readRequestsInFlight } from '../common.fields';
import { toScimGroup } from '../../scim/group';
import { memberChangeOutcomes, planMemberChange } from '../../scim/memberPlan';
import type { ScimGroup } from '../../scim/schemas';
import { groups } from '../../transport/resources';
import type { Group } from '../../transport/resources';
import { mapConcurrent } from '../../utils/concurrency';
import { notKeptByK2 } from '../notKept';
import { displayNameField, externalIdFields, readDisplayName, readExternalId } from './create.operation';
import { memberReferenceField, membersField, GROUP_REQUESTS_IN_FLIGHT } from './fields';
import { findGroupByDisplayName, lookupGroups, lookupUsers, memberIds, nameKey } from './lookup';
import { parseMembers, readMemberReference } from './members';
import type { MemberReference } from './members';
import { memberOutcomeError, selfMemberError } from './memberErrors';
import { sendMemberPatches, stateOf } from './membership';

export const description: INodeProperties[] = [
	displayNameField(
		'createOrUpdate',
		'The name to match on (not case-sensitive): the group is created when K2 has none with this name. At most 256 characters.',
	),
	memberReferenceField(['createOrUpdate']),
	{
		...membersField(['createOrUpdate'], false),
		description:
			'Users to add when they are not members yet (members not listed are kept). The output lists which were added and which were already members; beyond the 100 members K2 shows, a user whose membership K2 cannot confirm is sent anyway (adding an existing member changes nothing) and listed as "unverified".',
	},
	externalIdFields('createOrUpdate'),
	requestsInFlightOptions('group', ['createOrUpdate'], GROUP_REQUESTS_IN_FLIGHT),
];

type Status = 'created' | 'updated' | 'unchanged';

const isConflict = (error: unknown) => error instanceof NodeApiError && error.httpCode === '409';
const isBadRequest = (error: unknown) => error instanceof NodeApiError && error.httpCode === '400';

interface Item {
	itemIndex: number;
	displayName: string;
	externalId?: string;
	reference: MemberReference;
	members: string[];
	ids: string[];
}

/** Every item is read and checked before any request; bad items fail alone. */
function readItems(ctx: IExecuteFunctions, itemCount: number, results: Array<INodeExecutionData[] | Error>) {
	const read: Array<Omit<Item, 'ids'>> = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const reference = readMemberReference(ctx, itemIndex);
			read.push({
				itemIndex,
				displayName: readDisplayName(ctx, itemIndex),
				externalId: readExternalId(ctx, itemIndex),
				reference,
				members: parseMembers(ctx, ctx.getNodeParameter('members', itemIndex, ''), itemIndex, reference),
			});
		} catch (error) {
			results[itemIndex] = error as Error;
		}
	}
	return read;
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
	const read = readItems(this, itemCount, results);
	// Without "Continue On Fail" bad items stop the batch before any request (the run names them all).
	if (!this.continueOnFail() && results.some((r) => r instanceof Error)) return results;

	const [users, groupsByName] = await Promise.all([
		lookupUsers(this, read.filter((r) => r.reference === 'userName').flatMap((r) => r.members), inFlight),
		lookupGroups(this, read.map((r) => r.displayName), inFlight, 'createOrUpdate', true),
	]);

	const batches = new Map<string, Item[]>();
	for (const r of read) {
		const ids = memberIds(this, r.reference, r.members, users, r.itemIndex);
		const existing = groupsByName.get(nameKey(r.displayName));
		if (ids instanceof Error || (existing && !(existing instanceof Error) && ids.includes(String(existing.id)))) {
			results[r.itemIndex] = ids instanceof Error ? ids : selfMemberError(this, r.itemIndex, String((existing as ScimGroup).id));
			continue;
		}
		const key = nameKey(r.displayName);
		batches.set(key, [...(batches.get(key) ?? []), { ...r, ids }]);
	}
	if (!this.continueOnFail() && results.some((r) => r instanceof Error)) return results;

	// A K2 that drops groups' External IDs would otherwise get a PATCH for every group on every run.
	const notKept = notKeptByK2(this, 'group');
	notKept.forgetHeldBy([...groupsByName.values()].filter((group): group is Group => !(group instanceof Error) && group !== undefined));
	await mapConcurrent([...batches], inFlight, async ([key, items]) => {
		const existing = groupsByName.get(key);
		if (existing instanceof Error) {
			for (const item of items) results[item.itemIndex] = existing;
			return;
		}
		let failure = await applyBatch(this, items, existing, inFlight, results).catch((error: Error) => error);
		if (failure && !existing && isConflict(failure)) {
			// Another execution created the group between our lookup and our create: update it.
			const created = await findGroupByDisplayName(this, items[0].displayName, 'createOrUpdate').catch((error: Error) => error);
			if (created instanceof Error) failure = created;
			else if (created) failure = await applyBatch(this, items, created, inFlight, results).catch((error: Error) => error);
		}
		// The lookup of a large group's members or the create failed: nothing was changed.
		if (failure) for (const item of items) results[item.itemIndex] = failure;
	});
	notKept.save();
	return results;
}

async function applyBatch(
	ctx: IExecuteFunctions,
	items: Item[],
	existing: Group | undefined,
	inFlight: number,
	results: Array<INodeExecutionData[] | Error>,
): Promise<void> {
	const displayName = existing?.displayName ?? items[0].displayName;
	const context = { resource: 'group' as const, operation: 'createOrUpdate', displayName, id: existing?.id };
	const state = existing
		? await stateOf(ctx, existing, items.flatMap((i) => i.ids), inFlight)
		: { current: { members: new Set<string>(), complete: true }, unknownUsers: new Set<string>(), truncated: false };
	const plan = planMemberChange('add', state.current, items.map((i) => ({ itemIndex: i.itemIndex, ids: i.ids })), state.unknownUsers);
	const notKept = notKeptByK2(ctx, 'group');
	const externalIdKept = () => !notKept.leaveOut('externalId');

	// What each item changes, in input order.
	let exists = existing !== undefined;
	let externalId = existing?.externalId;
	const statuses = items.map((item, index): Status => {
		const changes = plan.items[index].change.length + plan.items[index].unverified.length > 0;
		const externalIdChanges = item.externalId !== undefined && item.externalId !== externalId && externalIdKept();
		const status = !exists ? 'created' : changes || externalIdChanges ? 'updated' : 'unchanged';
		exists = true;
		if (item.externalId !== undefined) externalId = item.externalId;
		return status;
	});

	let group = existing;
	let patches = plan.patches;
	let externalIdToSet = existing && externalId !== existing.externalId && externalIdKept() ? externalId : undefined;
	if (!group) {
		// The first 100 members go in the create; a group found after a lost answer gets them by PATCH.
		let foundExisting = false;
		const create = async (memberIds: string[]) =>
			await groups.create(ctx, toScimGroup({ displayName, externalId, memberIds }), {
				context,
				findExisting: async () => {
					const found = await findGroupByDisplayName(ctx, displayName, 'createOrUpdate');
					foundExisting = found !== undefined;
					return found;
				},
			});
		const inline = patches[0]?.ids ?? [];
		let created = await create(inline).catch((error: Error) => error);
		// K2 refuses a whole create when one member does not exist, and this create carries the
		// members of several items: create the group bare, then add members by PATCH, where an
		// unknown member fails only its own items.
		const bare = created instanceof Error && inline.length > 0 && isBadRequest(created);
		if (bare) created = await create([]);
		if (created instanceof Error) throw created;
		group = created;
		if (!foundExisting) notKept.learnFromCreate(toScimGroup({ displayName, externalId, memberIds: [] }), group);
		if (!foundExisting && !bare) patches = patches.slice(1);
		else if (foundExisting && group.externalId !== externalId && externalIdKept()) externalIdToSet = externalId;
	}
	const groupId = String(group.id);
	const patchContext = { ...context, id: groupId };
	// The External ID goes in the first member PATCH when there is one: one request for both.
	const setExternalId = externalIdToSet === undefined ? [] : [{ op: 'replace' as const, path: 'externalId', value: externalIdToSet }];
	const withExternalId = setExternalId.length && patches.length
		? [{ ...patches[0], request: { ...patches[0].request, Operations: [...setExternalId, ...patches[0].request.Operations] } }, ...patches.slice(1)]
		: patches;
	let externalIdError: Error | undefined;
	const before = group;
	if (setExternalId.length && !patches.length) {
		try {
			const answer = await groups.patch(ctx, groupId, setExternalId, { context: patchContext });
			await notKept.learnFromPatch(before, setExternalId, answer, items[0].itemIndex, 'createOrUpdate');
		} catch (error) {
			externalIdError = error as Error;
		}
	}
	const failed = await sendMemberPatches(ctx, groupId, 'add', withExternalId, patchContext, inFlight);
	// A failed first PATCH was refused whole, External ID included (a re-send after unknown members carries only members).
	const firstFailure = setExternalId.length && patches.length ? patches[0].ids.map((id) => failed.get(id)).find((f) => f) : undefined;
	if (firstFailure) {
		externalIdError = firstFailure.reason === 'requestFailed' ? firstFailure.error : new Error('K2 refused the request that carried the External ID: a member does not exist');
	} else if (setExternalId.length && patches.length) {
		// The member PATCH that carried it does not give its answer back: one read tells whether K2 kept it.
		await notKept.learnFromPatch(before, setExternalId, undefined, items[0].itemIndex, 'createOrUpdate');
	}
	for (const id of state.unknownUsers) failed.set(id, { reason: 'unknownUser' });
	// An External ID K2 turned out not to keep changed nothing: an item that only brought one is unchanged.
	const itemStatus = (index: number): Status =>
		statuses[index] === 'updated' && !externalIdKept() && plan.items[index].change.length + plan.items[index].unverified.length === 0 ? 'unchanged' : statuses[index];

	const created = existing === undefined;
	memberChangeOutcomes(plan, failed).forEach((outcome, index) => {
		const item = items[index];
		const names = new Map<string, string>();
		if (item.reference === 'userName') item.ids.forEach((id, i) => names.set(id, item.members[i]));
		if (outcome.failed.length) {
			const error = memberOutcomeError(ctx, 'add', outcome, `"${displayName}"`, names);
			if (created) error.description = `The group was created (ID ${groupId}). ${error.description}`;
			results[item.itemIndex] = error;
			return;
		}
		if (externalIdError && item.externalId !== undefined) {
			results[item.itemIndex] = externalIdError;
			return;
		}
		const json: IDataObject = {
			status: itemStatus(index),
			id: groupId,
			displayName: group!.displayName ?? displayName,
			// What K2 holds: an External ID K2 does not keep, or refused, is not reported as set.
			externalId: (externalIdKept() && !externalIdError ? externalId : group!.externalId) ?? null,
			added: outcome.change,
			alreadyMembers: outcome.unchanged,
		};
		// Beyond the 100 members K2 shows, when K2 does not list users' groups: sent, state before unknown.
		if (outcome.unverified.length) json.unverified = outcome.unverified;
		if (state.truncated) json.membersTruncated = true;
		results[item.itemIndex] = [{ json }];
	});
}
