/**
 * What changed in K2 between two polls: pure, nothing here knows n8n or HTTP.
 *
 * A snapshot keeps per user the values the events report (the node's flat user fields, `active`)
 * and a short hash of every other attribute, and per group its name, external ID, a hash of the
 * rest and its members (as positions in the user list, a few bytes each). Comparing two snapshots
 * gives the events, old and new values included; nothing else of K2's data is kept between polls.
 */
import type { IDataObject } from 'n8n-workflow';

import { simplifyUser, TEXT_FIELDS } from '../K2Scim/scim/user';
import { ENTERPRISE_USER_SCHEMA } from '../K2Scim/scim/schemas';
import type { ScimGroup, ScimUser } from '../K2Scim/scim/schemas';

export const EVENTS = [
	'userCreated',
	'userChanged',
	'userDeactivated',
	'userReactivated',
	'userDeleted',
	'groupCreated',
	'groupChanged',
	'groupDeleted',
	'membershipAdded',
	'membershipRemoved',
] as const;
export type EventName = (typeof EVENTS)[number];

/** The user attributes whose old and new values a User Changed event reports (the node's flat fields). */
export const USER_FIELDS = ['userName', ...TEXT_FIELDS] as const;
type UserField = (typeof USER_FIELDS)[number];

type Value = string | number | boolean | null;
/** [hash of the other attributes, active (1, 0 or null), ...USER_FIELDS' values]; trailing nulls left out. */
export type UserRow = Value[];
/** [hash of the other attributes, displayName, externalId, member IDs (null: not known, e.g. cut at K2's 100)]. */
export type GroupRow = [string, Value, Value, string[] | null];

/** A snapshot in memory, by ID. */
export interface Snapshot {
	/** When the listing behind it was taken (ISO). */
	at: string;
	users: Record<string, UserRow>;
	groups: Record<string, GroupRow>;
}

/**
 * A snapshot as the workflow's static data keeps it (JSON in n8n's database): users as
 * [id, ...row]; groups as [id, hash, displayName, externalId, members], a member being its
 * position in `u` (or its ID when it is not a listed user), members null when not known.
 */
export interface StoredSnapshot {
	v: 1;
	at: string;
	u: Array<[string, ...Value[]]>;
	g: Array<[string, string, Value, Value, Array<number | string> | null]>;
}

/** What one event is about, for the "own changes" filter: the user, or the group (memberships too). */
export interface Detected {
	json: IDataObject;
	subject: { resource: 'user' | 'group'; id: string };
}

