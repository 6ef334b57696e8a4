import type { IDataObject } from 'n8n-workflow';

import { sameIdentifier } from '../../scim/identity';
import type { DeprovisionPlan } from '../../scim/reconcile';
import type { ScimUser } from '../../scim/schemas';

/**
 * Deprovisions above Sync's limits, held for a person to approve instead of failing the run (like
 * Entra's "Allow deletes" and Okta's import safeguard), and the approvals that come back.
 */

/** One approved deprovision, as the Held for Approval output gave it (or just its K2 ID). */
export interface Approval {
	id: string;
	/** What was held: an approval of a deactivation does not approve a delete. */
	action?: 'deactivate' | 'delete';
	/** The user as held: a K2 user renamed or re-keyed since then is not the one approved (null: had none). */
	userName?: string | null;
	externalId?: string | null;
	/** Held by a Dry Run: not an approval of a real deprovision. */
	dryRun?: boolean;
}

/** The limits a run's deprovisions are held (or stopped) by. */
export interface DeprovisionLimits {
	maxCount: number;
	/** Of the K2 users the run could deprovision; undefined when not set. */
	maxPercent?: number;
}

/**
 * Which limit the planned deprovisions exceed, as the end of "7 K2 users would be deactivated, …",
 * or undefined when they exceed none. `candidates`: the K2 users the run could deprovision (in
 * scope, with the match key, active when deactivating), what the percentage is a share of.
 */
export function limitExceeded(count: number, candidates: number, limits: DeprovisionLimits): string | undefined {
	if (count > limits.maxCount) return `more than the limit of ${limits.maxCount} (Max Deprovisions per Run)`;
	if (limits.maxPercent !== undefined && candidates > 0 && (count / candidates) * 100 > limits.maxPercent) {
		const percent = Math.round((count / candidates) * 1000) / 10;
		return `${percent}% of the ${candidates} users it could deprovision, more than the limit of ${limits.maxPercent}% (Max Deprovisions (%))`;
	}
	return undefined;
}

/**
 * Approved Deprovisions as given: the Held for Approval items (their json, or n8n items with json),
 * K2 IDs, or IDs separated by commas or new lines. A problem message when it is not one of those.
 */
export function readApprovals(value: unknown): { approvals: Approval[] } | { problem: string } {
	if (value === undefined || value === '') return { approvals: [] };
	// A list of IDs typed into the field approves those users on every later run: the help text says so.
	// An expression that found nothing: approving nobody by accident would hold the users again
	// without saying why. (n8n 1.123's vm expression engine gives null for $('Node').all().)
	if (value === null) return { problem: "is null: the expression gave nothing. On n8n 1.123, $('Node').all() gives null in expressions: pass the held items along in the items' json instead, as example 2 does" };
	const entries = typeof value === 'string' ? value.split(/[,\n]/).map((id) => id.trim()).filter(Boolean) : value;
	if (!Array.isArray(entries)) return { problem: `must be a list of held items or K2 IDs, not ${typeof value}` };
	const approvals: Approval[] = [];
	for (const [index, entry] of entries.entries()) {
		const approval = readApproval(entry);
		if (typeof approval === 'string') return { problem: `entry ${index} ${approval}` };
		approvals.push(approval);
	}
	return { approvals };
}

/** One approval, or the problem with it (the rest of "entry N …"). */
function readApproval(entry: unknown): Approval | string {
	if (typeof entry === 'string' && entry.trim()) return { id: entry.trim() };
	const shown = JSON.stringify(entry)?.slice(0, 80);
	if (!entry || typeof entry !== 'object') return `is neither a held item nor a K2 ID: ${shown}`;
	// `$('K2 SCIM').all(1)` gives n8n items; `.map(item => item.json)` their json: both are fine.
	const json = ('json' in entry && entry.json && typeof entry.json === 'object' ? entry.json : entry) as IDataObject;
	// Sync's other items (the Done output, the input) have ids too: only held items approve.
	if (json.action !== 'held' || typeof json.id !== 'string' || !json.id.trim()) {
		return `is not an item of the output Held for Approval (action "held" and an id): ${shown}`;
	}
	const action = json.deprovision === 'deactivate' || json.deprovision === 'delete' ? json.deprovision : undefined;
	const identifier = (value: unknown) => (typeof value === 'string' ? value : value === null ? null : undefined);
	const approval: Approval = { id: json.id.trim() };
	if (action) approval.action = action;
	if (identifier(json.userName) !== undefined) approval.userName = identifier(json.userName);
	if (identifier(json.externalId) !== undefined) approval.externalId = identifier(json.externalId);
	if (json.dryRun === true) approval.dryRun = true;
	return approval;
}

