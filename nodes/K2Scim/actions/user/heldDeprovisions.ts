import type { IDataObject } from 'n8n-workflow';

import { normalizeIdentifier } from '../../scim/identity';
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
	/** The user as held: a K2 user renamed or re-keyed since then is not the one approved. */
	userName?: string;
	externalId?: string;
}

/** The limits a run's deprovisions are held (or stopped) by. */
export interface DeprovisionLimits {
	maxCount: number;
	/** Of the K2 users in the deprovision scope; undefined when not set. */
	maxPercent?: number;
}

/** Why the planned deprovisions exceed a limit, or undefined when they do not. */
export function limitExceeded(count: number, inScope: number, limits: DeprovisionLimits): string | undefined {
	if (count > limits.maxCount) return `${count} users, more than Max Deprovisions per Run (${limits.maxCount})`;
	if (limits.maxPercent !== undefined && inScope > 0 && (count / inScope) * 100 > limits.maxPercent) {
		const percent = Math.round((count / inScope) * 1000) / 10;
		return `${count} of the ${inScope} users in the deprovision scope (${percent}%), more than Max Deprovisions (%) (${limits.maxPercent}%)`;
	}
	return undefined;
}

/**
 * Approved Deprovisions as given: the Held for Approval items (their json, or n8n items with json),
 * K2 IDs, or IDs separated by commas or new lines. A problem message when it is not one of those.
 */
export function readApprovals(value: unknown): { approvals: Approval[] } | { problem: string } {
	if (value === undefined || value === '') return { approvals: [] };
	// An expression that found nothing: approving nobody by accident would hold the users again
	// without saying why. (n8n 1.123's vm expression engine gives null for $('Node').all().)
	if (value === null) return { problem: "is null: the expression gave nothing. On n8n 1.123, $('Node').all() gives null in expressions: pass the held items along in the items' json instead, as example 2 does" };
	const entries = typeof value === 'string' ? value.split(/[,\n]/).map((id) => id.trim()).filter(Boolean) : value;
	if (!Array.isArray(entries)) return { problem: `must be a list of held items or K2 IDs, not ${typeof value}` };
	const approvals: Approval[] = [];
	for (const [index, entry] of entries.entries()) {
		const approval = readApproval(entry);
		if (!approval) return { problem: `entry ${index} is neither a held item (with an id) nor a K2 ID: ${JSON.stringify(entry)?.slice(0, 80)}` };
		approvals.push(approval);
	}
	return { approvals };
}

function readApproval(entry: unknown): Approval | undefined {
	if (typeof entry === 'string' && entry.trim()) return { id: entry.trim() };
	if (!entry || typeof entry !== 'object') return undefined;
	// `$('K2 SCIM').all(1)` gives n8n items; `.map(item => item.json)` their json: both are fine.
	const json = ('json' in entry && entry.json && typeof entry.json === 'object' ? entry.json : entry) as IDataObject;
	if (typeof json.id !== 'string' || !json.id.trim()) return undefined;
	const action = json.deprovision === 'deactivate' || json.deprovision === 'delete' ? json.deprovision : undefined;
	return {
		id: json.id.trim(),
		...(action ? { action } : {}),
		...(typeof json.userName === 'string' ? { userName: json.userName } : {}),
		...(typeof json.externalId === 'string' ? { externalId: json.externalId } : {}),
	};
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
	inScope: (user: ScimUser) => boolean,
): ApprovalSplit {
	const byId = new Map(approvals.map((approval) => [approval.id, approval]));
	const planned = new Set(plans.map((plan) => plan.user.id));
	const split: ApprovalSplit = { approved: [], unapproved: [], notApplied: [] };
	for (const plan of plans) {
		const approval = byId.get(plan.user.id!);
		const changed = approval && changedSinceHeld(approval, plan);
		if (approval && changed) split.notApplied.push({ approval, user: plan.user, reason: changed });
		(approval && !changed ? split.approved : split.unapproved).push(plan);
	}
	const users = new Map(existing.map((user) => [user.id, user]));
	for (const approval of byId.values()) {
		if (planned.has(approval.id)) continue;
		const user = users.get(approval.id);
		split.notApplied.push({ approval, user, reason: whyNotPlanned(approval, user, inScope) });
	}
	return split;
}

function changedSinceHeld(approval: Approval, plan: DeprovisionPlan): string | undefined {
	if (approval.action && approval.action !== plan.action) {
		return `it was held to be ${approval.action === 'delete' ? 'deleted' : 'deactivated'}, and this run would ${plan.action} it: approve it again`;
	}
	for (const attribute of ['userName', 'externalId'] as const) {
		const held = approval[attribute];
		if (held === undefined) continue;
		const now = plan.user[attribute];
		if (typeof now !== 'string' || normalizeIdentifier(now).toLowerCase() !== normalizeIdentifier(held).toLowerCase()) {
			return `its ${attribute} changed in K2 since it was held (${JSON.stringify(held)}, now ${JSON.stringify(now ?? null)}): run Sync and approve it again`;
		}
	}
	return undefined;
}

function whyNotPlanned(approval: Approval, user: ScimUser | undefined, inScope: (user: ScimUser) => boolean): string {
	if (!user) return 'K2 has no user with this ID any more';
	if (!inScope(user)) return 'it is no longer in the deprovision scope';
	if (user.active === false && approval.action !== 'delete') return 'it is inactive already';
	return 'an input item names it again (or this run deprovisions nothing)';
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
