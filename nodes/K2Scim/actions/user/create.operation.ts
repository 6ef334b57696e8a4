import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { users } from '../../transport/resources';
import { simplifyField } from '../common.fields';
import { additionalFieldsCollection, readNewUserFields, userNameField, userResource } from './fields';
import { findUser } from './locate';
import { userItem } from './output';

export const description: INodeProperties[] = [
	userNameField(['create']),
	additionalFieldsCollection(['create']),
	simplifyField('user', ['create']),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const fields = readNewUserFields(this, itemIndex);
	const user = await users.create(this, userResource(fields), {
		context: { resource: 'user', operation: 'create', userName: fields.userName },
		itemIndex,
		// If a create's answer was lost, the user may exist: find it rather than create it twice.
		findExisting: async () => await findUser(this, 'userName', fields.userName!, 'create', itemIndex),
	});
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;
	return [userItem(user, simplify)];
}
