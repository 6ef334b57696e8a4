/**
 * Planning a full user sync: which desired users to create, which to patch, which are
 * already right (0 writes), and which K2 users to deprovision. Pure and Map-based, so a
 * plan for 100,000 users is computed in a fraction of a second before any write is sent.
 *
 * One person is one K2 account: an item is matched to at most one K2 user (scim/match.ts), two
 * items never claim the same user, and a create never gives a second account an External ID or
 * a userName that a K2 user already has.
 */
import { getByPath } from './path';
import type { PatchOperation, ScimUser } from './schemas';
import { identifierKey } from './identity';
import { resolveMatch } from './match';
import type { MatchKeys, MatchOn, MatchedBy } from './match';
import { toScimUser, userPatchOperations, validateUserFields, type FieldProblem, type UserFields } from './user';

export type { MatchOn, MatchKeys, MatchedBy } from './match';

export interface SyncOptions {
	matchOn: MatchOn;
	deprovision?: {
		mode: 'none' | 'deactivate' | 'delete';
		/** Which unmatched K2 users this sync owns; others (admins, other sources) are never touched. */
		inScope: (user: ScimUser) => boolean;
	};
	/** Paths not to compare: the attributes K2 does not keep (scim/kept.ts). Asked at each item, so what a run learns applies to the items after. */
	leaveOut?: (path: string) => boolean;
}

/** One changed attribute: K2's value and the value written (null when absent or removed). */
export interface Change {
	from: unknown;
	to: unknown;
}

export interface SyncItemPlan {
	/** Position of the item in the desired input, to pair results with n8n items. */
	index: number;
	action: 'create' | 'update' | 'reactivate' | 'unchanged' | 'error';
	existing?: ScimUser;
	/** Which key found `existing`. */
	matchedBy?: MatchedBy;
	/** PATCH operations for 'update' and 'reactivate'; [] otherwise. */
	operations: PatchOperation[];
	/** Each changed attribute, by the path its operation names. */
	changes: Record<string, Change>;
	/** The resource to POST for 'create'. */
	resource?: ScimUser;
	/** Why the item cannot be applied, for 'error'. */
	error?: string;
	problems?: FieldProblem[];
	/** Why this action, in a few words a K2 admin reads in the output. */
	reason: string;
}

export interface DeprovisionPlan {
	user: ScimUser;
	action: 'deactivate' | 'delete';
	/** PATCH operations for 'deactivate'. */
	operations: PatchOperation[];
}

export interface SyncPlan {
	items: SyncItemPlan[];
	deprovision: DeprovisionPlan[];
}

/**
 * Why an item's match value cannot name a K2 user: missing, blank, or not text (a number such
 * as 12345 from a spreadsheet is not a userName). Undefined when it can. A sync must not
 * deprovision anything while one item's key is unusable: that item's user would look missing.
 */
export function matchKeyProblem(value: unknown): 'missing' | 'blank' | 'notText' | undefined {
	if (value === undefined || value === null) return 'missing';
	if (typeof value !== 'string') return 'notText';
	return value.trim() === '' ? 'blank' : undefined;
}

const DEACTIVATE: PatchOperation[] = [{ op: 'replace', path: 'active', value: false }];

export interface SyncPlanner {
	/** Plans one desired item; `index` is its position in the desired input. */
	planItem(fields: UserFields, index: number): SyncItemPlan;
	/** K2 users in scope that no desired item names. */
	deprovision: DeprovisionPlan[];
	/**
	 * K2 users this run could deprovision if no item named them (in scope, with the key Sync matches
	 * on, active when deactivating): what Max Deprovisions (%) is a share of.
	 */
	deprovisionCandidates: number;
}

function indexBy(users: readonly ScimUser[], kind: 'userName' | 'externalId'): Map<string, ScimUser[]> {
	const index = new Map<string, ScimUser[]>();
	for (const user of users) {
		const key = identifierKey(kind, user[kind]);
		if (key === undefined) continue;
		const list = index.get(key);
		if (list) list.push(user);
		else index.set(key, [user]);
	}
	return index;
}

