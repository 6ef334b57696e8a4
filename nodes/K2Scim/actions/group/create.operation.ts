import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { simplifyGroup, toScimGroup } from '../../scim/group';
import { memberChangeOutcomes, planMemberChange } from '../../scim/memberPlan';
import { MAX_LENGTH, readIdentifier, readText } from '../../scim/validate';
import { MAX_MEMBERS_PER_OPERATION } from '../../scim/schemas';
import { groups } from '../../transport/resources';
import { simplifyField } from '../common.fields';
import { valueOrThrow } from '../inputError';
import { memberReferenceField, membersField } from './fields';
import { memberOutcomeError } from './memberErrors';
import { sendMemberPatches } from './membership';
import { findGroupByDisplayName, lookupUsers, memberIds } from './lookup';
import { parseMembers, readMemberReference } from './members';

export function displayNameField(operation: string, description: string): INodeProperties {
	return {
		displayName: 'Display Name',
		name: 'displayName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Finance Approvers',
		description,
		displayOptions: { show: { resource: ['group'], operation: [operation] } },
	};
}

export function externalIdFields(operation: string): INodeProperties {
	return {
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: { resource: ['group'], operation: [operation] } },
		options: [
			{
				displayName: 'External ID',
				name: 'externalId',
				type: 'string',
				default: '',
				description: 'The ID of the group in your source system (HR system, IdP). At most 1024 characters.',
			},
		],
	};
}

/** A group name: text in its normal form (trimmed, NFC), at most 256 characters, no control or invisible characters. */
export function readGroupName(ctx: IExecuteFunctions, itemIndex: number, parameter: string, label: string): string {
	const raw = ctx.getNodeParameter(parameter, itemIndex, '');
	const displayName = valueOrThrow(ctx, itemIndex, label, readIdentifier(raw ?? '', MAX_LENGTH.name));
	if (displayName === '') {
		throw new NodeOperationError(ctx.getNode(), `${label} is empty`, {
			itemIndex,
			description: 'Every K2 group needs a display name (unique in K2). Nothing was sent to K2 for this item.',
		});
	}
	return displayName;
}

export function readDisplayName(ctx: IExecuteFunctions, itemIndex: number): string {
	return readGroupName(ctx, itemIndex, 'displayName', 'Display Name');
}

export function readExternalId(ctx: IExecuteFunctions, itemIndex: number): string | undefined {
	const fields = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	if (fields.externalId === undefined || fields.externalId === null) return undefined;
	const externalId = valueOrThrow(ctx, itemIndex, 'External ID', readText(fields.externalId, MAX_LENGTH.text)).trim();
	return externalId === '' ? undefined : externalId;
}

export const description: INodeProperties[] = [
	displayNameField('create', 'The name of the new group. Group names are unique in K2. At most 256 characters.'),
	memberReferenceField(['create']),
	{ ...membersField(['create'], false), description: `Optional users to put in the group. ${membersField([], false).description}` },
	externalIdFields('create'),
	simplifyField('group', ['create']),
];

/**
 * Creates the group, with its members when there are at most 100; more are added afterwards in
 * PATCH requests of 100, since K2 may cap members per request. A create whose answer was lost is
 * looked up by display name before any re-send (a 409 on the re-send means it was created); a
 * member PATCH that fails makes the item an error that says the group exists and what is missing.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const displayName = readDisplayName(this, itemIndex);
	const externalId = readExternalId(this, itemIndex);
	const reference = readMemberReference(this, itemIndex);
	const members = parseMembers(this, this.getNodeParameter('members', itemIndex, ''), itemIndex, reference);
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;

	const users = reference === 'userName' ? await lookupUsers(this, members, 4) : new Map();
	const ids = memberIds(this, reference, members, users, itemIndex);
	if (ids instanceof Error) throw ids;

	const context = { resource: 'group' as const, operation: 'create', displayName };
	const inline = ids.length <= MAX_MEMBERS_PER_OPERATION;
	let foundExisting = false;
	let group = await groups.create(this, toScimGroup({ displayName, externalId, memberIds: inline ? ids : [] }), {
		context,
		itemIndex,
		findExisting: async () => {
			const existing = await findGroupByDisplayName(this, displayName, 'create');
			foundExisting = existing !== undefined;
			return existing;
		},
	});
	// A group found after a lost answer may not hold the members its create carried: add them (idempotent).
	const toPatch = inline && !foundExisting ? [] : ids;
	if (toPatch.length) {
		const groupId = String(group.id);
		const patchContext = { ...context, operation: 'addMembers', id: groupId };
		const plan = planMemberChange('add', { members: new Set(), complete: false }, [{ itemIndex, ids: toPatch }]);
		const failed = await sendMemberPatches(this, groupId, 'add', plan.patches, patchContext, 1, (patched) => {
			if (patched) group = patched;
		});
		const [outcome] = memberChangeOutcomes(plan, failed);
		if (outcome.failed.length) {
			const error = memberOutcomeError(this, 'add', outcome, `"${displayName}"`);
			error.description = `The group was created (ID ${groupId}). ${error.description}`;
			throw error;
		}
	}
	return [{ json: simplify ? simplifyGroup(group) : group }];
}
