import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { scimRequest } from '../../transport';
import { locateUser, userLocator, userPath } from './locate';

export const description: INodeProperties[] = [userLocator(['delete'])];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const located = await locateUser(this, itemIndex, 'delete');
	await scimRequest(
		this,
		{ method: 'DELETE', path: userPath(located.id) },
		{ context: { resource: 'user', operation: 'delete', id: located.id }, itemIndex },
	);
	return [{ json: { id: located.id, deleted: true } }];
}
