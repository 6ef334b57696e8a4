import { sleep } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { coveredBy, droppedIn, heldByAny, keptKey, pathsOfOperations, pathsOfResource } from '../scim/kept';
import type { PatchOperation, ScimGroup, ScimUser } from '../scim/schemas';
import { groups, users } from '../transport/resources';
import { STAGING_WAITS_MS } from '../transport/retry';

type Kind = 'user' | 'group';
type Resource = ScimUser | ScimGroup;

/** Where a node remembers, across runs, what K2 did not keep of each kind (n8n saves it for production runs). */
const MEMORY_KEY: Record<Kind, string> = { user: 'notKeptByK2', group: 'groupNotKeptByK2' };
/**
 * What is never learned: a group's name is its key and its members are compared member by member
 * (a K2 that drops them fails loudly there), so only its other attributes (External ID) are.
 */
const NOT_LEARNED: Record<Kind, ReadonlySet<string>> = { user: new Set(), group: new Set(['displayname', 'members']) };
/** Reads after a PATCH answered without the resource: enough to learn, bounded per run. */
const MAX_READS_PER_RUN = 3;

/**
 * What this node knows about the attributes K2 drops from users, or from groups: remembered from
 * earlier runs (the node's workflow static data), and learned in this run from K2's answers to its
 * own writes. Sync and Create or Update leave these attributes out of their comparison, so an
 * attribute K2 drops does not cost a write on every run, and report them once per run.
 */
