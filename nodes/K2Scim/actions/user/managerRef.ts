/**
 * Manager by reference in Create or Update (one lookup) and Sync (resolved from the listing Sync
 * already has, plus a second pass for managers this run created). Resolution itself is pure
 * (scim/managerRef.ts); this module does the lookups, the second-pass PATCHes and the reporting.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { describeReference, EMPLOYEE_NUMBER_PATH, employeeNumberOf, MANAGER_PATH, ManagerDirectory, resolveFromFound } from '../../scim/managerRef';
import type { ManagerReference, Resolution } from '../../scim/managerRef';
import { getByPath } from '../../scim/path';
import type { SyncItemPlan, SyncPlanner } from '../../scim/reconcile';
import type { ScimUser } from '../../scim/schemas';
import { userPatchOperations } from '../../scim/user';
import type { UserFields } from '../../scim/user';
import { users } from '../../transport/resources';
import { mapConcurrent } from '../../utils/concurrency';
import { findUsers } from './locate';
import type { SyncFailure } from './syncReport';

/**
 * Per run (per execution context, as transport/filterOperators.ts keeps K2's answers about filter
 * operators): whether K2 filters on employeeNumber (an enterprise attribute K2 may not filter on),
 * the first such lookup while it is unanswered (the others wait for it: a run asks once), and the
 * one listing a run that K2 refused resolves employee numbers from instead.
 */
interface EmployeeNumberFilter {
	accepted: boolean;
	refused: boolean;
	asking?: Promise<void>;
	listing?: Promise<ManagerDirectory>;
}
const runs = new WeakMap<IExecuteFunctions, EmployeeNumberFilter>();

/**
 * Looks a reference up with a SCIM filter (`userName eq`, `…:employeeNumber eq`; NFC and NFD
 * spellings, as locate.ts does). A K2 that answers the employeeNumber filter with 400 (invalid
 * filter) is asked once per run: the run then lists the users once and resolves in memory.
 */
async function lookUp(ctx: IExecuteFunctions, reference: ManagerReference, itemIndex: number): Promise<Resolution> {
	const find = async () => resolveFromFound(reference, await findUsers(ctx, reference.by, reference.value, 'createOrUpdate', itemIndex));
	if (reference.by === 'userName') return await find();
	let run = runs.get(ctx);
	if (!run) runs.set(ctx, (run = { accepted: false, refused: false }));
	// Waits while another lookup asks; from here to setting `asking` nothing awaits, so one asks.
	while (run.asking !== undefined) await run.asking;
	if (!run.refused) {
		const asking = !run.accepted;
		let answered = (): void => undefined;
		if (asking) run.asking = new Promise<void>((resolve) => (answered = resolve));
		try {
			const found = await find().catch((error: NodeApiError) => {
				if (!(error instanceof NodeApiError && error.httpCode === '400')) throw error;
				run.refused = true;
			});
			if (found !== undefined) {
				run.accepted = true;
				return found;
			}
		} finally {
			if (asking) {
				run.asking = undefined;
				answered();
			}
		}
	}
	const attributes = `id,userName,${EMPLOYEE_NUMBER_PATH}`;
	run.listing ??= users.list(ctx, { attributes }, { context: { resource: 'user', operation: 'createOrUpdate' }, itemIndex }).then((all) => new ManagerDirectory(all));
	return (await run.listing).resolve(reference);
}

/**
 * Create or Update: the item's Manager (a username or employee number) becomes `managerId`, or the
 * item fails before any write, saying why (not found, found twice).
 */
export async function resolveManagerByLookup(ctx: IExecuteFunctions, fields: UserFields, itemIndex: number): Promise<void> {
	const reference = fields.managerReference;
	if (!reference) return;
	const resolution = await lookUp(ctx, reference, itemIndex);
	if ('id' in resolution) {
		fields.managerId = resolution.id;
		return;
	}
	throw new NodeOperationError(ctx.getNode(), `Manager not resolved: ${resolution.reason}`, {
		itemIndex,
		description: `Nothing was sent to K2 for this item. Check the Manager field (${describeReference(reference)}) and Manager Is, or create the manager in K2 first.`,
	});
}

