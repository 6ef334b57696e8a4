/**
 * Reads K2 for one poll: every user and group through the package's SCIM client (which pages at
 * K2's 100, checks that the listing is complete and throws a NodeApiError otherwise), then the
 * snapshot to compare. A resource the previous snapshot had and the listing lacks is asked for by
 * ID: only K2's 404 makes it deleted. A listing that skipped a resource that still exists (it
 * moved across a page boundary while K2 was read) is read once more; if it is still not
 * consistent, this poll reports nothing and the next one compares again.
 */
import type { IPollFunctions } from 'n8n-workflow';

import { MAX_MEMBERS_PER_READ } from '../K2Scim/scim/group';
import { groups, users } from '../K2Scim/transport/resources';
import type { Group, User } from '../K2Scim/transport/resources';
import { mapConcurrent } from '../K2Scim/utils/concurrency';
import { membershipOf, takeSnapshot } from './diff';
import type { Snapshot } from './diff';

export interface K2Now {
	snapshot: Snapshot;
	/** meta.lastModified by ID (for "Ignore Own Changes"); kept for this poll only. */
	userModified: Map<string, string | undefined>;
	groupModified: Map<string, string | undefined>;
}

const LOOKUPS_IN_FLIGHT = 4;

async function listAll(ctx: IPollFunctions): Promise<{ users: User[]; groups: Group[] }> {
	const listedUsers = await users.list(ctx, {}, { context: { resource: 'user', operation: 'getMany' } });
	// Users that carry their groups give complete memberships: the groups' members (cut at 100) are not needed.
	const usersListGroups = listedUsers.some((user) => Array.isArray(user.groups));
	const listedGroups = await groups.list(ctx, usersListGroups ? { excludedAttributes: 'members' } : {}, {
		context: { resource: 'group', operation: 'getMany' },
	});
	return { users: listedUsers, groups: listedGroups };
}

/** IDs of `before` that `now` lacks and K2 still has (404 is the only "gone"; other errors throw). */
async function stillThere(ctx: IPollFunctions, missing: string[], resource: 'user' | 'group'): Promise<string[]> {
	const client = resource === 'user' ? users : groups;
	const found = await mapConcurrent(missing, LOOKUPS_IN_FLIGHT, async (id) =>
		(await client.getIfExists(ctx, id, { context: { resource, operation: 'get', id } })) ? id : undefined,
	);
	return found.filter((id): id is string => id !== undefined);
}

export async function readK2(ctx: IPollFunctions, previous: Snapshot | undefined): Promise<K2Now | undefined> {
	for (let attempt = 0; attempt < 2; attempt++) {
		const listed = await listAll(ctx);
		const at = new Date().toISOString();
		const snapshot = takeSnapshot(listed.users, listed.groups, membershipOf(listed.users, listed.groups, MAX_MEMBERS_PER_READ), at);
		if (previous) {
			const missingUsers = Object.keys(previous.users).filter((id) => !(id in snapshot.users));
			const missingGroups = Object.keys(previous.groups).filter((id) => !(id in snapshot.groups));
			const skipped = [...(await stillThere(ctx, missingUsers, 'user')), ...(await stillThere(ctx, missingGroups, 'group'))];
			if (skipped.length) {
				ctx.logger.warn(`K2 SCIM Trigger: K2's listing left out ${skipped.length} resource(s) that exist (changed while read); reading again`);
				continue;
			}
		}
		return {
			snapshot,
			userModified: new Map(listed.users.map((user) => [String(user.id), user.meta?.lastModified])),
			groupModified: new Map(listed.groups.map((group) => [String(group.id), group.meta?.lastModified])),
		};
	}
	return undefined;
}
