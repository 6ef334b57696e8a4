import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { groupLocator, memberReferenceField, membersField, requestsInFlightOption } from './fields';
import { changeMembers } from './memberChange';

const show = { resource: ['group'], operation: ['removeMembers'] };

export const description: INodeProperties[] = [
	groupLocator(['removeMembers'], 'The group to remove the members from'),
	memberReferenceField(['removeMembers']),
	membersField(['removeMembers'], true),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [requestsInFlightOption()],
	},
];

/** Like Add Members: one batch of PATCH requests per group. Users that are not members are ignored. */
export async function executeAll(this: IExecuteFunctions, itemCount: number): Promise<Array<INodeExecutionData[] | Error>> {
	return await changeMembers.call(this, itemCount, 'remove');
}
