import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { requestsInFlightOptions } from '../common.fields';
import { groupLocator, memberReferenceField, membersField, GROUP_REQUESTS_IN_FLIGHT } from './fields';
import { changeMembers } from './memberChange';

export const description: INodeProperties[] = [
	groupLocator(['removeMembers'], 'The group to remove the members from'),
	memberReferenceField(['removeMembers']),
	membersField(['removeMembers'], true),
	requestsInFlightOptions('group', ['removeMembers'], GROUP_REQUESTS_IN_FLIGHT),
];

/** Like Add Members: one batch of PATCH requests per group. Users that are not members are ignored. */
export async function executeAll(this: IExecuteFunctions, itemCount: number): Promise<Array<INodeExecutionData[] | Error>> {
	return await changeMembers.call(this, itemCount, 'remove');
}