/** The planned deprovisions split by approval, and each approval that is not applied, with why. */
export interface ApprovalSplit {
	approved: DeprovisionPlan[];
	unapproved: DeprovisionPlan[];
	notApplied: Array<{ approval: Approval; user?: ScimUser; reason: string }>;
}

/**
 * Applies approvals to this run's plan: an approval counts only for a user this run would
 * deprovision anyway (still out of the input, still in scope), with the same action, and still
 * the same person (same Username and External ID as when held).
 */
export function splitByApproval(
	plans: readonly DeprovisionPlan[],
	approvals: readonly Approval[],
	existing: readonly ScimUser[],
	run: { inScope: (user: ScimUser) => boolean; dryRun: boolean; noDeprovisions?: string },
): ApprovalSplit {
	const byId = new Map(approvals.map((approval) => [approval.id, approval]));
	const planned = new Set(plans.map((plan) => plan.user.id));
	const split: ApprovalSplit = { approved: [], unapproved: [], notApplied: [] };
	for (const plan of plans) {
		const approval = byId.get(plan.user.id!);
		const changed = approval && changedSinceHeld(approval, plan, run.dryRun);
		if (approval && changed) split.notApplied.push({ approval, user: plan.user, reason: changed });
		(approval && !changed ? split.approved : split.unapproved).push(plan);
	}
	const users = new Map(existing.map((user) => [user.id, user]));
	for (const approval of byId.values()) {
		if (planned.has(approval.id)) continue;
		const user = users.get(approval.id);
		split.notApplied.push({ approval, user, reason: run.noDeprovisions ?? whyNotPlanned(approval, user, run.inScope) });
	}
	return split;
}

function changedSinceHeld(approval: Approval, plan: DeprovisionPlan, dryRun: boolean): string | undefined {
	if (approval.dryRun && !dryRun) return 'it was held by a Dry Run: run Sync without Dry Run and approve what it holds';
	if (approval.action && approval.action !== plan.action) {
		return `it was held to be ${approval.action === 'delete' ? 'deleted' : 'deactivated'}, and this run would ${plan.action} it: approve it again`;
	}
	for (const attribute of ['userName', 'externalId'] as const) {
		const held = approval[attribute];
		if (held === undefined) continue;
		const now = plan.user[attribute];
		// Held without one (null): the account must still have none.
		const same = held === null ? now === undefined || now === null || now === '' : sameIdentifier(attribute, held, now);
		if (!same) {
			return `its ${attribute} changed in K2 since it was held (${JSON.stringify(held)}, now ${JSON.stringify(now ?? null)}): run Sync and approve it again`;
		}
	}
	return undefined;
}

function whyNotPlanned(approval: Approval, user: ScimUser | undefined, inScope: (user: ScimUser) => boolean): string {
	if (!user) return 'K2 has no user with this ID any more';
	if (!inScope(user)) return 'it is no longer in the deprovision scope';
	if (user.active === false && approval.action !== 'delete') return 'it is inactive already';
	return 'an input item names it again';
}

/** The Held for Approval item of one user: what would be done, why it was held, and what approving needs. */
export function heldItem(plan: DeprovisionPlan, reason: string, heldAt: string, dryRun: boolean): IDataObject {
	return {
		type: 'deprovision',
		action: 'held',
		deprovision: plan.action,
		id: plan.user.id ?? null,
		userName: plan.user.userName ?? null,
		externalId: plan.user.externalId ?? null,
		reason: `Held for approval: ${reason}`,
		heldAt,
		...(dryRun ? { dryRun: true } : {}),
	};
}
