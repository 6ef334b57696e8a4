import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { userPatchOperations } from '../../scim/user';
import { users } from '../../transport/resources';
import { simplifyField } from '../common.fields';
import { additionalFieldsCollection, readNewUserFields, userNameField, userResource } from './fields';
import { findUser } from './locate';
import { userItem } from './output';

export const description: INodeProperties[] = [
	{
		displayName: 'Match On',
		name: 'matchOn',
		type: 'options',
		options: [
			{ name: 'Username', value: 'userName', description: 'The K2 user with the same userName' },
			{
				name: 'External ID',
				value: 'externalId',
				description: 'The K2 user with the same externalId (set External ID below)',
			},
		],
		default: 'userName',
		description: 'How to find the K2 user this item describes',
		displayOptions: { show: { resource: ['user'], operation: ['createOrUpdate'] } },
	},
	userNameField(['createOrUpdate']),
	additionalFieldsCollection(['createOrUpdate']),
	simplifyField('user', ['createOrUpdate']),
];

/**
 * Looks the user up, then creates it, PATCHes only the attributes that differ, or sends
 * nothing. The output's `action` says which: created, updated or unchanged.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const matchOn = this.getNodeParameter('matchOn', itemIndex) as 'userName' | 'externalId';
	const fields = readNewUserFields(this, itemIndex);
	const key = matchOn === 'userName' ? fields.userName : fields.externalId;
	if (!key) {
		throw new NodeOperationError(this.getNode(), 'External ID is empty, but Match On is "External ID"', {
			itemIndex,
			description: 'Add the External ID field under Additional Fields, or match on Username. Nothing was sent to K2.',
		});
	}
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;
	const context = { resource: 'user' as const, operation: 'createOrUpdate', userName: fields.userName };
	let existing = await findUser(this, matchOn, key, 'createOrUpdate', itemIndex);

	if (!existing) {
		const created = await users
			.create(this, userResource(fields), {
				context,
				itemIndex,
				findExisting: async () => await findUser(this, matchOn, key, 'createOrUpdate', itemIndex),
			})
			.catch((error: Error) => error);
		if (!(created instanceof Error)) return [userItem(created, simplify, { action: 'created' })];
		// Another execution (a second webhook for the same person) created the user between our
		// lookup and our create: update the user it created instead of failing.
		const conflict = created instanceof NodeApiError && created.httpCode === '409';
		existing = conflict ? await findUser(this, matchOn, key, 'createOrUpdate', itemIndex) : undefined;
		if (!existing) throw created;
	}

	const operations = userPatchOperations(existing, fields);
	if (!operations.length) return [userItem(existing, simplify, { action: 'unchanged', changedAttributes: [] })];
	const updated = await users.patch(this, existing.id!, operations, { context: { ...context, id: existing.id }, itemIndex });
	return [
		userItem(updated ?? existing, simplify, {
			action: 'updated',
			changedAttributes: operations.map((op) => op.path ?? op.op),
		}),
	];
}
