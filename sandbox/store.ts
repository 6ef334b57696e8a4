// SCIM data: users and groups in memory (Maps keep creation order, which gives stable paging),
// unique indexes for userName / displayName (case-insensitive, as K2 treats them) and an
// externalId index, so the per-user lookups of a sync never scan 10k records.
// Persisted as one JSON file, snapshotted with a debounce and flushed on stop().
// Two of K2's unknowns live here: soft delete (a deleted resource's name stays taken) and the
// read-after-write lag (reads see a record as it was before writes younger than the lag;
// writes, uniqueness and member checks always see the real state).
import path from 'node:path';
import crypto from 'node:crypto';
import { DebouncedWriter, readJson } from './persist';

export type ResourceType = 'User' | 'Group';

export interface ScimRecord {
	id: string;
	schemas: string[];
	meta: { resourceType: ResourceType; created: string; lastModified: string; version: string };
	externalId?: string;
	[attr: string]: unknown;
}

export class ConflictError extends Error {}
export class NotFoundError extends Error {}

class Collection {
	readonly byId = new Map<string, ScimRecord>();
	/** lower-cased unique name (userName or displayName) -> id */
	readonly byName = new Map<string, string>();
	readonly byExternalId = new Map<string, Set<string>>();
	/** Soft-deleted resources: lower-cased name -> id. Gone from every read, their names stay taken. */
	readonly retiredNames = new Map<string, string>();
	/**
	 * Read-after-write lag: per id, the writes not yet visible, oldest first, each with the state
	 * from before it (undefined: the resource did not exist). Empty when the lag is 0.
	 */
	readonly pending = new Map<string, Array<{ visibleAt: number; before: ScimRecord | undefined }>>();

	constructor(
		readonly type: ResourceType,
		readonly nameAttr: 'userName' | 'displayName',
	) {}

	nameOf(r: Record<string, unknown>): string | undefined {
		const v = r[this.nameAttr];
		return typeof v === 'string' ? v.toLowerCase() : undefined;
	}

	index(r: ScimRecord): void {
		const name = this.nameOf(r);
		if (name !== undefined) this.byName.set(name, r.id);
		if (typeof r.externalId === 'string') {
			let set = this.byExternalId.get(r.externalId);
			if (!set) this.byExternalId.set(r.externalId, (set = new Set()));
			set.add(r.id);
		}
	}

	unindex(r: ScimRecord): void {
		const name = this.nameOf(r);
		if (name !== undefined && this.byName.get(name) === r.id) this.byName.delete(name);
		if (typeof r.externalId === 'string') {
			const set = this.byExternalId.get(r.externalId);
			set?.delete(r.id);
			if (set && !set.size) this.byExternalId.delete(r.externalId);
		}
	}

	/** Throws ConflictError if another resource already has this name. */
	assertUnique(data: Record<string, unknown>, selfId?: string): void {
		const name = this.nameOf(data);
		if (name === undefined) return;
		const owner = this.byName.get(name) ?? this.retiredNames.get(name);
		if (owner !== undefined && owner !== selfId)
			throw new ConflictError(`A ${this.type.toLowerCase()} with this ${this.nameAttr} already exists`);
	}

	/** Remember the state before a write, so reads keep seeing it for `lagMs`. */
	recordWrite(id: string, before: ScimRecord | undefined, lagMs: number): void {
		if (!(lagMs > 0)) return;
		let writes = this.pending.get(id);
		if (!writes) this.pending.set(id, (writes = []));
		writes.push({ visibleAt: Date.now() + lagMs, before });
	}

	/** Drop the writes that became visible; true while some are still pending. */
	private settle(now: number): boolean {
		for (const [id, writes] of this.pending) {
			while (writes.length && writes[0].visibleAt <= now) writes.shift();
			if (!writes.length) this.pending.delete(id);
		}
		return this.pending.size > 0;
	}

	/** What a read sees of this id now: the state before its oldest write still in the lag, else the real one. */
	visible(id: string, now = Date.now()): ScimRecord | undefined {
		const hidden = this.pending.get(id)?.find((w) => w.visibleAt > now);
		return hidden ? hidden.before : this.byId.get(id);
	}

