import { NodeOperationError, sleep } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { rawFilterProblem } from '../../scim/filterParser';
import { describeValue, readBoolean, readGroupNames } from '../../scim/validate';
import { groupKey } from '../../scim/groupSync';
import type { ManagedGroups } from '../../scim/groupSync';
import { invisibleCharacterProblem, normalizeIdentifier } from '../../scim/identity';
import { createSyncPlanner, matchKeyProblem } from '../../scim/reconcile';
import type { DeprovisionPlan, MatchKeys, MatchOn, SyncItemPlan } from '../../scim/reconcile';
import type { ScimUser } from '../../scim/schemas';
import type { UserFields } from '../../scim/user';
import { users } from '../../transport/resources';
import { mapConcurrent } from '../../utils/concurrency';
import { readRequestsInFlight, requestsInFlightModeOption, requestsInFlightOption } from '../common.fields';
import type { BatchResult } from '../types';
import { additionalFieldsCollection, matchOnFields, readUserFields, userNameField } from './fields';
import { findUser } from './locate';
import { SyncManagers } from './managerRef';
import { notKeptByK2 } from '../notKept';
import type { NotKeptByK2 } from '../notKept';
import { syncGroups } from './syncGroups';
import type { SyncUserRef } from './syncGroups';
import { heldItem, limitExceeded, readApprovals, splitByApproval } from './heldDeprovisions';
import type { Approval } from './heldDeprovisions';
import { failedItem, summaryItem, syncFailedError } from './syncReport';
import type { SyncFailure } from './syncReport';

const show = { resource: ['user'], operation: ['sync'] };

export const description: INodeProperties[] = [
	{
		displayName:
			'All input items together are the users K2 should have: missing users are created, changed attributes are updated, unchanged users cost no request. Try it first with Options > Add Option > Dry Run.',
		name: 'syncNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	...matchOnFields(['sync']),
	userNameField(['sync']),
	additionalFieldsCollection(['sync'], { managerByReference: true }),
	{
		displayName: 'Groups',
		name: 'groupNames',
		type: 'string',
		default: '',
		placeholder: 'e.g. Sales, Managers',
		description:
			'The K2 groups (display names, comma-separated, or an expression returning a list) this user should be in. Leave empty to leave group memberships alone.',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'syncOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Approved Deprovisions',
				name: 'approvedDeprovisions',
				type: 'string',
				default: '',
				placeholder: "e.g. {{ $('Sync K2 Users').all(1).map(item => item.json) }}",
				description:
					'Deprovisions a person approved: the items Held for Approval gave (an expression returning them), or their K2 IDs, comma-separated (IDs typed here approve those users on every later run: remove them once applied). Each is applied only if this run would still deprovision that user (not in the input, in scope, same Username and External ID as when held); the others come out with the reason.',
			},
			{
				displayName: 'Create Missing Groups',
				name: 'createMissingGroups',
				type: 'boolean',
				default: true,
				description: 'Whether to create a group named in Groups that K2 does not have yet',
			},
			{
				displayName: 'Deprovision Filter',
				name: 'deprovisionFilter',
				type: 'string',
				default: '',
				placeholder: 'e.g. title eq "Contractor"',
				description: 'With Deprovision Scope "Users Matching a SCIM Filter": the SCIM filter that selects them',
			},
			{
				displayName: 'Deprovision Missing Users',
				name: 'deprovision',
				type: 'options',
				options: [
					{ name: 'Do Nothing', value: 'none' },
					{ name: 'Deactivate', value: 'deactivate', description: 'Set them inactive (reversible)' },
					{ name: 'Delete', value: 'delete', description: 'Delete them from K2 (not reversible)' },
				],
				default: 'none',
				description: 'What to do with K2 users in the deprovision scope that no input item names',
			},
			{
				displayName: 'Deprovision Scope',
				name: 'deprovisionScope',
				type: 'options',
				options: [
					{
						name: 'Users With an External ID',
						value: 'withExternalId',
						description: 'Users a provisioning source created; users made by hand in K2 are left alone',
					},
					{ name: 'Users Matching a SCIM Filter', value: 'filter' },
					{ name: 'All Users', value: 'all' },
				],
				default: 'withExternalId',
				description: 'Which K2 users this sync owns and may deprovision',
			},
			{
				displayName: 'Dry Run',
				name: 'dryRun',
				type: 'boolean',
				// On when added: the notice sends users here to try a sync first.
				default: true,
				description: 'Whether to only report what would change (each user\'s changes, from and to), sending no write to K2',
			},
			{
				displayName: 'Managed Group Names',
				name: 'managedGroupList',
				type: 'string',
				default: '',
				placeholder: 'e.g. Sales, Finance, Support',
				description: 'With Managed Groups "These Groups": the group names, comma-separated (or an expression returning a list)',
			},
			{
				displayName: 'Managed Groups',
				name: 'managedGroups',
				type: 'options',
				options: [
					{
						name: 'Groups Named in the Input',
						value: 'named',
						description: 'A user leaves a group only when some input item still names that group',
					},
					{
						name: 'All K2 Groups',
						value: 'all',
						description: 'Each user is in exactly the groups its item lists; it leaves every other K2 group',
					},
					{
						name: 'These Groups',
						value: 'list',
						description: 'The groups in Managed Group Names, and those the input names',
					},
				],
				default: 'named',
				description:
					'Which K2 groups Sync owns. Within them, each user whose item has Groups ends up in exactly those groups. Memberships in other groups are left alone and listed in the user\'s otherGroups. Users whose item has no Groups are never removed from a group.',
			},
			{
				displayName: 'Max Deprovisions (%)',
				name: 'maxDeprovisionsPercent',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 20,
				description:
					'Second safety limit: the share of the K2 users in the deprovision scope that one run may deprovision (Okta\'s import safeguard defaults to 20%). Above it, as above Max Deprovisions per Run.',
			},
			{
				displayName: 'Max Deprovisions per Run',
				name: 'maxDeprovisions',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 0 },
				default: 10,
				description:
					'Safety limit (a whole number, 0 or more): if more users would be deprovisioned, no user is deprovisioned, and the run fails or holds them for approval (Over the Limit), like Entra ID\'s accidental-deletion threshold. Nothing is ever deprovisioned when an input item has no usable match key.',
			},
			{
				displayName: 'Output',
				name: 'output',
				type: 'options',
				options: [
					{ name: 'One Item per User', value: 'perUser' },
					{ name: 'One Summary Item', value: 'summary' },
				],
				default: 'perUser',
			},
			{
				displayName: 'Over the Limit',
				name: 'overLimit',
				type: 'options',
				// It decides the node's outputs, which n8n works out from the parameter as saved.
				noDataExpression: true,
				options: [
					{
						name: 'Stop the Run',
						value: 'fail',
						description: 'Nothing is written to K2 and the run fails',
					},
					{
						name: 'Hold for Approval',
						value: 'hold',
						description:
							'Adds the output Held for Approval (second output; the error output, if used, moves to third): everything else is applied, and each held user comes out there',
					},
				],
				default: 'fail',
				description: 'What happens when more users would be deprovisioned than the limits allow',
			},
			requestsInFlightOption('How many writes are sent to K2 at the same time.'),
			requestsInFlightModeOption(),
		],
	},
];

