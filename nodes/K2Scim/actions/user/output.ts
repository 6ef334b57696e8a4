import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { simplifyUser } from '../../scim/user';
import type { User } from '../../transport/resources';

/** One output item for a user: flat by default, the raw SCIM resource on request. */
export function userItem(user: User, simplify: boolean, extra: IDataObject = {}): INodeExecutionData {
	const body: IDataObject = simplify ? simplifyUser(user) : user;
	return { json: { ...extra, ...body } };
}