	/** Every resource a read sees now, in creation order (ones deleted within the lag at the end). */
	visibleAll(): ScimRecord[] | IterableIterator<ScimRecord> {
		const now = Date.now();
		if (!this.settle(now)) return this.byId.values();
		const out: ScimRecord[] = [];
		for (const id of this.byId.keys()) {
			const r = this.visible(id, now);
			if (r) out.push(r);
		}
		for (const id of this.pending.keys()) {
			if (this.byId.has(id)) continue;
			const r = this.visible(id, now);
			if (r) out.push(r);
		}
		return out;
	}

	/** Milliseconds until every write so far is visible to reads (0: all are). */
	msUntilSettled(): number {
		const now = Date.now();
		let last = now;
		for (const writes of this.pending.values()) for (const w of writes) last = Math.max(last, w.visibleAt);
		return last - now;
	}

	hasPending(): boolean {
		return this.settle(Date.now());
	}

	clear(): void {
		this.byId.clear();
		this.byName.clear();
		this.byExternalId.clear();
		this.retiredNames.clear();
		this.pending.clear();
	}
}

interface Snapshot {
	users: ScimRecord[];
	groups: ScimRecord[];
	/** Names of soft-deleted resources, lower-cased name -> id (they stay taken across restarts). */
	retired?: { users: Array<[string, string]>; groups: Array<[string, string]> };
}

export class ScimStore {
	readonly users = new Collection('User', 'userName');
	readonly groups = new Collection('Group', 'displayName');
	private readonly writer: DebouncedWriter;
	/** userId -> ids of the groups it is a member of: the User's read-only `groups` (RFC 7643 §4.1.2). */
	private readonly memberOf = new Map<string, Set<string>>();

	/**
	 * @param lagMs the read-after-write lag in force (read at every write, so it can change at run time)
	 */
	constructor(
		dataDir: string,
		private readonly lagMs: () => number = () => 0,
	) {
		const file = path.join(dataDir, 'scim-data.json');
		const saved = readJson<Snapshot>(file);
		for (const r of saved?.users ?? []) this.load(this.users, r);
		for (const r of saved?.groups ?? []) this.load(this.groups, r);
		for (const [name, id] of saved?.retired?.users ?? []) this.users.retiredNames.set(name, id);
		for (const [name, id] of saved?.retired?.groups ?? []) this.groups.retiredNames.set(name, id);
		this.writer = new DebouncedWriter(file, (): Snapshot => ({
			users: [...this.users.byId.values()],
			groups: [...this.groups.byId.values()],
			...(this.users.retiredNames.size || this.groups.retiredNames.size
				? { retired: { users: [...this.users.retiredNames], groups: [...this.groups.retiredNames] } }
				: {}),
		}));
	}

	private load(c: Collection, r: ScimRecord): void {
		c.byId.set(r.id, r);
		c.index(r);
		if (c === this.groups) this.trackMembers(r, true);
	}

	private trackMembers(group: ScimRecord, add: boolean): void {
		for (const member of (group.members as Array<{ value: string }> | undefined) ?? []) {
			let groups = this.memberOf.get(member.value);
			if (add) {
				if (!groups) this.memberOf.set(member.value, (groups = new Set()));
				groups.add(group.id);
			} else {
				groups?.delete(group.id);
				if (groups?.size === 0) this.memberOf.delete(member.value);
			}
		}
	}

	/** The groups a user belongs to, complete (unlike a group read, which K2 caps at 100 members). */
	groupsOf(userId: string): Array<{ value: string; display?: string; type: 'direct' }> {
		return [...(this.memberOf.get(userId) ?? [])].map((id) => ({
			value: id,
			display: this.groups.byId.get(id)?.displayName as string | undefined,
			type: 'direct',
		}));
	}

	collection(type: ResourceType): Collection {
		return type === 'User' ? this.users : this.groups;
	}

	/** The real state, for writes and their checks (members, uniqueness). Reads use `read`. */
	get(type: ResourceType, id: string): ScimRecord | undefined {
		return this.collection(type).byId.get(id);
	}

	/** What a read (GET by id) sees: with a read-after-write lag, possibly an older state. */
	read(type: ResourceType, id: string): ScimRecord | undefined {
		return this.collection(type).visible(id);
	}