interface SyncOptions {
	createMissingGroups: boolean;
	managedGroups: ManagedGroups;
	deprovision: 'none' | 'deactivate' | 'delete';
	deprovisionScope: 'withExternalId' | 'filter' | 'all';
	deprovisionFilter: string;
	dryRun: boolean;
	maxDeprovisions: number;
	maxDeprovisionsPercent?: number;
	overLimit: 'fail' | 'hold';
	approvals: Approval[];
	output: 'perUser' | 'summary';
	requestsInFlight: number;
}

const DEFAULT_MAX_DEPROVISIONS = 10;
const KEY_LABEL: Record<MatchOn, string> = { userName: 'Username', externalId: 'External ID', externalIdThenUserName: 'External ID or Username' };

/** Options, checked before anything is read from or sent to K2. */
function readOptions(ctx: IExecuteFunctions): SyncOptions {
	const raw = ctx.getNodeParameter('syncOptions', 0, {}) as IDataObject;
	const options: SyncOptions = {
		createMissingGroups: raw.createMissingGroups !== false,
		managedGroups: readManagedGroups(ctx, raw),
		deprovision: (raw.deprovision as SyncOptions['deprovision']) ?? 'none',
		deprovisionScope: (raw.deprovisionScope as SyncOptions['deprovisionScope']) ?? 'withExternalId',
		deprovisionFilter: String(raw.deprovisionFilter ?? '').trim(),
		dryRun: readDryRun(ctx, raw.dryRun),
		maxDeprovisions: readMaxDeprovisions(ctx, raw.maxDeprovisions),
		maxDeprovisionsPercent: readMaxDeprovisionsPercent(ctx, raw.maxDeprovisionsPercent),
		overLimit: readOverLimit(ctx, raw.overLimit),
		approvals: readApprovedDeprovisions(ctx, raw.approvedDeprovisions),
		output: (raw.output as SyncOptions['output']) ?? 'perUser',
		requestsInFlight: readRequestsInFlight(ctx, 'syncOptions.requestsInFlight'),
	};
	if (options.deprovision !== 'none' && options.deprovisionScope === 'filter' && !options.deprovisionFilter) {
		throw new NodeOperationError(ctx.getNode(), 'Deprovision Scope is "Users Matching a SCIM Filter" but the filter is empty', {
			description: 'Enter a SCIM filter in "Deprovision Filter", e.g. title eq "Contractor". Nothing was sent to K2.',
		});
	}
	const filterProblem = options.deprovisionScope === 'filter' && options.deprovision !== 'none' ? rawFilterProblem(options.deprovisionFilter) : undefined;
	if (filterProblem) {
		throw new NodeOperationError(ctx.getNode(), `Deprovision Filter ${filterProblem}`, {
			description: 'Fix Options > Deprovision Filter, e.g. title eq "Contractor". Nothing was read from or sent to K2.',
		});
	}
	return options;
}

