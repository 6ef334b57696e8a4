import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { and, eq } from '../../scim/filter';
import { simplifyGroup } from '../../scim/group';
import type { ScimGroup } from '../../scim/schemas';
import { listResources } from '../../transport/paging';
import { returnAllAndLimit, simplifyField } from '../common.fields';
import { MEMBERS_READ_CAP_NOTE } from './fields';

const show = { resource: ['group'], operation: ['getMany'] };

export const description: INodeProperties[] = [
	...returnAllAndLimit('group', 'getMany'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Display Name',
				name: 'displayName',
				type: 'string',
				default: '',
				description: 'The group with exactly this name (not case-sensitive in SCIM)',
			},
			{
				displayName: 'External ID',
				name: 'externalId',
				type: 'string',
				default: '',
				description: 'The group with this ID from your source system',
			},
			{
				displayName: 'SCIM Filter',
				name: 'raw',
				type: 'string',
				placeholder: 'displayName sw "Finance"',
				default: '',
				description:
					'A SCIM filter expression (RFC 7644 section 3.4.2.2), combined with the other filters using "and"',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Include Members',
				name: 'includeMembers',
				type: 'boolean',
				default: true,
				description: `Whether to return the members of each group. ${MEMBERS_READ_CAP_NOTE}. Turn off for faster lists of names.`,
			},
		],
	},
	simplifyField('group', ['getMany']),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
	const limit = returnAll ? undefined : (this.getNodeParameter('limit', itemIndex) as number);
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;

	const filter = and(
		filters.displayName ? eq('displayName', String(filters.displayName)) : undefined,
		filters.externalId ? eq('externalId', String(filters.externalId)) : undefined,
		(filters.raw as string) || undefined,
	);
	const groups = await listResources(
		this,
		'/Groups',
		{ filter: filter || undefined, limit, excludedAttributes: options.includeMembers === false ? 'members' : undefined },
		{ context: { resource: 'group', operation: 'getMany' }, itemIndex },
	);
	return groups.map((group) => {
		if (!simplify) return { json: group };
		const simple = simplifyGroup(group as unknown as ScimGroup) as IDataObject;
		if (options.includeMembers === false) {
			delete simple.members;
			delete simple.memberCount;
			delete simple.membersTruncated;
		}
		return { json: simple };
	});
}
