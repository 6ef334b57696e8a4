import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { memberPatchRequests, simplifyGroup, toScimGroup } from '../../scim/group';
import { MAX_MEMBERS_PER_OPERATION } from '../../scim/schemas';
import type { ScimGroup } from '../../scim/schemas';
import { scimRequest } from '../../transport';
import { simplifyField } from '../common.fields';
import { memberReferenceField, membersField } from './fields';
import {
	findGroupByDisplayName,
	lookupUsers,
	memberIds,
	parseMembers,
	readMemberReference,
} from './members';

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
				description: 'The ID of the group in your source system (HR system, IdP)',
			},
		],
	};
}

export function readDisplayName(ctx: IExecuteFunctions, itemIndex: number): string {
	const displayName = String(ctx.getNodeParameter('displayName', itemIndex, '') ?? '').trim();
	if (displayName === '') {
		throw new NodeOperationError(ctx.getNode(), 'The parameter "Display Name" is empty', {
			itemIndex,
			description: 'Every K2 group needs a display name (unique in K2).',
		});
	}
	return displayName;
}

export function readExternalId(ctx: IExecuteFunctions, itemIndex: number): string | undefined {
	const fields = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const externalId = fields.externalId === undefined || fields.externalId === null ? '' : String(fields.externalId).trim();
	return externalId === '' ? undefined : externalId;
}

export const description: INodeProperties[] = [
	displayNameField('create', 'The name of the new group. Group names are unique in K2.'),
	memberReferenceField(['create']),
	{ ...membersField(['create'], false), description: `Optional users to put in the group. ${membersField([], false).description}` },
	externalIdFields('create'),
	simplifyField('group', ['create']),
];

/**
 * Creates the group, with its members when there are at most 100; more are added afterwards in
 * PATCH requests of 100, since K2 may cap members per request.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const displayName = readDisplayName(this, itemIndex);
	const externalId = readExternalId(this, itemIndex);
	const reference = readMemberReference(this, itemIndex);
	const members = parseMembers(this, this.getNodeParameter('members', itemIndex, ''), itemIndex);
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;

	const users = reference === 'userName' ? await lookupUsers(this, members, 4, 'create') : new Map();
	const ids = memberIds(this, reference, members, users, itemIndex);
	if (ids instanceof Error) throw ids;

	const context = { resource: 'group' as const, operation: 'create', displayName };
	const inline = ids.length <= MAX_MEMBERS_PER_OPERATION;
	let group = await scimRequest<ScimGroup & IDataObject>(
		this,
		{
			method: 'POST',
			path: '/Groups',
			body: toScimGroup({ displayName, externalId, memberIds: inline ? ids : [] }) as IDataObject,
		},
		{ context, itemIndex, findExisting: async () => await findGroupByDisplayName(this, displayName, 'create') },
	);
	if (!inline) {
		for (const request of memberPatchRequests(group.id, ids, [])) {
			const patched = await scimRequest<(ScimGroup & IDataObject) | undefined>(
				this,
				{ method: 'PATCH', path: `/Groups/${encodeURIComponent(String(group.id))}`, body: request as unknown as IDataObject },
				{ context: { ...context, operation: 'addMembers', id: group.id }, itemIndex },
			);
			if (patched?.id) group = patched;
		}
	}
	return [{ json: simplify ? (simplifyGroup(group) as IDataObject) : group }];
}