/** Managed Groups, and its list of names (checked like Groups: normal form, no invisible character). */
function readManagedGroups(ctx: IExecuteFunctions, raw: IDataObject): ManagedGroups {
	const mode = raw.managedGroups ?? 'named';
	if (mode === 'named' || mode === 'all') return { mode };
	const read = readGroupNames(raw.managedGroupList ?? '');
	if ('problem' in read) {
		throw new NodeOperationError(ctx.getNode(), `Managed Group Names ${read.problem}`, {
			description: 'Fix Options > Managed Group Names. Nothing was read from or sent to K2.',
		});
	}
	if (mode !== 'list' || read.value.length === 0) {
		throw new NodeOperationError(ctx.getNode(), mode === 'list' ? 'Managed Groups is "These Groups" but Managed Group Names is empty' : `Managed Groups "${String(mode)}" is not an option`, {
			description: 'Enter the K2 groups Sync owns in Options > Managed Group Names, e.g. Sales, Finance. Nothing was read from or sent to K2.',
		});
	}
	return { mode, names: read.value };
}

/**
 * Dry Run is often an expression (a switch earlier in the workflow): a value that is not true or
 * false (null from a lookup that failed) must not quietly turn a dry run into a real sync.
 */
function readDryRun(ctx: IExecuteFunctions, value: unknown): boolean {
	if (value === undefined) return false; // not added: a real sync
	const read = readBoolean(value);
	if ('value' in read) return read.value;
	throw new NodeOperationError(ctx.getNode(), `Dry Run must be true or false, not ${describeValue(value)}`, {
		description: 'Fix Options > Dry Run (an expression there must give true or false). Nothing was read from or sent to K2.',
	});
}

/** A whole number >= 0; a numeric string (from an expression) counts as its number, so "0" is 0. */
function readMaxDeprovisions(ctx: IExecuteFunctions, value: unknown): number {
	if (value === undefined || value === null) return DEFAULT_MAX_DEPROVISIONS;
	const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
	if (Number.isSafeInteger(number) && number >= 0) return number;
	throw new NodeOperationError(ctx.getNode(), `Max Deprovisions per Run must be a whole number of 0 or more, not ${JSON.stringify(value)}`, {
		description: 'Fix Options > Max Deprovisions per Run. Nothing was read from or sent to K2.',
	});
}

/** A percentage from 0 to 100 (a numeric string from an expression counts); undefined when not added. */
function readMaxDeprovisionsPercent(ctx: IExecuteFunctions, value: unknown): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
	if (Number.isFinite(number) && number >= 0 && number <= 100) return number;
	throw new NodeOperationError(ctx.getNode(), `Max Deprovisions (%) must be a number from 0 to 100, not ${JSON.stringify(value)}`, {
		description: 'Fix Options > Max Deprovisions (%). Nothing was read from or sent to K2.',
	});
}

function readOverLimit(ctx: IExecuteFunctions, value: unknown): SyncOptions['overLimit'] {
	// n8n decides the outputs from the value as saved (K2Scim.node.ts): an expression there would
	// give the held users an output the node does not have.
	const saved = (ctx.getNode().parameters.syncOptions as IDataObject | undefined)?.overLimit;
	if (typeof saved === 'string' && saved.startsWith('=')) {
		throw new NodeOperationError(ctx.getNode(), 'Over the Limit cannot be an expression', {
			description: 'Choose "Stop the Run" or "Hold for Approval" in Options > Over the Limit (it decides the node\'s outputs). Nothing was read from or sent to K2.',
		});
	}
	// As an AI agent's tool the node has one output: held users would be lost there.
	if (value === 'hold' && ctx.getNode().type.endsWith('Tool')) {
		throw new NodeOperationError(ctx.getNode(), 'Over the Limit "Hold for Approval" does not work when an AI agent runs Sync as a tool: a tool has no output Held for Approval', {
			description: 'Use "Stop the Run" when an AI agent runs Sync. Nothing was read from or sent to K2.',
		});
	}
	if (value === undefined || value === 'fail' || value === 'hold') return value ?? 'fail';
	throw new NodeOperationError(ctx.getNode(), `Over the Limit "${String(value)}" is not an option`, {
		description: 'Choose "Stop the Run" or "Hold for Approval" in Options > Over the Limit. Nothing was read from or sent to K2.',
	});
}