/** cyrb53: a 53-bit string hash, in base 36 (at most 11 characters). Not cryptographic: change detection only. */
export function hash(text: string): string {
	let h1 = 0xdeadbeef;
	let h2 = 0x41c6ce57;
	for (let i = 0; i < text.length; i++) {
		const ch = text.charCodeAt(i);
		h1 = Math.imul(h1 ^ ch, 2654435761);
		h2 = Math.imul(h2 ^ ch, 1597334677);
	}
	h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
	h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
	return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** JSON with object keys sorted, so that the same resource always hashes the same. */
function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const entries = Object.keys(value as object)
			.sort()
			.filter((key) => (value as IDataObject)[key] !== undefined)
			.map((key) => `${JSON.stringify(key)}:${canonical((value as IDataObject)[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

/** The hash of a resource's attributes other than the reported ones (and id, meta, groups, members). */
function rest(copy: IDataObject, leaveOut: string[]): string {
	for (const key of ['id', 'meta', ...leaveOut]) delete copy[key];
	return hash(canonical(copy));
}

/** `entries` without the value of the entry the flat view reported (that one is compared by value). */
function withoutReported(entries: unknown, reported: unknown): unknown {
	if (!Array.isArray(entries) || reported === null) return entries;
	const index = entries.findIndex((entry) => (entry as IDataObject)?.value === reported);
	return index < 0 ? entries : entries.map((entry, i) => (i === index ? { ...(entry as IDataObject), value: undefined } : entry));
}

function userRest(user: ScimUser, flat: IDataObject): string {
	const copy = { ...user } as IDataObject;
	if (user.name && typeof user.name === 'object') copy.name = { ...user.name, givenName: undefined, familyName: undefined };
	const enterprise = user[ENTERPRISE_USER_SCHEMA];
	if (enterprise && typeof enterprise === 'object') copy[ENTERPRISE_USER_SCHEMA] = { ...enterprise, employeeNumber: undefined, department: undefined, manager: undefined };
	copy.emails = withoutReported(user.emails, flat.email) as IDataObject[];
	copy.phoneNumbers = withoutReported(user.phoneNumbers, flat.phoneNumber) as IDataObject[];
	return rest(copy, ['groups', 'active', 'userName', 'displayName', 'externalId', 'title']);
}

function plain(value: unknown): Value {
	if (value === undefined || value === null) return null;
	if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
	return canonical(value); // an object where K2 should have sent text: compared as its JSON
}

function trimNulls(row: Value[]): Value[] {
	let end = row.length;
	while (end > 2 && row[end - 1] === null) end--;
	return row.slice(0, end);
}

export function userRow(user: ScimUser): UserRow {
	const flat = simplifyUser(user);
	const active = user.active === true ? 1 : user.active === false ? 0 : null;
	return trimNulls([userRest(user, flat as IDataObject), active, ...USER_FIELDS.map((field) => plain(flat[field]))]);
}

export function groupRow(group: ScimGroup, memberIds: string[] | null): GroupRow {
	return [rest({ ...group } as IDataObject, ['members', 'displayName', 'externalId']), plain(group.displayName), plain(group.externalId), memberIds];
}

/** The flat user a row stands for (what the events carry as `user`). */
export function userView(id: string, row: UserRow): IDataObject {
	const view: IDataObject = { id };
	USER_FIELDS.forEach((field, index) => (view[field] = row[index + 2] ?? null));
	view.active = row[1] === 1 ? true : row[1] === 0 ? false : null;
	return view;
}

const field = (row: UserRow, name: UserField): Value => row[USER_FIELDS.indexOf(name) + 2] ?? null;

/**
 * Who is in which group. From the users' `groups` attribute when K2 fills it (complete); otherwise
 * from the groups' `members`, which K2 cuts at 100: a group showing `cap` or more members is
 * "not known" (null), and no membership event is made for it.
 */
export function membershipOf(users: ScimUser[], groups: ScimGroup[], cap: number): Map<string, string[] | null> {
	const members = new Map<string, string[] | null>();
	if (users.some((user) => Array.isArray(user.groups))) {
		for (const group of groups) members.set(String(group.id), []);
		for (const user of users) {
			for (const entry of user.groups ?? []) {
				const list = members.get(String(entry.value));
				if (list) list.push(String(user.id));
			}
		}
	} else {
		for (const group of groups) {
			const list = Array.isArray(group.members) ? group.members.map((member) => String(member.value)) : [];
			members.set(String(group.id), list.length >= cap ? null : list);
		}
	}
	for (const list of members.values()) list?.sort();
	return members;
}

export function takeSnapshot(users: ScimUser[], groups: ScimGroup[], members: Map<string, string[] | null>, at: string): Snapshot {
	const snapshot: Snapshot = { at, users: {}, groups: {} };
	for (const user of users) snapshot.users[String(user.id)] = userRow(user);
	for (const group of groups) snapshot.groups[String(group.id)] = groupRow(group, members.get(String(group.id)) ?? null);
	return snapshot;
}

/** The snapshot as static data keeps it (see StoredSnapshot). */
export function storeSnapshot(snapshot: Snapshot): StoredSnapshot {
	const ids = Object.keys(snapshot.users);
	const position = new Map(ids.map((id, index) => [id, index]));
	return {
		v: 1,
		at: snapshot.at,
		u: ids.map((id) => [id, ...snapshot.users[id]]),
		g: Object.entries(snapshot.groups).map(([id, [rowHash, name, externalId, members]]) => [
			id,
			rowHash,
			name,
			externalId,
			members === null ? null : members.map((member) => position.get(member) ?? member),
		]),
	};
}

/** The snapshot static data holds, or undefined when there is none (or one this version cannot read). */
export function loadSnapshot(value: unknown): Snapshot | undefined {
	const stored = value as StoredSnapshot | undefined;
	if (typeof stored !== 'object' || stored === null || stored.v !== 1 || !Array.isArray(stored.u) || !Array.isArray(stored.g)) return undefined;
	const snapshot: Snapshot = { at: String(stored.at), users: {}, groups: {} };
	const ids = stored.u.map(([id]) => String(id));
	for (const [id, ...row] of stored.u) snapshot.users[String(id)] = row;
	for (const [id, rowHash, name, externalId, members] of stored.g) {
		snapshot.groups[String(id)] = [rowHash, name, externalId, members === null ? null : members.map((m) => (typeof m === 'number' ? ids[m] : m))];
	}
	return snapshot;
}

type Changes = Record<string, { from: Value; to: Value }>;

function userChanges(before: UserRow, after: UserRow): Changes {
	const changes: Changes = {};
	for (const name of USER_FIELDS) {
		const from = field(before, name);
		const to = field(after, name);
		if (from !== to) changes[name] = { from, to };
	}
	return changes;
}

/**
 * The events between two snapshots, users first, then groups, then memberships, each in the
 * current listing's order (deletions in the previous one's). A resource missing from `current` is
 * reported deleted: the caller checks with K2 first (a listing can skip a resource that moved across
 * a page boundary while it was read). Memberships of a new user or group are reported
 * as added; those of a deleted user or group are not reported as removed (its Deleted event says it).
 */
export function compare(previous: Snapshot, current: Snapshot, detectedAt: string): Detected[] {
	const events: Detected[] = [];
	const userEvent = (event: EventName, id: string, row: UserRow, extra: IDataObject = {}): Detected => ({
		json: {
			event,
			id,
			userName: field(row, 'userName'),
			displayName: field(row, 'displayName'),
			externalId: field(row, 'externalId'),
			...extra,
			user: userView(id, row),
			detectedAt,
		},
		subject: { resource: 'user', id },
	});
	const groupEvent = (event: EventName, id: string, row: GroupRow, extra: IDataObject = {}): Detected => ({
		json: { event, id, displayName: row[1], externalId: row[2], ...extra, detectedAt },
		subject: { resource: 'group', id },
	});

	for (const [id, row] of Object.entries(current.users)) {
		const before = previous.users[id];
		if (!before) {
			events.push(userEvent('userCreated', id, row));
			continue;
		}
		if (before[1] !== row[1] && row[1] !== null) {
			events.push(userEvent(row[1] === 0 ? 'userDeactivated' : 'userReactivated', id, row));
		}
		const changes = userChanges(before, row);
		if (before[1] !== row[1] && row[1] === null) changes.active = { from: before[1] === 1, to: null };
		const otherChanged = before[0] !== row[0];
		if (Object.keys(changes).length || otherChanged) {
			const extra: IDataObject = { changedAttributes: Object.keys(changes), changes };
			// Attributes outside the reported ones (e.g. a second e-mail): only a hash of them is kept.
			if (otherChanged) extra.otherAttributesChanged = true;
			events.push(userEvent('userChanged', id, row, extra));
		}
	}
	for (const [id, row] of Object.entries(previous.users)) {
		if (!current.users[id]) events.push(userEvent('userDeleted', id, row));
	}

	for (const [id, row] of Object.entries(current.groups)) {
		const before = previous.groups[id];
		if (!before) {
			events.push(groupEvent('groupCreated', id, row, { memberCount: row[3]?.length ?? null }));
			continue;
		}
		const changes: Changes = {};
		if (before[1] !== row[1]) changes.displayName = { from: before[1], to: row[1] };
		if (before[2] !== row[2]) changes.externalId = { from: before[2], to: row[2] };
		const otherChanged = before[0] !== row[0];
		if (Object.keys(changes).length || otherChanged) {
			const extra: IDataObject = { changedAttributes: Object.keys(changes), changes };
			if (otherChanged) extra.otherAttributesChanged = true;
			events.push(groupEvent('groupChanged', id, row, extra));
		}
	}
	for (const [id, row] of Object.entries(previous.groups)) {
		if (!current.groups[id]) events.push(groupEvent('groupDeleted', id, row));
	}

	const userName = (id: string) => field(current.users[id] ?? previous.users[id] ?? [], 'userName');
	for (const [groupId, row] of Object.entries(current.groups)) {
		const now = row[3];
		const before = previous.groups[groupId];
		// Not known now, or before (cut at K2's cap): no event rather than a guess.
		if (now === null || (before && before[3] === null)) continue;
		const was = new Set(before?.[3] ?? []);
		const is = new Set(now);
		const membership = (event: EventName, userId: string): Detected => ({
			json: { event, id: groupId, displayName: row[1], userId, userName: userName(userId), detectedAt },
			subject: { resource: 'group', id: groupId },
		});
		for (const userId of now) if (!was.has(userId)) events.push(membership('membershipAdded', userId));
		for (const userId of was) {
			// A member that is gone altogether was deleted: its User Deleted event says so.
			if (!is.has(userId) && (current.users[userId] || !previous.users[userId])) events.push(membership('membershipRemoved', userId));
		}
	}
	return events;
}

/**
 * For a manual test without changes to show: one event of the given kind made from a real K2 user
 * or group in `current`, by comparing with a made-up earlier (or later) state, so it has exactly
 * the shape of a real event. Marked `sample: true`; undefined when K2 has nothing to build it from.
 */
export function sampleEvent(event: EventName, current: Snapshot, detectedAt: string): IDataObject | undefined {
	const state = (users: Snapshot['users'], groups: Snapshot['groups']): Snapshot => ({ at: current.at, users, groups });
	const pair = ((): [Snapshot, Snapshot] | undefined => {
		if (event.startsWith('user')) {
			const [id, row] = Object.entries(current.users)[0] ?? [];
			if (!id || !row) return undefined;
			const now = { [id]: row };
			if (event === 'userCreated') return [state({}, {}), state(now, {})];
			if (event === 'userDeleted') return [state(now, {}), state({}, {})];
			const active = event === 'userDeactivated' ? 0 : event === 'userReactivated' ? 1 : row[1];
			const later = [...row];
			later[1] = active;
			const earlier = [...later];
			if (event === 'userChanged') earlier[USER_FIELDS.indexOf('displayName') + 2] = `${String(field(row, 'displayName') ?? '')} (before)`;
			else earlier[1] = active === 1 ? 0 : 1;
			return [state({ [id]: earlier }, {}), state({ [id]: later }, {})];
		}
		// A group with a known member when there is one (the membership samples need one).
		const [id, row] = Object.entries(current.groups).find(([, g]) => g[3]?.length) ?? Object.entries(current.groups)[0] ?? [];
		if (!id || !row) return undefined;
		const now = { [id]: row };
		if (event === 'groupCreated') return [state(current.users, {}), state(current.users, now)];
		if (event === 'groupDeleted') return [state(current.users, now), state(current.users, {})];
		if (event === 'groupChanged') return [state(current.users, { [id]: [row[0], `${String(row[1] ?? '')} (before)`, row[2], row[3]] }), state(current.users, now)];
		const member = row[3]?.[0];
		if (member === undefined) return undefined;
		const without = state(current.users, { [id]: [row[0], row[1], row[2], row[3]!.slice(1)] });
		return event === 'membershipAdded' ? [without, state(current.users, now)] : [state(current.users, now), without];
	})();
	if (!pair) return undefined;
	const found = compare(pair[0], pair[1], detectedAt).find((detected) => detected.json.event === event);
	return found ? { ...found.json, sample: true } : undefined;
}
