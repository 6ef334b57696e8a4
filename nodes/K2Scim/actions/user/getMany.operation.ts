import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { userFilter } from '../../scim/filter';
import { simplifyUser } from '../../scim/user';
import type { ScimUser } from '../../scim/schemas';
import { listResources } from '../../transport/paging';
import { returnAllAndLimit, simplifyField } from '../common.fields';

const show = { resource: ['user'], operation: ['getMany'] };

export const description: INodeProperties[] = [
	...returnAllAndLimit('user', 'getMany'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Active',
				name: 'active',
				type: 'boolean',
				default: true,
				description: 'Whether to return only active users (on) or only deactivated users (off)',
			},
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@example.com',
				default: '',
				description: 'Users with this email address',
			},
			{
				displayName: 'External ID',
				name: 'externalId',
				type: 'string',
				default: '',
				description: 'The user with this ID from your source system (HR system, IdP)',
			},
			{
				displayName: 'SCIM Filter',
				name: 'raw',
				type: 'string',
				placeholder: 'title eq "Engineer" and active eq true',
				default: '',
				description:
					'A SCIM filter expression (RFC 7644 section 3.4.2.2), combined with the other filters using "and"',
			},
			{
				displayName: 'Username',
				name: 'userName',
				type: 'string',
				default: '',
				description: 'The user with exactly this userName (not case-sensitive in SCIM)',
			},
		],
	},
	simplifyField('user', ['getMany']),
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
	const limit = returnAll ? undefined : (this.getNodeParameter('limit', itemIndex) as number);
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;

	const filter = userFilter({
		userName: (filters.userName as string) || undefined,
		email: (filters.email as string) || undefined,
		externalId: (filters.externalId as string) || undefined,
		active: typeof filters.active === 'boolean' ? filters.active : undefined,
		raw: (filters.raw as string) || undefined,
	});
	const users = await listResources(
		this,
		'/Users',
		{ filter, limit },
		{ context: { resource: 'user', operation: 'getMany' }, itemIndex },
	);
	return users.map((user) => ({
		json: simplify ? (simplifyUser(user as unknown as ScimUser) as IDataObject) : user,
	}));
}