	/** Index lookup for `attr eq "value"` as reads see it; undefined means "no index for this attribute" (or writes within the lag: scan). */
	lookup(type: ResourceType, attr: string, value: string): ScimRecord[] | undefined {
		const c = this.collection(type);
		// The indexes hold the real state: while writes are still in the lag, reads scan `all`.
		if (c.hasPending()) return undefined;
		const hit = (id: string | undefined) => (id !== undefined ? c.byId.get(id) : undefined);
		if (attr === 'id') return [hit(value)].filter((r): r is ScimRecord => !!r);
		if (attr === c.nameAttr.toLowerCase()) return [hit(c.byName.get(value.toLowerCase()))].filter((r): r is ScimRecord => !!r);
		if (attr === 'externalid') return [...(c.byExternalId.get(value) ?? [])].map((id) => c.byId.get(id)!).filter(Boolean);
		return undefined;
	}

	/** Every resource as reads see it (a list or a filter). */
	all(type: ResourceType): Iterable<ScimRecord> {
		return this.collection(type).visibleAll();
	}

	count(type: ResourceType): number {
		return this.collection(type).byId.size;
	}

	/** Milliseconds until every write so far is visible to reads. */
	msUntilSettled(): number {
		return Math.max(this.users.msUntilSettled(), this.groups.msUntilSettled());
	}

	/** Create from validated SCIM attributes (no id/meta). */
	create(type: ResourceType, attrs: Record<string, unknown>): ScimRecord {
		const c = this.collection(type);
		c.assertUnique(attrs);
		const now = new Date().toISOString();
		const { id: _ignoredId, meta: _ignoredMeta, ...rest } = attrs;
		const record: ScimRecord = {
			...rest,
			schemas: (attrs.schemas as string[]) ?? [],
			id: crypto.randomUUID(),
			meta: { resourceType: type, created: now, lastModified: now, version: 'W/"1"' },
		};
		c.byId.set(record.id, record);
		c.index(record);
		c.recordWrite(record.id, undefined, this.lagMs());
		if (type === 'Group') this.trackMembers(record, true);
		this.writer.schedule();
		return record;
	}

	/** Full replacement (PUT, and the final write of a PATCH). Keeps id and meta.created. */
	replace(type: ResourceType, id: string, attrs: Record<string, unknown>): ScimRecord {
		const c = this.collection(type);
		const existing = c.byId.get(id);
		if (!existing) throw new NotFoundError(`Resource ${id} not found`);
		c.assertUnique(attrs, id);
		const { id: _ignoredId, meta: _ignoredMeta, ...rest } = attrs;
		const version = Number(/\d+/.exec(existing.meta.version)?.[0] ?? '1') + 1;
		const record: ScimRecord = {
			...rest,
			schemas: (attrs.schemas as string[]) ?? existing.schemas,
			id,
			meta: { ...existing.meta, lastModified: new Date().toISOString(), version: `W/"${version}"` },
		};
		c.unindex(existing);
		c.byId.set(id, record);
		c.index(record);
		c.recordWrite(id, existing, this.lagMs());
		if (type === 'Group') {
			this.trackMembers(existing, false);
			this.trackMembers(record, true);
		}
		this.writer.schedule();
		return record;
	}

	/** `soft`: the resource leaves every read, but its userName / displayName stays taken (409 on re-use). */
	delete(type: ResourceType, id: string, opts: { soft?: boolean } = {}): void {
		const c = this.collection(type);
		const existing = c.byId.get(id);
		if (!existing) throw new NotFoundError(`Resource ${id} not found`);
		c.unindex(existing);
		c.byId.delete(id);
		const name = c.nameOf(existing);
		if (opts.soft && name !== undefined) c.retiredNames.set(name, id);
		c.recordWrite(id, existing, this.lagMs());
		if (type === 'Group') this.trackMembers(existing, false);
		if (type === 'User') {
			this.memberOf.delete(id);
			// A deleted user leaves every group it was in (K2 keeps no dangling members).
			for (const g of this.groups.byId.values()) {
				const members = g.members as Array<{ value: string }> | undefined;
				if (members?.some((m) => m.value === id)) g.members = members.filter((m) => m.value !== id);
			}
		}
		this.writer.schedule();
	}

	reset(): void {
		this.users.clear();
		this.groups.clear();
		this.memberOf.clear();
		this.writer.schedule();
	}

	flush(): Promise<void> {
		return this.writer.flush();
	}
}
