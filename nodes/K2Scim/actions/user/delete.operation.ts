import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { users } from '../../transport/resources';
import { locateUser, userLocator } from './locate';

export const description: INodeProperties[] = [userLocator(['delete'])];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const located = await locateUser(this, itemIndex, 'delete');
	await users.delete(this, located.id, { context: { resource: 'user', operation: 'delete', id: located.id }, itemIndex });
	return [{ json: { id: located.id, deleted: true } }];
}
