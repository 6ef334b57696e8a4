import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { renameOperations, simplifyGroup } from '../../scim/group';
import { groups } from '../../transport/resources';
import { simplifyField } from '../common.fields';
import { readGroupName } from './create.operation';
import { groupLocator } from './fields';
import { resolveGroup } from './lookup';

export const description: INodeProperties[] = [
	groupLocator(['rename'], 'The group to rename'),
	{
		displayName: 'New Display Name',
		name: 'newDisplayName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Finance Approvers',
		description: 'The new name of the group. Group names are unique in K2. At most 256 characters.',
		displayOptions: { show: { resource: ['group'], operation: ['rename'] } },
	},
	simplifyField('group', ['rename']),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const newName = readGroupName(this, itemIndex, 'newDisplayName', 'New Display Name');
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;
	const { id } = await resolveGroup(this, itemIndex, 'rename');
	const group = await groups.patch(this, id, renameOperations(newName), {
		context: { resource: 'group', operation: 'rename', id, displayName: newName },
		itemIndex,
	});
	// K2 may answer a PATCH with 204 and no body.
	if (!group) return [{ json: { id, displayName: newName } }];
	return [{ json: simplify ? simplifyGroup(group) : group }];
}
