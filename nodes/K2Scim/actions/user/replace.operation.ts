import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { users } from '../../transport/resources';
import { simplifyField } from '../common.fields';
import { additionalFieldsCollection, readNewUserFields, userNameField, userResource } from './fields';
import { locateUser, userLocator } from './locate';
import { userItem } from './output';

export const description: INodeProperties[] = [
	userLocator(['replace']),
	{
		displayName:
			'Replace sends the whole user: attributes you leave out are removed from the K2 user. Use Update to change only some fields.',
		name: 'replaceNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { resource: ['user'], operation: ['replace'] } },
	},
	userNameField(['replace']),
	additionalFieldsCollection(['replace']),
	simplifyField('user', ['replace']),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const fields = readNewUserFields(this, itemIndex);
	const located = await locateUser(this, itemIndex, 'replace');
	const resource = { ...userResource(fields), id: located.id };
	const user = await users.replace(this, located.id, resource, {
		context: { resource: 'user', operation: 'replace', id: located.id, userName: fields.userName },
		itemIndex,
	});
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;
	return [userItem(user, simplify)];
}