function readApprovedDeprovisions(ctx: IExecuteFunctions, value: unknown): Approval[] {
	const read = readApprovals(value);
	if ('approvals' in read) return read.approvals;
	throw new NodeOperationError(ctx.getNode(), `Approved Deprovisions ${read.problem}`, {
		description:
			"Give the items Held for Approval gave, e.g. {{ $('Sync K2 Users').all(1).map(item => item.json) }}, or K2 IDs separated by commas. Nothing was read from or sent to K2.",
	});
}

interface DesiredItem {
	itemIndex: number;
	fields: UserFields;
	groups?: string[];
}

/**
 * Reconciles K2 users (and optionally group memberships) to the input: one listing of the
 * existing users, an in-memory diff, then only the writes that change something. Every write
 * is attempted; each one that fails is reported (per item, in the summary, in the node's error).
 */
export async function executeAll(this: IExecuteFunctions, itemCount: number): Promise<BatchResult> {
	const options = readOptions(this);
	const matchOn = this.getNodeParameter('matchOn', 0) as MatchOn;
	const context = { resource: 'user' as const, operation: 'sync' };
	if (itemCount === 0 && options.deprovision !== 'none') {
		throw new NodeOperationError(this.getNode(), 'Sync got no input items, so nothing was deprovisioned', {
			description:
				'An empty source is almost always a broken or truncated export. Check the node before Sync. Nothing was read from or sent to K2.',
		});
	}

	// 1. One listing of K2's users (pages of 100, fetched in parallel), started first so that its
	// pages arrive while the items' match keys are read.
	const listing = users.list(this, { concurrency: options.requestsInFlight }, { context });
	listing.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
	const { keys, raw } = await readMatchKeys(this, itemCount, matchOn);
	const existing = await listing;
	// Attributes K2 does not keep are not compared: remembered from earlier runs, learned from this one's writes.
	const notKept = notKeptByK2(this);
	notKept.forgetHeldBy(existing);
	// Managers named by username or employee number resolve from this listing (and after the writes).
	const managers = new SyncManagers(this, existing, notKept.leaveOut);

	// 2. What needs the whole input: duplicates, and the deprovisions under the safety limit. One
	// unusable key stops every deprovision: that item's K2 user would look missing from the input.
	const badKeys = keys.flatMap((key, item) => (key instanceof Error ? [item] : []));
	const deprovisionSkipped = options.deprovision !== 'none' && badKeys.length ? deprovisionStopNote(badKeys, itemCount, matchOn) : undefined;
	const inScope = deprovisionSkipped ? () => false : await deprovisionScope(this, options);
	// The planner never deprovisions a K2 user whose Username or External ID any item gives
	// (renamed in HR: same External ID, new Username), whatever Match On says.
	const planner = createSyncPlanner(
		existing,
		keys.map((key) => (key instanceof Error ? undefined : key)),
		{ matchOn, deprovision: { mode: deprovisionSkipped ? 'none' : options.deprovision, inScope }, leaveOut: notKept.leaveOut },
	);
	// Approved deprovisions are applied whatever the limits; the limits count the others. Over a
	// limit, those are held for approval (an output of their own) or stop the run before any write.
	const approval = splitByApproval(planner.deprovision, options.approvals, existing, {
		inScope,
		dryRun: options.dryRun,
		noDeprovisions:
			options.deprovision === 'none' ? 'Deprovision Missing Users is "Do Nothing"' : deprovisionSkipped ? 'this run deprovisions nobody (see deprovisionSkipped)' : undefined,
	});
	const limit = limitExceeded(approval.unapproved.length, planner.deprovisionCandidates, {
		maxCount: options.maxDeprovisions,
		maxPercent: options.maxDeprovisionsPercent,
	});
	const overLimit = limit && `${approval.unapproved.length} K2 user${approval.unapproved.length === 1 ? '' : 's'} would be ${options.deprovision === 'delete' ? 'deleted' : 'deactivated'}, ${limit}`;
	if (overLimit && options.overLimit === 'fail' && !options.dryRun) {
		throw new NodeOperationError(this.getNode(), `Sync stopped: ${overLimit}`, {
			description:
				'Nothing was written to K2. If the input is complete and this is expected, raise the limit (Max Deprovisions per Run, Max Deprovisions (%)) or set Over the Limit to "Hold for Approval"; otherwise check that the input (e.g. the HR export) is not truncated. Run with Dry Run to see the list.',
		});
	}
	const held = overLimit && options.overLimit === 'hold' ? approval.unapproved : [];
	const toDeprovision = held.length ? approval.approved : [...approval.approved, ...approval.unapproved];

	// 3. User writes, C at a time. Each item's other fields are read (and checked) just before its
	// own write: reading n8n expressions costs CPU that now overlaps the requests in flight
	// instead of delaying the first one. Each item keeps its own result or error.
	// Indexed by item, so that group results come out in input order whatever order writes finish in.
	const refs: Array<SyncUserRef | undefined> = new Array(itemCount);
	const failures: SyncFailure[] = [];
	const itemIndexes = Array.from({ length: itemCount }, (_, itemIndex) => itemIndex);
	const perItem: Array<INodeExecutionData[] | Error> = await mapConcurrent(itemIndexes, options.dryRun ? 1 : options.requestsInFlight, async (itemIndex) => {
		const key = keys[itemIndex];
		try {
			if (key instanceof Error) throw key;
			const entry = readDesiredItem(this, itemIndex, key);
			const { user, json } = await applyUserPlan(this, managers.planItem(planner, entry.fields, itemIndex), entry, options.dryRun, notKept);
			managers.wrote(itemIndex, entry.fields, user, json);
			refs[itemIndex] = {
				key: user?.id ?? `new:${itemIndex}`,
				label: entry.fields.userName ?? user?.userName ?? String(entry.fields.externalId),
				groups: entry.groups,
				currentGroupIds: new Set((user?.groups ?? []).map((group) => String(group.value))),
			};
			return [{ json }];
		} catch (error) {
			failures.push({ kind: 'user', name: itemName(raw[itemIndex], itemIndex), reason: (error as Error).message, item: itemIndex });
			return error as Error;
		}
	});
	// Managers created in this run, and references that named no one manager (a failure of that item).
	failures.push(...(await managers.secondPass(options.dryRun, options.requestsInFlight)));
	// In input order, whatever order the writes finished in.
	failures.sort((a, b) => a.item! - b.item!);

	// 4. Deprovisioning, within the scope and under the safety limit.
	const toErrorOutput = this.getNode().onError === 'continueErrorOutput';
	const additional: INodeExecutionData[] = [];
	if (deprovisionSkipped) {
		additional.push({ json: { type: 'deprovision', action: 'skipped', reason: deprovisionSkipped }, pairedItem: badKeys.map((item) => ({ item })) });
	}
	for (const entry of approval.notApplied) {
		const user = entry.user;
		const json: IDataObject = { type: 'deprovision', action: 'notDeprovisioned', id: entry.approval.id, userName: user?.userName ?? entry.approval.userName ?? null, reason: `Approved, not applied: ${entry.reason}` };
		additional.push({ json, pairedItem: [] });
	}
	for (const json of await applyDeprovisions(this, toDeprovision, options.dryRun, options.requestsInFlight)) {
		if (json.action !== 'error') {
			additional.push({ json, pairedItem: [] });
			continue;
		}
		failures.push({ kind: 'deprovision', name: String(json.userName ?? json.id), reason: String(json.error) });
		additional.push(failedItem(json, [], toErrorOutput));
	}

	// 5. Group memberships for the users that list groups.
	const groupResult = await syncGroups(this, refs.filter((ref): ref is SyncUserRef => ref !== undefined), {
		dryRun: options.dryRun,
		createMissingGroups: options.createMissingGroups,
		managedGroups: options.managedGroups,
		requestsInFlight: options.requestsInFlight,
		existingUsers: existing,
	});
	failures.push(...groupResult.failures);
	// Memberships Sync left alone, on each participant's own item: nothing kept silently.
	refs.forEach((ref, item) => {
		const other = ref && groupResult.otherGroups.get(ref.key);
		const result = perItem[item];
		if (other && !(result instanceof Error)) result[0].json.otherGroups = other;
	});
	const itemsByGroup = new Map<string, Array<{ item: number }>>();
	refs.forEach((ref, item) => {
		for (const key of [...(ref?.groups ?? []).map(groupKey), ...(groupResult.removedFrom.get(ref?.key ?? '') ?? [])]) {
			if (!itemsByGroup.has(key)) itemsByGroup.set(key, []);
			const items = itemsByGroup.get(key)!;
			if (!items.some((entry) => entry.item === item)) items.push({ item });
		}
	});
	for (const group of groupResult.items) {
		const json: IDataObject = { type: 'group', ...group };
		const pairedItem = itemsByGroup.get(groupKey(String(group.displayName))) ?? [];
		additional.push(json.action === 'error' ? failedItem(json, pairedItem, toErrorOutput) : { json, pairedItem });
	}

	// Held deprovisions, one item each on their own output: nothing was written for them.
	const heldAt = new Date().toISOString();
	const heldItems: INodeExecutionData[] = held.map((plan) => ({ json: heldItem(plan, overLimit!, heldAt, options.dryRun), pairedItem: [] }));
	// The output exists only with Over the Limit "Hold for Approval" (K2Scim.node.ts: outputs).
	const heldOutput = options.overLimit === 'hold' ? heldItems : undefined;

	// What K2 did not keep, once per run (and remembered for the next one).
	notKept.save();

	// 6. Nothing failed is reported as success: without Continue On Fail the node fails, after every write.
	if (failures.length && !this.continueOnFail()) {
		throw syncFailedError(this, failures, { deprovisionSkipped, dryRun: options.dryRun });
	}
	if (options.output === 'summary') {
		const summary = summaryItem(perItem, additional, failures, {
			dryRun: options.dryRun,
			deprovisionLimitExceeded: overLimit !== undefined && options.overLimit === 'fail',
			held: heldItems.map((entry) => entry.json),
			deprovisionSkipped,
			notKeptByK2: notKept.list(),
		});
		// One item for the whole run, paired with every input item, first; with Continue On Fail the
		// failures follow as error items (a user's paired with its input item).
		const userErrors = perItem.flatMap((result, item) => {
			if (!(result instanceof Error)) return [];
			const description = (result as NodeOperationError).description;
			return [failedItem({ type: 'user', error: result.message, ...(description ? { description } : {}) }, { item }, toErrorOutput)];
		});
		return {
			held: heldOutput,
			perItem: perItem.map(() => []),
			additional: [
				{ json: summary, pairedItem: perItem.map((_, item) => ({ item })) },
				...userErrors,
				...additional.filter((entry) => entry.json.error !== undefined),
			],
		};
	}
	return { perItem, additional, held: heldOutput };
}