function countKeys(keys: ReadonlyArray<string | undefined>): Map<string, number> {
	const counts = new Map<string, number>();
	for (const key of keys) if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
	return counts;
}

/**
 * The part of a sync plan that needs the whole input: each item's K2 user, duplicates (two items
 * with one key, or two items finding one user) and the deprovisions. Items are then planned one
 * by one, so their writes can start while later items are still being read.
 *
 * @param desiredKeys each item's userName and externalId as given (undefined for an item whose keys are unusable)
 */
export function createSyncPlanner(existing: ScimUser[], desiredKeys: ReadonlyArray<MatchKeys | undefined>, options: SyncOptions): SyncPlanner {
	const { matchOn } = options;
	const byUserName = indexBy(existing, 'userName');
	const byExternalId = indexBy(existing, 'externalId');

	// Count first, so every copy of a duplicate is flagged: the input does not say which copy is right.
	const userNames = desiredKeys.map((keys) => identifierKey('userName', keys?.userName));
	const externalIds = desiredKeys.map((keys) => identifierKey('externalId', keys?.externalId));
	const userNameCount = countKeys(userNames);
	const externalIdCount = countKeys(externalIds);

	const matches = desiredKeys.map((keys) =>
		keys === undefined
			? undefined
			: resolveMatch(matchOn, keys, byExternalId.get(identifierKey('externalId', keys.externalId) ?? '') ?? [], byUserName.get(identifierKey('userName', keys.userName) ?? '') ?? []),
	);
	const claims = countKeys(matches.map((match) => match?.user?.id));

	const duplicateOf = (index: number): string | undefined => {
		const keys = desiredKeys[index]!;
		const externalId = externalIds[index];
		if (externalId !== undefined && externalIdCount.get(externalId)! > 1) {
			return `External ID "${String(keys.externalId).trim()}" appears ${externalIdCount.get(externalId)} times in the input; keep one item per person`;
		}
		const userName = userNames[index];
		if (userName !== undefined && userNameCount.get(userName)! > 1) {
			return `Username "${String(keys.userName).trim()}" appears ${userNameCount.get(userName)} times in the input; keep one item per person`;
		}
		const user = matches[index]?.user;
		if (user?.id !== undefined && claims.get(user.id)! > 1) {
			return `${claims.get(user.id)} input items match the same K2 user "${user.userName}" (id ${user.id}), one by its External ID and another by its Username; keep one item per person`;
		}
		return undefined;
	};

	// A K2 user whose userName or External ID any item gives is still in the source, even when that
	// item failed (a typo elsewhere in its row, an ambiguity): it is never deprovisioned.
	const named = (user: ScimUser) =>
		userNameCount.has(identifierKey('userName', user.userName) ?? '') || externalIdCount.has(identifierKey('externalId', user.externalId) ?? '');

	return {
		planItem: (fields, index) => {
			const match = matches[index];
			const usable = matchOn === 'externalIdThenUserName' ? externalIds[index] ?? userNames[index] : matchOn === 'externalId' ? externalIds[index] : userNames[index];
			if (match === undefined || usable === undefined) {
				return errorPlan(index, `Item has no ${matchOn === 'externalId' ? 'External ID' : matchOn === 'userName' ? 'Username' : 'External ID or Username'} to match K2 users on`);
			}
			const duplicate = duplicateOf(index);
			if (duplicate) return errorPlan(index, duplicate);
			if (match.error) return errorPlan(index, match.error);
			return planItem(fields, index, match.user, match.matchedBy, options.leaveOut);
		},
		...planDeprovision(existing, named, matchOn, options),
	};
}

export function planUserSync(existing: ScimUser[], desired: UserFields[], options: SyncOptions): SyncPlan {
	const planner = createSyncPlanner(
		existing,
		desired.map((fields) => ({ userName: fields.userName ?? undefined, externalId: fields.externalId ?? undefined })),
		options,
	);
	return { items: desired.map((fields, index) => planner.planItem(fields, index)), deprovision: planner.deprovision };
}