/** A user naming themselves as manager (by K2 ID, or resolved to their own id): refused before any write. */
export function selfManagerError(ctx: IExecuteFunctions, fields: UserFields, ownId: string | undefined, itemIndex: number): NodeOperationError | undefined {
	if (ownId === undefined || fields.managerId !== ownId) return undefined;
	const named = fields.managerReference ? describeReference(fields.managerReference) : `K2 ID "${ownId}"`;
	return new NodeOperationError(ctx.getNode(), `Manager names the user itself (${named}): a user cannot be their own manager`, {
		itemIndex,
		description: 'Nothing was sent to K2 for this item. Fix the Manager field of this input item.',
	});
}

interface Written {
	fields: UserFields;
	/** The K2 user after the item's write (before it, in a Dry Run; none for a Dry Run create). */
	user?: ScimUser;
	json: IDataObject;
}

/**
 * Sync's managers. Before each item's write, a reference is resolved against K2's users as listed:
 * found once, it goes into that write (and its comparison, so an unchanged manager costs nothing).
 * After every write, each reference is resolved again against K2 as the run left it (users it
 * created, usernames and employee numbers it changed): a manager created in this run is set then,
 * with one PATCH; a reference that names no one, several users, or the user itself is the item's
 * `managerError` and a failure of the run. The user's own write is never held back for it.
 */
