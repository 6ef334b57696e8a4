import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { simplifyGroup } from '../../scim/group';
import { groups } from '../../transport/resources';
import { simplifyField } from '../common.fields';
import { groupLocator, MEMBERS_READ_CAP_NOTE } from './fields';
import { resolveGroup } from './lookup';

export const description: INodeProperties[] = [
	groupLocator(['get'], `The group to get. ${MEMBERS_READ_CAP_NOTE}.`),
	simplifyField('group', ['get']),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;
	const { id, displayName } = await resolveGroup(this, itemIndex, 'get');
	const group = await groups.get(this, id, { context: { resource: 'group', operation: 'get', id, displayName }, itemIndex });
	return [{ json: simplify ? simplifyGroup(group) : group }];
}
