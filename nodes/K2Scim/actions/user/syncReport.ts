import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/** A write (or an input item) of a sync that did not get done, as the summary and the error list it. */
export interface SyncFailure {
	kind: 'user' | 'group' | 'membership' | 'deprovision';
	/** The username, group name or K2 user the failure is about. */
	name: string;
	reason: string;
	/** The input item, for a user failure. */
	item?: number;
}

const KINDS: Array<SyncFailure['kind']> = ['user', 'group', 'membership', 'deprovision'];
/** How many failures (or names, in the report) a message names; the rest are counted. */
const LISTED = 5;

/** The first failures, each with its kind, name, item and reason, and how many more: for the error and the report. */
function listFailures(failures: readonly SyncFailure[]): string {
	const listed = failures.slice(0, LISTED).map((f) => `${f.kind} "${f.name}"${f.item !== undefined ? ` (item ${f.item})` : ''}: ${f.reason}`);
	return `${listed.join('; ')}${failures.length > LISTED ? `; and ${failures.length - LISTED} more` : ''}`;
}

/** What the summary and the report say besides the items. */
interface SyncNotes {
	dryRun: boolean;
	deprovisionLimitExceeded: boolean;
	deprovisionSkipped?: string;
	notKeptByK2?: string[];
	/** The Held for Approval items (their json). */
	held?: IDataObject[];
}

export function failureCounts(failures: readonly SyncFailure[]): Record<SyncFailure['kind'], number> {
	const counts = { user: 0, group: 0, membership: 0, deprovision: 0 };
	for (const failure of failures) counts[failure.kind]++;
	return counts;
}

/**
 * The error a sync ends with when anything failed and Continue On Fail is off: thrown after every
 * write was attempted, so a scheduled run shows red and says what to look at.
 */
export function syncFailedError(
	ctx: IExecuteFunctions,
	failures: readonly SyncFailure[],
	notes: { deprovisionSkipped?: string; dryRun: boolean },
): NodeOperationError {
	const counts = failureCounts(failures);
	const byKind = KINDS.filter((kind) => counts[kind]).map((kind) => `${counts[kind]} ${kind}`).join(', ');
	const description = [
		notes.deprovisionSkipped,
		notes.dryRun
			? 'Dry Run: nothing was written to K2.'
			: 'Everything else was written to K2. A re-run sends only what is still missing and never writes anything twice, but the failures above fail again until their cause is fixed. Turn on Continue On Fail (Settings > On Error) to get the failures as items instead.',
	]
		.filter(Boolean)
		.join(' ');
	const skipped = notes.deprovisionSkipped ? ' and nothing was deprovisioned' : '';
	return new NodeOperationError(ctx.getNode(), `Sync finished with ${failures.length} failure(s) (${byKind})${skipped}: ${listFailures(failures)}`, {
		description,
	});
}

/**
 * An item of the sync's own (group, deprovision) output that failed, as Continue On Fail emits it:
 * with the error output on, n8n routes only items whose json is `{ error }`, so it is wrapped.
 */
export function failedItem(json: IDataObject, pairedItem: INodeExecutionData['pairedItem'], toErrorOutput: boolean): INodeExecutionData {
	if (!toErrorOutput) return { json, pairedItem };
	const { error, ...details } = json;
	return { json: { error: { message: error, ...details } }, pairedItem };
}

/** The one item of Output "One Summary Item": counts, and every failure with its kind, name and reason. */
export function summaryItem(
	perItem: Array<INodeExecutionData[] | Error>,
	additional: INodeExecutionData[],
	failures: readonly SyncFailure[],
	notes: SyncNotes,
): IDataObject {
	const counts: Record<string, number> = {};
	for (const result of perItem) {
		const action = result instanceof Error ? 'error' : String(result[0]?.json.action);
		counts[action] = (counts[action] ?? 0) + 1;
	}
	for (const entry of additional) {
		const json = (entry.json.error && typeof entry.json.error === 'object' ? entry.json.error : entry.json) as IDataObject;
		const key = `${json.type}:${json.action ?? 'error'}`;
		counts[key] = (counts[key] ?? 0) + 1;
	}
	return {
		dryRun: notes.dryRun,
		users: perItem.length,
		counts,
		failed: failures.length,
		failedByKind: failureCounts(failures),
		errors: failures.map((failure) => ({ ...failure }) as unknown as IDataObject),
		deprovisionLimitExceeded: notes.deprovisionLimitExceeded,
		...(notes.deprovisionSkipped ? { deprovisionSkipped: notes.deprovisionSkipped } : {}),
		...(notes.notKeptByK2?.length ? { notKeptByK2: notes.notKeptByK2 } : {}),
		...(notes.held?.length ? { heldForApproval: notes.held.length } : {}),
		report: reportText(perItem, additional, failures, notes),
	};
}


