import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { groups } from '../../transport/resources';
import { groupLocator } from './fields';
import { resolveGroup } from './lookup';

export const description: INodeProperties[] = [
	groupLocator(['delete'], 'The group to delete. Its members stay in K2; only the group goes.'),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const { id, displayName } = await resolveGroup(this, itemIndex, 'delete');
	await groups.delete(this, id, { context: { resource: 'group', operation: 'delete', id, displayName }, itemIndex });
	return [{ json: { id, deleted: true } }];
}
