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
/** How many failures the node's error message names; the rest are counted. */
const LISTED = 5;

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
	const listed = failures.slice(0, LISTED).map((f) => `${f.kind} "${f.name}"${f.item !== undefined ? ` (item ${f.item})` : ''}: ${f.reason}`);
	const more = failures.length > LISTED ? `; and ${failures.length - LISTED} more` : '';
	const description = [
		notes.deprovisionSkipped,
		notes.dryRun
			? 'Dry Run: nothing was written to K2.'
			: 'Everything else was written to K2. A re-run sends only what is still missing and never writes anything twice, but the failures above fail again until their cause is fixed. Turn on Continue On Fail (Settings > On Error) to get the failures as items instead.',
	]
		.filter(Boolean)
		.join(' ');
	const skipped = notes.deprovisionSkipped ? ' and nothing was deprovisioned' : '';
	return new NodeOperationError(ctx.getNode(), `Sync finished with ${failures.length} failure(s) (${byKind})${skipped}: ${listed.join('; ')}${more}`, {
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
	notes: { dryRun: boolean; deprovisionLimitExceeded: boolean; deprovisionSkipped?: string },
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
	};
}
