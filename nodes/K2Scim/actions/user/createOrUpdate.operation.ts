import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { sameIdentifier } from '../../scim/identity';
import { resolveMatch } from '../../scim/match';
import type { MatchOn, MatchResult } from '../../scim/match';
import { changesOf } from '../../scim/reconcile';
import { userPatchOperations, withOperations } from '../../scim/user';
import type { UserFields } from '../../scim/user';
import { users } from '../../transport/resources';
import type { User } from '../../transport/resources';
import { simplifyField } from '../common.fields';
import { additionalFieldsCollection, matchOnFields, readNewUserFields, userNameField, userResource } from './fields';
import { findUser, findUsers } from './locate';
import { resolveManagerByLookup, selfManagerError } from './managerRef';
import { notKeptByK2 } from '../notKept';
import { userItem } from './output';

export const description: INodeProperties[] = [
	...matchOnFields(['createOrUpdate']),
	userNameField(['createOrUpdate']),
	additionalFieldsCollection(['createOrUpdate'], { managerByReference: true }),
	simplifyField('user', ['createOrUpdate']),
];

/**
 * The K2 user an item describes, by the same rules as Sync (scim/match.ts), from at most two
 * lookups: the second only when the first cannot settle it (a rename, an adoption, a collision).
 */
async function matchUser(ctx: IExecuteFunctions, matchOn: MatchOn, fields: UserFields, itemIndex: number): Promise<MatchResult<User>> {
	const find = async (attribute: 'userName' | 'externalId', value: string | null | undefined) =>
		value ? await findUsers(ctx, attribute, value, 'createOrUpdate', itemIndex) : [];
	const keys = { userName: fields.userName ?? undefined, externalId: fields.externalId ?? undefined };
	if (matchOn === 'userName') {
		const withUserName = await find('userName', keys.userName);
		const settled = withUserName.length === 1 && (!keys.externalId || sameIdentifier('externalId', withUserName[0].externalId, keys.externalId));
		return resolveMatch(matchOn, keys, settled ? withUserName : await find('externalId', keys.externalId), withUserName);
	}
	const withExternalId = await find('externalId', keys.externalId);
	const settled = withExternalId.length === 1 && (!keys.userName || sameIdentifier('userName', withExternalId[0].userName, keys.userName));
	return resolveMatch(matchOn, keys, withExternalId, settled ? withExternalId : await find('userName', keys.userName));
}

function matchError(ctx: IExecuteFunctions, error: string, itemIndex: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), error, {
		itemIndex,
		description: 'Create or Update matched no single K2 user for this item, so nothing was sent for it. Fix the input item or the K2 users it names.',
	});
}

/**
 * Looks the user up, then creates it, PATCHes only the attributes that differ, or sends
 * nothing. The output's `action` says which: created, updated or unchanged. `active` is left
 * as K2 has it unless the item sets Active.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const matchOn = this.getNodeParameter('matchOn', itemIndex) as MatchOn;
	const fields = readNewUserFields(this, itemIndex);
	if (matchOn === 'externalId' && !fields.externalId) {
		throw new NodeOperationError(this.getNode(), 'External ID is empty, but Match On is "External ID"', {
			itemIndex,
			description: 'Add the External ID field under Additional Fields, or match on Username. Nothing was sent to K2.',
		});
	}
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;
	const context = { resource: 'user' as const, operation: 'createOrUpdate', userName: fields.userName };
	// A manager given by username or employee number: its K2 ID, or this item fails before any write.
	await resolveManagerByLookup(this, fields, itemIndex);
	let match = await matchUser(this, matchOn, fields, itemIndex);
	if (match.error) throw matchError(this, match.error, itemIndex);
	const self = selfManagerError(this, fields, match.user?.id, itemIndex);
	if (self) throw self;

	if (!match.user) {
		// A create whose answer was lost is looked up by the key that identifies the person best.
		const [attribute, key] = fields.externalId ? (['externalId', fields.externalId] as const) : (['userName', fields.userName!] as const);
		const created = await users
			.create(this, userResource(fields), {
				context,
				itemIndex,
				findExisting: async () => await findUser(this, attribute, key, 'createOrUpdate', itemIndex),
			})
			.catch((error: Error) => error);
		if (!(created instanceof Error)) {
			const notKept = notKeptByK2(this);
			notKept.learnFromCreate(userResource(fields), created);
			notKept.save();
			return [userItem(created, simplify, { action: 'created' })];
		}
		// Another execution (a second webhook for the same person) created the user between our
		// lookup and our create: update the user it created instead of failing.
		const conflict = created instanceof NodeApiError && created.httpCode === '409';
		if (!conflict) throw created;
		match = await matchUser(this, matchOn, fields, itemIndex);
		if (match.error) throw matchError(this, match.error, itemIndex);
		if (!match.user) throw created;
		const selfNow = selfManagerError(this, fields, match.user.id, itemIndex);
		if (selfNow) throw selfNow;
	}

	const existing = match.user;
	// Attributes K2 does not keep are not compared (a webhook per person would otherwise write them every time).
	const notKept = notKeptByK2(this);
	notKept.forgetHeldBy([existing]);
	const operations = userPatchOperations(existing, fields, notKept.leaveOut);
	const matchedBy = match.matchedBy;
	if (!operations.length) return [userItem(existing, simplify, { action: 'unchanged', matchedBy, changedAttributes: [] })];
	const updated = await users.patch(this, existing.id!, operations, { context: { ...context, id: existing.id }, itemIndex });
	await notKept.learnFromPatch(existing, operations, updated, itemIndex);
	notKept.save();
	return [
		// A K2 that answers 204 sends no resource: the item shows what the PATCH asked K2 to hold.
		userItem(updated ?? withOperations(existing, operations), simplify, {
			action: 'updated',
			matchedBy,
			changedAttributes: operations.map((op) => op.path ?? op.op),
			changes: { ...changesOf(existing, operations) },
		}),
	];
}

