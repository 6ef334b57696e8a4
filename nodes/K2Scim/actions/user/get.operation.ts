import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { users } from '../../transport/resources';
import { simplifyField } from '../common.fields';
import { locateUser, userLocator } from './locate';
import { userItem } from './output';

export const description: INodeProperties[] = [userLocator(['get']), simplifyField('user', ['get'])];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const located = await locateUser(this, itemIndex, 'get');
	const user =
		located.user ??
		(await users.get(this, located.id, { context: { resource: 'user', operation: 'get', id: located.id }, itemIndex }));
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;
	return [userItem(user, simplify)];
}
