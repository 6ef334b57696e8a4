/**
 * Attributes K2 does not keep. K2 stores "only those attributes that K2 uses" and drops the rest
 * without an error. A node that compared such an attribute would find it missing on every run
 * and write it again, forever. What a write sent and what K2's answer to it holds tell which
 * attributes were dropped; those are then left out of the comparison.
 */
import type { PatchOperation, ScimGroup, ScimUser } from './schemas';

/** A user or a group: what K2 answered a write with. */
type ScimResource = ScimUser | ScimGroup;
import { flattenAttributes, getByPath, isPlainObject } from './path';

/** Always kept (the key itself), or not an attribute a user can give. */
const NEVER_DROPPED = new Set(['schemas', 'id', 'meta', 'username']);

/** The attribute paths a created resource carries, as the node's writes name them (`name.givenName`, `emails`, `urn:…:User:department`). */
export function pathsOfResource(resource: ScimResource): string[] {
	const paths: string[] = [];
	for (const [path, value] of flattenAttributes(resource as Record<string, unknown>)) {
		if (value === null || value === undefined) continue;
		paths.push(path);
	}
	return paths.filter((path) => !NEVER_DROPPED.has(path.toLowerCase()));
}

/** The attribute paths a PATCH sets (removals set nothing, so they prove nothing). */
export function pathsOfOperations(operations: readonly PatchOperation[]): string[] {
	return operations
		.filter((op) => op.op !== 'remove' && typeof op.path === 'string' && op.value !== null && op.value !== undefined)
		.map((op) => op.path!)
		.filter((path) => !NEVER_DROPPED.has(path.toLowerCase()));
}

function absent(value: unknown): boolean {
	return value === undefined || value === null || (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);
}

/** Of the paths a write set, those K2's resource (its answer, or a read after the write) does not hold. */
export function droppedIn(resource: ScimResource, paths: readonly string[]): string[] {
	return paths.filter((path) => absent(getByPath(resource, path)));
}

/** The key a path is remembered by: attribute names are case-insensitive in SCIM. */
export function keptKey(path: string): string {
	return path.toLowerCase();
}

/**
 * Whether a write's path is covered by a path K2 does not keep: the same attribute, a part of one
 * it drops whole (`name.givenName` under `name`), or one whose only part was dropped
 * (`urn:…:manager` when its `manager.value` was).
 */
export function coveredBy(notKept: Iterable<string>, path: string): boolean {
	const key = keptKey(path);
	for (const dropped of notKept) {
		if (key === dropped || key.startsWith(`${dropped}.`) || dropped.startsWith(`${key}.`)) return true;
	}
	return false;
}

/** The paths of `notKept` that some listed user does hold: K2 keeps those after all. */
export function heldByAny(listed: readonly ScimResource[], notKept: readonly string[]): string[] {
	return notKept.filter((path) => listed.some((resource) => !absent(getByPath(resource, path))));
}
