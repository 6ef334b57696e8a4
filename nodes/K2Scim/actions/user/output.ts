import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { simplifyUser } from '../../scim/user';
import type { ScimUser } from '../../scim/schemas';

/** One output item for a user: flat by default, the raw SCIM resource on request. */
export function userItem(user: ScimUser, simplify: boolean, extra: IDataObject = {}): INodeExecutionData {
	const body = simplify ? (simplifyUser(user) as IDataObject) : (user as unknown as IDataObject);
	return { json: { ...extra, ...body } };
}