/** Deactivates or deletes each planned user; one entry per user, in plan order, `action: 'error'` for a failure. */
async function applyDeprovisions(ctx: IExecuteFunctions, plans: DeprovisionPlan[], dryRun: boolean, requestsInFlight: number): Promise<IDataObject[]> {
	const context = { resource: 'user' as const, operation: 'sync' };
	return await mapConcurrent(plans, requestsInFlight, async (entry) => {
		const base: IDataObject = { type: 'deprovision', id: entry.user.id, userName: entry.user.userName ?? null };
		if (dryRun) return { ...base, action: entry.action === 'delete' ? 'delete' : 'deactivate', dryRun: true };
		const write = { context: { ...context, id: entry.user.id, userName: entry.user.userName } };
		try {
			if (entry.action === 'delete') await users.delete(ctx, entry.user.id!, write);
			else await users.patch(ctx, entry.user.id!, entry.operations, write);
			return { ...base, action: entry.action === 'delete' ? 'deleted' : 'deactivated' };
		} catch (error) {
			const reason = `Could not be ${entry.action === 'delete' ? 'deleted' : 'deactivated'}: ${(error as Error).message}`;
			return { ...base, action: 'error', error: reason };
		}
	});
}

/** Why nothing was deprovisioned, naming the items whose key was unusable. */
function deprovisionStopNote(badKeys: number[], itemCount: number, matchOn: MatchOn): string {
	const which = badKeys.length === itemCount ? 'no input item' : `input item(s) ${listItems(badKeys)}`;
	// A lone blank item is what n8n passes when the node before Sync returned nothing.
	const hint = itemCount === 1 && badKeys.length === 1 ? ' (n8n passes one empty item when the node before Sync returned nothing.)' : '';
	return `Nothing was deprovisioned: ${which} had a usable ${KEY_LABEL[matchOn]}, and a user is only deprovisioned when the whole input was read.${hint}`;
}

