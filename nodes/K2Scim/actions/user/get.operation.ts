import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { ScimUser } from '../../scim/schemas';
import { scimRequest } from '../../transport';
import { simplifyField } from '../common.fields';
import { locateUser, userLocator, userPath } from './locate';
import { userItem } from './output';

export const description: INodeProperties[] = [userLocator(['get']), simplifyField('user', ['get'])];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const located = await locateUser(this, itemIndex, 'get');
	const user =
		located.user ??
		(await scimRequest<ScimUser>(
			this,
			{ method: 'GET', path: userPath(located.id) },
			{ context: { resource: 'user', operation: 'get', id: located.id }, itemIndex },
		));
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;
	return [userItem(user, simplify)];
}
