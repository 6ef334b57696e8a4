import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { userPatchOperations, withOperations } from '../../scim/user';
import { users } from '../../transport/resources';
import { simplifyField } from '../common.fields';
import { readUserFields, updateFieldsCollection } from './fields';
import { locateUser, userLocator } from './locate';
import { userItem } from './output';

export const description: INodeProperties[] = [
	userLocator(['update']),
	updateFieldsCollection(['update']),
	simplifyField('user', ['update']),
];

/**
 * PATCHes only the fields given. The current user is read first so that the PATCH carries
 * exactly what differs (and keeps the user's other emails and phones); nothing is written
 * when nothing differs.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const fields = readUserFields(
		this,
		itemIndex,
		this.getNodeParameter('updateFields', itemIndex, {}) as IDataObject,
		{ emptyMeansClear: true, requireUserName: false },
	);
	const located = await locateUser(this, itemIndex, 'update');
	const context = { resource: 'user' as const, operation: 'update', id: located.id };
	const existing = located.user ?? (await users.get(this, located.id, { context, itemIndex }));
	const operations = userPatchOperations(existing, fields);
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;
	if (!operations.length) return [userItem(existing, simplify, { changedAttributes: [] })];
	const updated = await users.patch(this, located.id, operations, { context, itemIndex });
	return [
		// A K2 that answers 204 sends no resource: the item shows what the PATCH asked K2 to hold.
		userItem(updated ?? withOperations(existing, operations), simplify, {
			changedAttributes: operations.map((op) => op.path ?? op.op),
		}),
	];
}