/** How a user failure names its item: the key as given when there is one (even 12345), else its position. */
function itemName(raw: unknown, itemIndex: number): string {
	if (typeof raw === 'number' || (typeof raw === 'string' && raw.trim())) return String(raw).trim();
	return `item ${itemIndex}`;
}

/** "3, 7, 12" or "3, 7, 12, … (40 in all)": enough to find them in the input. */
function listItems(items: number[]): string {
	return items.length <= 10 ? items.join(', ') : `${items.slice(0, 10).join(', ')}, … (${items.length} in all)`;
}

/**
 * Each item's Username and External ID, read before any write so that duplicates, matches and
 * deprovisions are known for the whole input. Identifiers are put in their normal form (trimmed,
 * NFC); one holding an invisible character is that item's error. The key Match On needs (either
 * one for "External ID, Then Username") must be usable text, or the item is an error.
 */
/** Items whose keys are read between two turns of the event loop (see readMatchKeys). */
const KEYS_PER_TURN = 100;

async function readMatchKeys(ctx: IExecuteFunctions, itemCount: number, matchOn: MatchOn): Promise<{ keys: Array<MatchKeys | Error>; raw: unknown[] }> {
	const keys: Array<MatchKeys | Error> = new Array(itemCount);
	// As evaluated, to name an item in reports even when its key is unusable (e.g. 12345).
	const raw: unknown[] = new Array(itemCount);
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		// Reading keys is CPU only (n8n expressions, ~0.1 ms each): without a turn of the event loop
		// now and then, the listing started before it would not even be sent until every key is read.
		if (itemIndex % KEYS_PER_TURN === 0) await sleep(0);
		try {
			const named = (value: unknown) => (raw[itemIndex] ??= value);
			const userName = readKey(ctx, itemIndex, 'userName', matchOn === 'userName', named);
			const externalId = readKey(ctx, itemIndex, 'externalId', matchOn === 'externalId', named);
			if (matchOn === 'externalIdThenUserName' && userName.value === undefined && externalId.value === undefined) {
				throw new NodeOperationError(ctx.getNode(), 'Username and External ID are both empty: this item cannot be matched to a K2 user', {
					itemIndex,
					description: 'Map Username (and External ID under Additional Fields) to fields every item has. Nothing was sent to K2 for this item.',
				});
			}
			keys[itemIndex] = { userName: userName.value, externalId: externalId.value };
		} catch (error) {
			keys[itemIndex] = error as Error;
		}
	}
	return { keys, raw };
}