function errorPlan(index: number, error: string, existing?: ScimUser, problems?: FieldProblem[]): SyncItemPlan {
	return { index, action: 'error', existing, operations: [], changes: {}, error, problems, reason: error };
}

const MATCHED_BY: Record<MatchedBy, string> = { externalId: 'External ID', userName: 'Username' };

/**
 * The operations that bring one matched user to its item. A user present in the input is active
 * unless the item maps Active (a rehire is a reactivation); so a sync reactivates what it or an
 * admin deactivated when the person is back in the source.
 */
function planItem(
	fields: UserFields,
	index: number,
	current: ScimUser | undefined,
	matchedBy: MatchedBy | undefined,
	leaveOut?: (path: string) => boolean,
): SyncItemPlan {
	const problems = validateUserFields(fields, { requireUserName: current === undefined });
	if (problems.length > 0) return errorPlan(index, problems.map((p) => p.message).join('; '), current, problems);
	if (current === undefined) {
		return { index, action: 'create', operations: [], changes: {}, resource: toScimUser(fields), reason: 'created: no K2 user has its External ID or Username' };
	}
	// Only an explicit `false` is reactivated: a K2 that does not return `active` must not get a write every run.
	const wanted = fields.active === undefined && current.active === false ? { ...fields, active: true } : fields;
	const operations = userPatchOperations(current, wanted, leaveOut);
	const changes = changesOf(current, operations);
	const reactivated = current.active === false && changes.active?.to === true;
	const reasons = [`matched by ${MATCHED_BY[matchedBy!]}`];
	if (changes.userName) reasons.push(`renamed from ${String(changes.userName.from)}`);
	if (reactivated) reasons.push('reactivated: back in the input');
	const action = reactivated ? 'reactivate' : operations.length > 0 ? 'update' : 'unchanged';
	return { index, action, existing: current, matchedBy, operations, changes, reason: reasons.join('; ') };
}

/** Each operation's attribute as K2 has it and as it will be. */
export function changesOf(current: ScimUser, operations: readonly PatchOperation[]): Record<string, Change> {
	const changes: Record<string, Change> = {};
	for (const op of operations) {
		const path = op.path ?? op.op;
		changes[path] = { from: (op.path ? getByPath(current, op.path) : undefined) ?? null, to: op.op === 'remove' ? null : (op.value ?? null) };
	}
	return changes;
}

/**
 * K2 users no desired item names, within the caller's scope. Users without the key Sync matches
 * on are never deprovisioned: matching on External ID, those are typically accounts created by
 * hand in K2. Users already inactive are skipped when deactivating, so a repeated sync writes nothing.
 */
function planDeprovision(
	existing: readonly ScimUser[],
	named: (user: ScimUser) => boolean,
	matchOn: MatchOn,
	options: SyncOptions,
): { deprovision: DeprovisionPlan[]; deprovisionCandidates: number } {
	const deprovision = options.deprovision;
	if (!deprovision || deprovision.mode === 'none') return { deprovision: [], deprovisionCandidates: 0 };
	const keyOf = (user: ScimUser) =>
		matchOn === 'userName' ? identifierKey('userName', user.userName) : matchOn === 'externalId' ? identifierKey('externalId', user.externalId) : (identifierKey('externalId', user.externalId) ?? identifierKey('userName', user.userName));
	const plans: DeprovisionPlan[] = [];
	let candidates = 0;
	for (const user of existing) {
		if (keyOf(user) === undefined || !deprovision.inScope(user)) continue;
		if (deprovision.mode === 'deactivate' && user.active === false) continue;
		candidates++;
		if (named(user)) continue;
		if (deprovision.mode === 'delete') plans.push({ user, action: 'delete', operations: [] });
		else plans.push({ user, action: 'deactivate', operations: DEACTIVATE.map((op) => ({ ...op })) });
	}
	return { deprovision: plans, deprovisionCandidates: candidates };
}