export class SyncManagers {
	private readonly before: ManagerDirectory;
	private readonly written = new Map<number, Written>();
	/** Items whose manager (a K2 ID, or a reference found before the writes) is their own K2 user. */
	private readonly selfNamed = new Set<number>();

	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly existing: readonly ScimUser[],
		private readonly leaveOut?: (path: string) => boolean,
	) {
		this.before = new ManagerDirectory(existing);
	}

	/** The item's plan, with its manager resolved if K2's users as listed name one manager other than itself. */
	planItem(planner: SyncPlanner, fields: UserFields, itemIndex: number): SyncItemPlan {
		const reference = fields.managerReference;
		const found = reference ? this.before.resolve(reference) : undefined;
		if (found && 'id' in found) fields.managerId = found.id;
		const plan = planner.planItem(fields, itemIndex);
		if (fields.managerId == null || plan.existing?.id !== fields.managerId) return plan;
		// Its own K2 user: no manager change; the second pass reports it.
		this.selfNamed.add(itemIndex);
		delete fields.managerId;
		return planner.planItem(fields, itemIndex);
	}

	/** After each item's write (or its Dry Run report): who it is now, and what the second pass needs. */
	wrote(itemIndex: number, fields: UserFields, user: ScimUser | undefined, json: IDataObject): void {
		this.written.set(itemIndex, { fields, user, json });
	}

	private concerned(item: number, fields: UserFields): boolean {
		return fields.managerReference !== undefined || this.selfNamed.has(item);
	}

	/**
	 * Resolves every reference against K2 as the run left it; sets the managers still missing (one
	 * PATCH each, none in a Dry Run) and reports on each item. Returns the failures, in item order.
	 */
	async secondPass(dryRun: boolean, requestsInFlight: number): Promise<SyncFailure[]> {
		const settling = [...this.written].filter(([item, { fields }]) => this.concerned(item, fields));
		if (settling.length === 0) return [];
		const after = new ManagerDirectory(this.existing);
		// Users a Dry Run would create have no K2 id yet: a stand-in, and their name for the output.
		const toBeCreated = new Map<string, string>();
		for (const [item, { fields, user }] of this.written) {
			const id = ownId(item, user);
			if (!user?.id) toBeCreated.set(id, String(fields.userName ?? fields.externalId ?? `item ${item}`));
			after.set({
				id,
				userName: fields.userName ?? user?.userName,
				employeeNumber: fields.employeeNumber !== undefined ? fields.employeeNumber : user && employeeNumberOf(user),
			});
		}
		const failures = await mapConcurrent(settling, requestsInFlight, async ([item, entry]) => {
			const reason = await this.settle(item, entry, after, toBeCreated, dryRun);
			if (reason === undefined) return undefined;
			entry.json.managerError = reason;
			const failure: SyncFailure = { kind: 'user', name: String(entry.json.userName ?? entry.fields.externalId ?? `item ${item}`), reason: `Manager: ${reason}`, item };
			return failure;
		});
		return failures.filter((failure): failure is SyncFailure => failure !== undefined).sort((a, b) => a.item! - b.item!);
	}

	/** One item: its manager as resolved after the run, set if it is not yet. Undefined, or why not. */
	private async settle(item: number, entry: Written, after: ManagerDirectory, toBeCreated: Map<string, string>, dryRun: boolean): Promise<string | undefined> {
		const { fields, user, json } = entry;
		const reference = fields.managerReference;
		const self = ownId(item, user);
		const selfNamed = (named: string) => `it names the user itself (${named}): a user cannot be their own manager; the manager was left as it is`;
		if (!reference) return selfNamed(`K2 ID "${self}"`);
		const resolution = after.resolve(reference);
		json.manager = { [reference.by]: reference.value, id: 'id' in resolution && !toBeCreated.has(resolution.id) ? resolution.id : null };
		if (this.selfNamed.has(item) || ('id' in resolution && resolution.id === self)) return selfNamed(describeReference(reference));
		// A manager found before the writes went into the item's own write; a later ambiguity does not undo it.
		const kept = fields.managerId != null ? ` The manager found before the writes was ${dryRun ? 'planned' : 'set'} (id ${fields.managerId}).` : '';
		if (!('id' in resolution)) return `${resolution.reason}; the user was ${dryRun ? 'planned' : 'written'} without ${kept ? 'another' : 'a'} manager change.${kept}`;
		if (resolution.id === fields.managerId) return undefined; // set with the item's own write (or already K2's)

		// The manager exists only since this run (or the run changed who holds the reference): set it now.
		// (`user` is missing only for a Dry Run create, whose report has the pending manager.)
		const newManager = toBeCreated.get(resolution.id);
		const operations = user ? userPatchOperations(user, { managerId: resolution.id }, this.leaveOut) : [];
		if (user && operations.length === 0) return undefined; // K2 already has it
		const to = newManager !== undefined ? `the K2 ID of ${newManager}, created in this run` : { value: resolution.id };
		if (dryRun) {
			// A Dry Run create reports its whole resource; an update gets the manager among its changes.
			json.managerPending = newManager !== undefined ? `set after ${newManager} is created` : `set to ${resolution.id}`;
			if (user) this.describeChange(json, user, to, true);
			return undefined;
		}
		if (!user?.id) return undefined;
		try {
			await users.patch(this.ctx, user.id, operations, { context: { resource: 'user', operation: 'sync', id: user.id, userName: user.userName }, itemIndex: item });
		} catch (error) {
			return `could not be set to ${describeReference(reference)} (id ${resolution.id}): ${(error as Error).message}`;
		}
		json.manager = { [reference.by]: reference.value, id: resolution.id };
		this.describeChange(json, user, { value: resolution.id }, false);
		return undefined;
	}

	/** The manager among the item's changes, as the item's own write reports its changes. */
	private describeChange(json: IDataObject, user: ScimUser, to: unknown, dryRun: boolean): void {
		// A user created in this run reports no changes: its manager shows in `manager`, as part of the create.
		if (json.action === 'created') return;
		json.changes = { ...((json.changes as IDataObject) ?? {}), [MANAGER_PATH]: { from: getByPath(user, MANAGER_PATH) ?? null, to } };
		json.changedAttributes = [...((json.changedAttributes as string[]) ?? []), MANAGER_PATH];
		if (json.action !== 'unchanged') return;
		json.action = dryRun ? 'update' : 'updated';
		if (dryRun) json.dryRun = true;
	}
}

/** An item's K2 id, or a stand-in for a user a Dry Run would create. */
function ownId(item: number, user: ScimUser | undefined): string {
	return user?.id ?? `new:${item}`;
}