/**
 * One identifier of one item: its normal form, or undefined when blank and not required.
 * `named` gets the value as evaluated, to name the item in reports even when it is unusable (12345).
 */
function readKey(
	ctx: IExecuteFunctions,
	itemIndex: number,
	which: 'userName' | 'externalId',
	required: boolean,
	named: (value: unknown) => void,
): { value?: string; raw: unknown } {
	const label = KEY_LABEL[which];
	let value: unknown;
	try {
		// Only this one expression is evaluated (readDesiredItem reads the rest just before the write).
		// n8n refuses a missing parameter path without a fallback: External ID is optional, so '' stands for it.
		value =
			which === 'userName'
				? (ctx.getNodeParameter('userName', itemIndex, undefined) as unknown)
				: (ctx.getNodeParameter('additionalFields.externalId', itemIndex, '') as unknown);
		if (value !== undefined && value !== null && value !== '') named(value);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `${label} could not be read: ${(error as Error).message}`, {
			itemIndex,
			description: `Fix the ${label} expression for this item. Nothing was sent to K2 for it.`,
		});
	}
	const problem = matchKeyProblem(value);
	if (problem === undefined) {
		const invisible = invisibleCharacterProblem(value as string);
		if (invisible) {
			throw new NodeOperationError(ctx.getNode(), `${label} ${invisible}`, {
				itemIndex,
				description: `Fix the ${label} of input item ${itemIndex} (or the source it comes from). Nothing was sent to K2 for this item.`,
			});
		}
		return { value: normalizeIdentifier(value as string), raw: value };
	}
	if (!required && problem !== 'notText') return { raw: value };
	const what =
		problem === 'notText' ? `is ${JSON.stringify(value) ?? String(value)} (${typeof value}), not text` : problem === 'blank' ? 'is blank' : 'is missing';
	throw new NodeOperationError(ctx.getNode(), `${label} ${what}: this item cannot be matched to a K2 user`, {
		itemIndex,
		description:
			problem === 'notText'
				? `Give ${label} as text, e.g. {{ String($json.id) }}. Nothing was sent to K2 for this item.`
				: `Map ${label} to a field every item has. Nothing was sent to K2 for this item.`,
	});
}