export class NotKeptByK2 {
	private readonly notKept = new Map<string, { path: string; since: string }>();
	/** Paths a write proved K2 keeps: no read is spent on them again in this run. */
	private readonly kept = new Set<string>();
	private reads = 0;
	private said = '';
	private readonly memory: IDataObject;

	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly kind: Kind = 'user',
	) {
		this.memory = ctx.getWorkflowStaticData('node');
		const remembered = this.memory[MEMORY_KEY[kind]];
		if (remembered && typeof remembered === 'object' && !Array.isArray(remembered)) {
			for (const [path, since] of Object.entries(remembered as IDataObject)) {
				if (typeof since === 'string') this.notKept.set(keptKey(path), { path, since });
			}
		}
	}

	/** Whether a path is not to be compared. */
	readonly leaveOut = (path: string): boolean => this.notKept.size > 0 && coveredBy(this.notKept.keys(), path);

	/** The paths K2 does not keep, as first seen, sorted. */
	list(): string[] {
		return [...this.notKept.values()].map((entry) => entry.path).sort();
	}

	/** A listed K2 user (or group) that holds a remembered attribute shows K2 keeps it (again): compare it again. */
	forgetHeldBy(listed: readonly Resource[]): void {
		for (const path of heldByAny(listed, this.list())) this.notKept.delete(keptKey(path));
	}

	/** After a create: what the POST sent that K2's 201 answer lacks. */
	learnFromCreate(sent: Resource, answer: Resource | undefined): void {
		if (answer) this.learn(this.learnable(pathsOfResource(sent)), answer);
	}

	/**
	 * After a PATCH: what it set that K2's answer lacks. A K2 that answers 204 sends nothing to
	 * compare, so the user is read once, for paths not yet proven either way, at most a few times
	 * per run. The read counts only if it shows this write (its meta changed): a K2 with a staging
	 * lag may still show the resource from before it, which proves nothing, so it is read again
	 * after the staging waits (2.5 s at most) before the run gives up learning from it. A read that
	 * lacks a path is believed only after every wait: it may show an earlier staged write instead.
	 * A K2 that sends no meta gives no way to tell: its read is taken as it is, by the same rule.
	 */
	async learnFromPatch(
		before: Resource,
		operations: readonly PatchOperation[],
		answer: Resource | undefined,
		itemIndex: number,
		operation = 'sync',
	): Promise<void> {
		const written = this.learnable(pathsOfOperations(operations)).filter((path) => !this.kept.has(keptKey(path)) && !this.leaveOut(path));
		if (!written.length) return;
		if (answer) return this.learn(written, answer);
		// What the resource held before this write K2 keeps (as in forgetHeldBy): no read, no staging wait.
		const held = new Set(heldByAny([before], written).map(keptKey));
		for (const key of held) this.kept.add(key);
		const paths = written.filter((path) => !held.has(keptKey(path)));
		if (!paths.length || this.reads >= MAX_READS_PER_RUN || !before.id) return;
		this.reads++;
		const context = { resource: this.kind, operation, id: before.id };
		const collection = this.kind === 'user' ? users : groups;
		const id = before.id;
		const readAfterWrite = async (): Promise<Resource | 'stale' | undefined> => {
			// A read K2 failed (after the transport's retries) ends the learning: reading again would only take longer.
			const read: Resource | undefined | null = await collection.getIfExists(this.ctx, id, { context, itemIndex }).catch(() => null);
			if (read === null) return undefined;
			if (!read) return 'stale';
			// Without meta on both sides no read tells this write's state from the one before it.
			if (!read.meta || !before.meta) return read;
			const showsThisWrite = read.meta.version !== before.meta.version || read.meta.lastModified !== before.meta.lastModified;
			return showsThisWrite ? read : 'stale';
		};
		let read = await readAfterWrite();
		for (const wait of STAGING_WAITS_MS) {
			// A read that lacks what this write set may show another write still in staging when
			// `before` was read, not this one: only the last read, after every wait, says K2 dropped it.
			if (read !== 'stale' && (read === undefined || droppedIn(read, paths).length === 0)) break;
			await sleep(wait);
			read = await readAfterWrite();
		}
		if (read && read !== 'stale') this.learn(paths, read);
	}

	/**
	 * Saves what the node knows for the next run (n8n stores it with the workflow after production
	 * runs) and says it in the run's hints: once, and again only if it changed.
	 */
	save(): void {
		const said = this.list().join(', ');
		if (said && said !== this.said) notKeptHint(this.ctx, this.kind, this.list());
		this.said = said;
		const remembered: IDataObject = {};
		for (const { path, since } of this.notKept.values()) remembered[path] = since;
		if (Object.keys(remembered).length) this.memory[MEMORY_KEY[this.kind]] = remembered;
		else delete this.memory[MEMORY_KEY[this.kind]];
	}

	private learnable(paths: readonly string[]): string[] {
		return paths.filter((path) => !NOT_LEARNED[this.kind].has(keptKey(path)));
	}

	private learn(paths: readonly string[], resource: Resource): void {
		const dropped = new Set(droppedIn(resource, paths).map(keptKey));
		const now = new Date().toISOString();
		for (const path of paths) {
			const key = keptKey(path);
			if (!dropped.has(key)) this.kept.add(key);
			else if (!this.notKept.has(key)) this.notKept.set(key, { path, since: now });
		}
	}
}

const perRun: Record<Kind, WeakMap<IExecuteFunctions, NotKeptByK2>> = { user: new WeakMap(), group: new WeakMap() };

/** This run's knowledge of users' (or groups') attributes (one per execution of the node, shared by its items). */
export function notKeptByK2(ctx: IExecuteFunctions, kind: Kind = 'user'): NotKeptByK2 {
	let known = perRun[kind].get(ctx);
	if (!known) perRun[kind].set(ctx, (known = new NotKeptByK2(ctx, kind)));
	return known;
}

/** Said in the node's execution hints (n8n shows them above the output) and its log. */
function notKeptHint(ctx: IExecuteFunctions, kind: Kind, paths: readonly string[]): void {
	if (!paths.length) return;
	const message =
		`K2 did not keep these ${kind} attributes, so this node does not compare them (a re-run writes nothing for them): ${paths.join(', ')}. ` +
		'K2 stores only the attributes it uses; leave them unmapped, or ask K2 support whether they can be kept.';
	ctx.logger.warn(message);
	// addExecutionHints exists in every n8n line this package supports; a test context may lack it.
	if (typeof ctx.addExecutionHints === 'function') ctx.addExecutionHints({ message, location: 'outputPane' });
}
