/**
 * Words for the group operations' errors: unknown users and groups, a group as its own member,
 * and member changes that did not fully apply (what was applied, what was not, and why: a
 * partial change is an error for its item, never a success).
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions } from 'n8n-workflow';

import type { ItemMemberOutcome, MemberChangeKind } from '../../scim/memberPlan';

const quoteList = (ids: string[], max = 10) =>
	ids.slice(0, max).map((id) => `"${id}"`).join(', ') + (ids.length > max ? ` and ${ids.length - max} more` : '');

/**
 * The error for an item some of whose members were not applied. `labels` maps IDs back to the
 * userNames the item gave, when it gave userNames.
 */
export function memberOutcomeError(
	ctx: IExecuteFunctions,
	kind: MemberChangeKind,
	outcome: ItemMemberOutcome,
	group: string,
	labels: ReadonlyMap<string, string> = new Map(),
): NodeOperationError {
	const name = (id: string) => labels.get(id) ?? id;
	const unknown = outcome.failed.filter((f) => f.failure.reason === 'unknownUser').map((f) => name(f.id));
	const other = outcome.failed.filter((f) => f.failure.reason === 'requestFailed');
	const applied = [...outcome.change, ...outcome.unverified].map(name);
	const verb = kind === 'add' ? 'added to' : 'removed from';
	const parts: string[] = [];
	if (unknown.length) parts.push(`${unknown.length === 1 ? 'No K2 user with ID' : 'No K2 users with IDs'} ${quoteList(unknown)}`);
	if (other.length) {
		const first = other[0].failure.reason === 'requestFailed' ? other[0].failure.error.message : '';
		parts.push(`${other.length} member${other.length === 1 ? '' : 's'} not ${verb.split(' ')[0]} (${quoteList(other.map((f) => name(f.id)), 5)}): ${first}`);
	}
	const unchanged = outcome.unchanged.map(name);
	const appliedText = applied.length
		? `${applied.length} other member${applied.length === 1 ? ' was' : 's were'} ${verb} group ${group}: ${quoteList(applied)}.`
		: `No member of this item was ${verb} group ${group}.`;
	// Members that needed no change are not failures either: say so, or the item reads as all lost.
	const unchangedText = unchanged.length
		? ` ${unchanged.length} ${unchanged.length === 1 ? 'was' : 'were'} ${kind === 'add' ? 'already' : 'not'} ${unchanged.length === 1 ? 'a member' : 'members'}: ${quoteList(unchanged)}.`
		: '';
	return new NodeOperationError(ctx.getNode(), parts.join('; '), {
		itemIndex: outcome.itemIndex,
		description: `${appliedText}${unchangedText} ${
			unknown.length ? 'Members must exist in K2: check the IDs, or create the users first (User > Create). ' : ''
		}Running the item again is safe: adding or removing a member twice changes nothing.`,
	});
}

/** A group listed among its own members: K2 would nest it in itself. */
export function selfMemberError(ctx: IExecuteFunctions, itemIndex: number, groupId: string): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `Members contains the group itself ("${groupId}"): a group cannot be its own member`, {
		itemIndex,
		description: `Remove the group's own ID from "Members" for input item ${itemIndex}. Nothing was sent to K2 for this item.`,
	});
}

export function unknownUsersError(ctx: IExecuteFunctions, userNames: string[], itemIndex: number): NodeOperationError {
	const list = userNames.map((n) => `"${n}"`).join(', ');
	return new NodeOperationError(
		ctx.getNode(),
		userNames.length === 1 ? `No K2 user with userName ${list}` : `No K2 users with userNames ${list}`,
		{
			itemIndex,
			description:
				'Members must exist in K2 before they can be added to a group. Check the spelling, or create the user first (User > Create). Nothing was changed for this item.',
		},
	);
}

export function unknownGroupError(ctx: IExecuteFunctions, displayName: string, itemIndex: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `No K2 group named "${displayName}"`, {
		itemIndex,
		description:
			'Check the display name, or pick the group from the list. Use Group > Create or Update to create a group when it does not exist.',
	});
}