/** Past tense of each action, and what a Dry Run says instead. */
const DONE: Record<string, string> = { created: 'created', updated: 'updated', reactivated: 'reactivated', unchanged: 'unchanged', deactivated: 'deactivated', deleted: 'deleted' };
const WOULD: Record<string, string> = { create: 'to create', update: 'to update', reactivate: 'to reactivate', deactivate: 'to deactivate', delete: 'to delete' };

function named(names: string[]): string {
	const more = names.length > LISTED ? ` and ${names.length - LISTED} more` : '';
	return `${names.slice(0, LISTED).join(', ')}${more}`;
}

function userLabel(json: IDataObject, item?: number): string {
	const name = json.userName ?? json.externalId ?? json.id;
	return typeof name === 'string' && name ? name : item !== undefined ? `item ${item}` : 'a user';
}

/**
 * The run in a few lines of plain text, for a notification node to send as it is: the counts, the
 * first users of each change (with what changed), deprovisions, groups, and the failures with their
 * reasons. Every line says what happened to K2; a Dry Run says what would.
 */
export function reportText(
	perItem: Array<INodeExecutionData[] | Error>,
	additional: INodeExecutionData[],
	failures: readonly SyncFailure[],
	notes: SyncNotes,
): string {
	const label = (action: string) => (notes.dryRun ? (WOULD[action] ?? DONE[action] ?? action) : (DONE[action] ?? action));
	const usersBy = new Map<string, string[]>();
	perItem.forEach((result, item) => {
		if (result instanceof Error) return;
		const json = result[0]?.json ?? {};
		const action = String(json.action);
		if (action === 'error') return;
		const changed = Array.isArray(json.changedAttributes) && json.changedAttributes.length ? ` (${json.changedAttributes.join(', ')})` : '';
		usersBy.set(action, [...(usersBy.get(action) ?? []), `${userLabel(json, item)}${action === 'unchanged' ? '' : changed}`]);
	});
	const userFailures = failures.filter((failure) => failure.kind === 'user').length;
	const counts = [...usersBy].map(([action, names]) => `${names.length} ${label(action)}`);
	if (userFailures) counts.push(`${userFailures} failed`);
	const lines = [
		`K2 Sync${notes.dryRun ? ' (Dry Run: nothing was written to K2)' : ''}: ${perItem.length} user${perItem.length === 1 ? '' : 's'} in the input${counts.length ? `: ${counts.join(', ')}` : ''}.`,
	];
	for (const [action, names] of usersBy) {
		if (action !== 'unchanged') lines.push(`${label(action)[0].toUpperCase()}${label(action).slice(1)}: ${named(names)}.`);
	}
	const deprovisions = new Map<string, string[]>();
	const groupsBy = new Map<string, string[]>();
	const notApplied: string[] = [];
	for (const entry of additional) {
		const json = (entry.json.error && typeof entry.json.error === 'object' ? entry.json.error : entry.json) as IDataObject;
		if (json.action === 'error' || json.error !== undefined) continue;
		const action = String(json.action);
		if (json.type === 'deprovision' && action === 'notDeprovisioned') notApplied.push(`${userLabel(json)} (${String(json.reason).replace(/^Approved, not applied: /, '')})`);
		else if (json.type === 'deprovision' && action !== 'skipped') deprovisions.set(action, [...(deprovisions.get(action) ?? []), userLabel(json)]);
		if (json.type === 'group' && action !== 'unchanged') {
			const added = Array.isArray(json.membersAdded) ? json.membersAdded.length : 0;
			const removed = Array.isArray(json.membersRemoved) ? json.membersRemoved.length : 0;
			const members = [added ? `+${added}` : '', removed ? `-${removed}` : ''].filter(Boolean).join(' ');
			groupsBy.set(action, [...(groupsBy.get(action) ?? []), `${String(json.displayName)}${members ? ` (${members})` : ''}`]);
		}
	}
	for (const [action, names] of deprovisions) lines.push(`${names.length} ${label(action)} (not in the input): ${named(names)}.`);
	if (notApplied.length) lines.push(`${notApplied.length} approved deprovision${notApplied.length === 1 ? '' : 's'} not applied: ${named(notApplied)}.`);
	for (const [action, names] of groupsBy) lines.push(`Groups ${label(action)}: ${named(names)}.`);
	if (notes.held?.length) {
		const reason = String(notes.held[0].reason).replace(/^Held for approval: /, '');
		lines.push(`${notes.held.length} held for approval, nothing written for them (${reason}): ${named(notes.held.map((json) => userLabel(json)))}.`);
	}
	if (notes.deprovisionSkipped) lines.push(notes.deprovisionSkipped);
	if (notes.deprovisionLimitExceeded) lines.push('More users would be deprovisioned than the limits allow (Max Deprovisions per Run, Max Deprovisions (%)): without Dry Run this run would stop before any write.');
	if (failures.length) lines.push(`Failed (${failures.length}): ${listFailures(failures)}.`);
	if (notes.notKeptByK2?.length) lines.push(`K2 does not keep ${notes.notKeptByK2.join(', ')}: left out of the comparison.`);
	return lines.join('\n');
}