/** An item's fields and groups; its keys are the ones already read, so matching and writing agree. */
function readDesiredItem(ctx: IExecuteFunctions, itemIndex: number, keys: MatchKeys): DesiredItem {
	// Field by field, leaving out External ID: readMatchKeys has evaluated it already, and every n8n
	// expression costs ~0.1 ms of CPU on the one event loop (bench/README.md), per item.
	const given = ctx.getNodeParameter('additionalFields', itemIndex, {}, { rawExpressions: true }) as IDataObject;
	const collection: IDataObject = {};
	for (const name of Object.keys(given)) {
		if (name !== 'externalId') collection[name] = ctx.getNodeParameter(`additionalFields.${name}`, itemIndex) as IDataObject[string];
	}
	if (keys.externalId !== undefined) collection.externalId = keys.externalId;
	const fields = readUserFields(ctx, itemIndex, collection, {
		userName: keys.userName ?? '',
		emptyMeansClear: false,
		requireUserName: false,
	});
	const groupValue = ctx.getNodeParameter('groupNames', itemIndex, '') as unknown;
	let groups: string[] | undefined;
	if (groupValue !== '' && groupValue !== undefined) {
		const read = readGroupNames(groupValue);
		if ('problem' in read) {
			throw new NodeOperationError(ctx.getNode(), `Groups ${read.problem}`, {
				itemIndex,
				description: `Fix the Groups field of input item ${itemIndex}. Nothing was sent to K2 for this item.`,
			});
		}
		groups = read.value;
	}
	return { itemIndex, fields, groups };
}

async function deprovisionScope(ctx: IExecuteFunctions, options: SyncOptions): Promise<(user: ScimUser) => boolean> {
	if (options.deprovision === 'none') return () => false;
	if (options.deprovisionScope === 'all') return () => true;
	if (options.deprovisionScope === 'withExternalId') return (user) => Boolean(user.externalId);
	const matching = await users.list(
		ctx,
		{ filter: options.deprovisionFilter, attributes: 'id' },
		{ context: { resource: 'user', operation: 'sync' } },
	);
	const ids = new Set(matching.map((user) => user.id!));
	return (user) => ids.has(user.id!);
}

async function applyUserPlan(
	ctx: IExecuteFunctions,
	item: SyncItemPlan,
	entry: DesiredItem,
	dryRun: boolean,
	notKept: NotKeptByK2,
): Promise<{ user?: ScimUser; json: IDataObject }> {
	const userName = entry.fields.userName ?? item.existing?.userName ?? null;
	const base: IDataObject = { userName, id: item.existing?.id ?? null };
	if (item.action === 'error') {
		throw new NodeOperationError(ctx.getNode(), item.error ?? 'This item cannot be synced', {
			itemIndex: entry.itemIndex,
			description: 'Fix this input item (or the K2 users it names); nothing was sent to K2 for it.',
		});
	}
	const matched: IDataObject = item.matchedBy ? { matchedBy: item.matchedBy } : {};
	if (item.action === 'unchanged') return { user: item.existing, json: { ...base, action: 'unchanged', ...matched, reason: item.reason } };
	const changedAttributes = item.operations.map((op) => op.path ?? op.op);
	const described: IDataObject = { ...matched, reason: item.reason, ...(item.action === 'create' ? {} : { changedAttributes, changes: { ...item.changes } }) };
	if (dryRun) {
		return { user: item.existing, json: { ...base, action: item.action, dryRun: true, ...described } };
	}
	const context = { resource: 'user' as const, operation: 'sync', userName: userName ?? undefined, id: item.existing?.id };
	if (item.action === 'create') {
		const resource = { ...item.resource! };
		if (resource.active === undefined) resource.active = true;
		// A create whose answer was lost is looked up by the key that identifies the person best.
		const [attribute, key] = entry.fields.externalId ? (['externalId', entry.fields.externalId] as const) : (['userName', entry.fields.userName!] as const);
		const created = await users.create(ctx, resource, {
			context,
			itemIndex: entry.itemIndex,
			findExisting: async () => await findUser(ctx, attribute, key, 'sync', entry.itemIndex),
		});
		notKept.learnFromCreate(resource, created);
		return { user: created, json: { ...base, id: created.id ?? null, action: 'created', ...described } };
	}
	const updated = await users.patch(ctx, item.existing!.id!, item.operations, { context, itemIndex: entry.itemIndex });
	await notKept.learnFromPatch(item.existing!, item.operations, updated, entry.itemIndex);
	return {
		user: updated ? { ...updated, groups: item.existing!.groups } : item.existing,
		json: { ...base, action: item.action === 'reactivate' ? 'reactivated' : 'updated', ...described },
	};
}
