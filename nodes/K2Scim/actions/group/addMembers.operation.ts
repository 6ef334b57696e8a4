import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { requestsInFlightOptions } from '../common.fields';
import { groupLocator, memberReferenceField, membersField, GROUP_REQUESTS_IN_FLIGHT } from './fields';
import { changeMembers } from './memberChange';

export const description: INodeProperties[] = [
	groupLocator(['addMembers'], 'The group to add the members to'),
	memberReferenceField(['addMembers']),
	membersField(['addMembers'], true),
	requestsInFlightOptions('group', ['addMembers'], GROUP_REQUESTS_IN_FLIGHT),
];

/**
 * All items that target one group go out together: 250 items adding one member each to the same
 * group are 3 PATCH requests. Users that are already members stay members (adding is idempotent).
 */
export async function executeAll(this: IExecuteFunctions, itemCount: number): Promise<Array<INodeExecutionData[] | Error>> {
	return await changeMembers.call(this, itemCount, 'add');
}
