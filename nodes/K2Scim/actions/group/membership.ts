/**
 * The reads and writes of a member change: who is in a group now (bounded requests), and sending
 * the planned PATCHes with the unknown-member rule. Planning and wording live elsewhere
 * (scim/memberPlan.ts, memberErrors.ts).
 */
import { NodeApiError } from 'n8n-workflow';
import type { IExecuteFunctions } from 'n8n-workflow';

import { MAX_MEMBERS_PER_READ } from '../../scim/group';
import { lookupChunks, memberPatches, readUserLookup, usersByIdFilter } from '../../scim/memberPlan';
import type { CurrentMembers, LookedUpUser, MemberChangeKind, MemberFailure, MemberPatch } from '../../scim/memberPlan';
import { eq } from '../../scim/filter';
import { filterOperatorRefused, withFilterOperator } from '../../transport/filterOperators';
import { groups, users } from '../../transport/resources';
import type { Group } from '../../transport/resources';
import type { ScimErrorContext } from '../../scim/error';
import { mapConcurrent } from '../../utils/concurrency';

const isStatus = (error: unknown, status: string) => error instanceof NodeApiError && error.httpCode === status;

/**
 * Users among `ids`, looked up 50 at a time with `id eq ... or ...`: 10,000 IDs are 200 requests.
 * A K2 that refuses `or` gets one `id eq` lookup per ID instead; the first 50 go alone when K2's
 * answer to `or` is not known yet in this run, so it is asked once.
 */
async function lookUpUsers(ctx: IExecuteFunctions, ids: readonly string[], attributes: string, inFlight: number): Promise<LookedUpUser[]> {
	const context = { resource: 'user' as const, operation: 'get' };
	const byOr = async (chunk: string[]) => await users.find(ctx, usersByIdFilter(chunk), { attributes, count: chunk.length }, { context });
	const oneByOne = async (chunk: string[]) =>
		(await mapConcurrent(chunk, inFlight, async (id) => await users.find(ctx, eq('id', id), { attributes, count: 1 }, { context }))).flat();
	const [first, ...rest] = lookupChunks(ids);
	if (!first) return [];
	const found = await withFilterOperator(ctx, 'or', async () => await byOr(first), async () => await oneByOne(first));
	if (filterOperatorRefused(ctx, 'or')) return [...found, ...(await oneByOne(rest.flat()))];
	return [...found, ...(await mapConcurrent(rest, inFlight, byOr)).flat()];
}

export interface GroupState {
	group: Group;
	current: CurrentMembers;
	/** Candidates K2 has no user for (known only when the group read was cut and users were looked up). */
	unknownUsers: Set<string>;
	/** The group shows K2's cap of members and the server does not list users' groups: some states are unknown. */
	truncated: boolean;
}

/**
 * Reads the group (one request) and, when the read is cut at 100 members, looks the candidates it
 * does not show up by ID with their `groups` (one request per 50), a known member included as a
 * probe of whether the server lists users' groups at all.
 */
export async function readGroupState(
	ctx: IExecuteFunctions,
	groupId: string,
	candidates: readonly string[],
	context: ScimErrorContext,
	inFlight: number,
): Promise<GroupState> {
	return await stateOf(ctx, await groups.get(ctx, groupId, { context }), candidates, inFlight);
}

export async function stateOf(
	ctx: IExecuteFunctions,
	group: Group,
	candidates: readonly string[],
	inFlight: number,
): Promise<GroupState> {
	const shown = (Array.isArray(group.members) ? group.members : []).map((m) => String(m.value));
	const members = new Set(shown);
	if (shown.length < MAX_MEMBERS_PER_READ) {
		return { group, current: { members, complete: true }, unknownUsers: new Set(), truncated: false };
	}
	const unseen = [...new Set(candidates)].filter((id) => !members.has(id));
	const probe = shown[0];
	const users = unseen.length ? await lookUpUsers(ctx, [probe, ...unseen], 'id,groups', inFlight) : [];
	const read = readUserLookup(String(group.id), unseen, users);
	for (const id of read.members) members.add(id);
	const notMembers = new Set([...read.notMembers, ...read.unknownUsers]);
	const truncated = unseen.some((id) => !members.has(id) && !notMembers.has(id));
	return { group, current: { members, complete: false, notMembers }, unknownUsers: new Set(read.unknownUsers), truncated };
}

/** Which of `ids` name no K2 user; a lookup that fails leaves them all as possibly known. */
export async function unknownUserIds(ctx: IExecuteFunctions, ids: readonly string[], inFlight: number): Promise<string[]> {
	try {
		const found = new Set((await lookUpUsers(ctx, ids, 'id', inFlight)).map((u) => u.id));
		return ids.filter((id) => !found.has(id));
	} catch {
		return [];
	}
}

/**
 * Sends the PATCHes of one group one after another (concurrent writes to one group could lose
 * updates). K2 refuses a whole add when one member does not exist: then the request's IDs are
 * looked up (bounded, only on this path, so a healthy run costs no lookups), the unknown ones
 * fail and the rest are sent again. Returns the IDs that were not applied, with why; re-sending
 * add and remove is safe, so the transport's retries apply.
 */
export async function sendMemberPatches(
	ctx: IExecuteFunctions,
	groupId: string,
	kind: MemberChangeKind,
	patches: MemberPatch[],
	context: ScimErrorContext,
	inFlight: number,
	onApplied: (group: Group | undefined) => void = () => undefined,
): Promise<Map<string, MemberFailure>> {
	const failed = new Map<string, MemberFailure>();
	const send = async (patch: MemberPatch) =>
		onApplied(await groups.patch(ctx, groupId, patch.request, { context }));
	for (const patch of patches) {
		try {
			await send(patch);
		} catch (error) {
			const unknown = kind === 'add' && isStatus(error, '400') ? await unknownUserIds(ctx, patch.ids, inFlight) : [];
			for (const id of unknown) failed.set(id, { reason: 'unknownUser' });
			const rest = patch.ids.filter((id) => !unknown.includes(id));
			if (unknown.length === 0) {
				for (const id of rest) failed.set(id, { reason: 'requestFailed', error: error as Error });
				continue;
			}
			for (const retry of memberPatches(kind, rest)) {
				try {
					await send(retry);
				} catch (retryError) {
					for (const id of retry.ids) failed.set(id, { reason: 'requestFailed', error: retryError as Error });
				}
			}
		}
	}
	return failed;
}
