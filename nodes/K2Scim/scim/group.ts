/**
 * SCIM Group resources (RFC 7643 §4.2) and member changes by PATCH (RFC 7644 §3.5.2).
 */
import { escapeFilterValue } from './filter';
import {
	GROUP_SCHEMA,
	MAX_MEMBERS_PER_OPERATION,
	PATCH_OP_SCHEMA,
	type PatchOperation,
	type PatchRequest,
	type ScimGroup,
	type ScimMember,
	type SimpleView,
} from './schemas';

/** K2 returns at most this many members when a group is read. */
export const MAX_MEMBERS_PER_READ = 100;

export interface GroupFields {
	displayName: string;
	externalId?: string | null;
	memberIds?: string[];
}

/** A flat view of a group for n8n items. */
export function simplifyGroup(group: ScimGroup): SimpleView {
	const members = Array.isArray(group.members) ? group.members : [];
	return {
		id: group.id ?? null,
		displayName: group.displayName ?? null,
		externalId: group.externalId ?? null,
		members: members.map((m) => ({ id: m.value, display: m.display ?? null })),
		memberCount: members.length,
		// Exactly the cap means K2 probably cut the list: the group may have more members.
		membersTruncated: members.length === MAX_MEMBERS_PER_READ,
		created: group.meta?.created ?? null,
		lastModified: group.meta?.lastModified ?? null,
	};
}

/** Trimmed, non-empty, first occurrence kept: member ids come from spreadsheets and expressions. */
function uniqueIds(ids: readonly string[] | undefined): string[] {
	const seen = new Set<string>();
	for (const id of ids ?? []) {
		const trimmed = typeof id === 'string' ? id.trim() : '';
		if (trimmed !== '') seen.add(trimmed);
	}
	return [...seen];
}

/**
 * A Group for POST/PUT. Note K2 may cap members per request too: for more than
 * MAX_MEMBERS_PER_OPERATION members, create the group with none and add them with memberPatchRequests.
 */
export function toScimGroup(fields: GroupFields): ScimGroup {
	const group: ScimGroup = { schemas: [GROUP_SCHEMA], displayName: fields.displayName };
	if (fields.externalId != null) group.externalId = fields.externalId;
	const ids = uniqueIds(fields.memberIds);
	if (fields.memberIds !== undefined) group.members = ids.map((value): ScimMember => ({ value }));
	return group;
}

function chunks<T>(items: T[], size: number): T[][] {
	const result: T[][] = [];
	for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
	return result;
}

/**
 * PATCH bodies that add and remove group members, each operation touching at most
 * MAX_MEMBERS_PER_OPERATION members: one `add` op carries up to 100 member values; a removal is one
 * `remove` op per member with the RFC's value filter `members[value eq "id"]`, up to 100 per request.
 * A request holds at most one add op and 100 remove ops, and requests are independent of each other.
 *
 * An id both added and removed is dropped from both: the input does not say which came last, and
 * leaving the membership as it is is the only outcome that does not depend on guessing an order.
 * `groupId`, when given, is dropped too: a group cannot be a member of itself.
 */
export function memberPatchRequests(groupId: string | undefined, add: readonly string[], remove: readonly string[]): PatchRequest[] {
	const toAdd = new Set(uniqueIds(add));
	const toRemove = new Set(uniqueIds(remove));
	for (const id of toAdd) {
		if (toRemove.delete(id)) toAdd.delete(id);
	}
	if (groupId !== undefined) {
		toAdd.delete(groupId);
		toRemove.delete(groupId);
	}

	const addChunks = chunks([...toAdd], MAX_MEMBERS_PER_OPERATION);
	const removeChunks = chunks([...toRemove], MAX_MEMBERS_PER_OPERATION);
	const requests: PatchRequest[] = [];
	for (let i = 0; i < Math.max(addChunks.length, removeChunks.length); i++) {
		const operations: PatchOperation[] = [];
		if (addChunks[i]) operations.push({ op: 'add', path: 'members', value: addChunks[i].map((value) => ({ value })) });
		for (const id of removeChunks[i] ?? []) {
			operations.push({ op: 'remove', path: `members[value eq "${escapeFilterValue(id)}"]` });
		}
		requests.push({ schemas: [PATCH_OP_SCHEMA], Operations: operations });
	}
	return requests;
}

/** Renaming a group is a replace of its displayName. */
export function renameOperations(newName: string): PatchOperation[] {
	return [{ op: 'replace', path: 'displayName', value: newName }];
}
