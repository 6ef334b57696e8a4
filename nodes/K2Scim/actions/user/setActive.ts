import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { users } from '../../transport/resources';
import type { User } from '../../transport/resources';
import { locateUser } from './locate';
import { userItem } from './output';

/** Deactivate and Reactivate: one PATCH of `active`, the usual offboarding and rehire. */
export async function setActive(
	ctx: IExecuteFunctions,
	itemIndex: number,
	operation: 'deactivate' | 'reactivate',
): Promise<INodeExecutionData[]> {
	const located = await locateUser(ctx, itemIndex, operation);
	const active = operation === 'reactivate';
	const user = await users.patch(ctx, located.id, [{ op: 'replace', path: 'active', value: active }], {
		context: { resource: 'user', operation, id: located.id },
		itemIndex,
	});
	const simplify = ctx.getNodeParameter('simplify', itemIndex, true) as boolean;
	// A PATCH may answer 204 without a body; the user's state is then what we asked for.
	return [userItem(user ?? ({ id: located.id, active } as User), simplify)];
}
