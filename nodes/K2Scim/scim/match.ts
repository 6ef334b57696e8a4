/**
 * Which K2 user an item describes, with the provisioning engines' precedence: External ID first
 * (it survives a rename), then Username. Pure: the caller gives the K2 users that hold the item's
 * External ID and its Username (from a listing in Sync, from two lookups in Create or Update), so
 * both operations decide by the same rules and refuse the same ambiguities.
 *
 * The rule behind every refusal: one person is one K2 account. An item never creates a second
 * account for someone K2 already has under the other key, and never takes over another person's
 * account; when the keys disagree, nothing is written and the item says which users collide.
 */
import { identifierKey, sameIdentifier } from './identity';
import type { ScimUser } from './schemas';

export type MatchOn = 'externalIdThenUserName' | 'userName' | 'externalId';
export type MatchedBy = 'externalId' | 'userName';

/** An item's identifiers as given (normalized by the caller or not: they are compared in normal form). */
export interface MatchKeys {
	userName?: string;
	externalId?: string;
}

export interface MatchResult<U extends ScimUser = ScimUser> {
	/** The K2 user the item describes; undefined when it is new (create). */
	user?: U;
	matchedBy?: MatchedBy;
	/** Why the item cannot be applied; nothing is written for it. */
	error?: string;
}

const FIX = 'Match On "External ID, Then Username" matches renamed users by their External ID';

function who(user: ScimUser): string {
	return `"${user.userName ?? '(no username)'}" (id ${user.id})`;
}

function ambiguous(label: string, value: string, users: readonly ScimUser[]): { error: string } {
	return {
		error: `${label} "${value}" matches ${users.length} K2 users (ids ${users.map((u) => u.id).join(', ')}); nothing was written for this item: resolve the duplicate in K2`,
	};
}

/**
 * @param withExternalId the K2 users whose externalId equals the item's (in normal form)
 * @param withUserName the K2 users whose userName equals the item's (in normal form, without case)
 */
export function resolveMatch<U extends ScimUser>(matchOn: MatchOn, keys: MatchKeys, withExternalId: readonly U[], withUserName: readonly U[]): MatchResult<U> {
	const externalId = identifierKey('externalId', keys.externalId) !== undefined ? String(keys.externalId).trim() : undefined;
	const userName = identifierKey('userName', keys.userName) !== undefined ? String(keys.userName).trim() : undefined;
	const byExternalId = externalId === undefined ? [] : withExternalId;
	const byUserName = userName === undefined ? [] : withUserName;
	if (byExternalId.length > 1 && matchOn !== 'userName') return ambiguous('External ID', externalId!, byExternalId);
	if (byUserName.length > 1) return ambiguous('Username', userName!, byUserName);
	const holderOfExternalId = byExternalId.length === 1 ? byExternalId[0] : undefined;
	const holderOfUserName = byUserName[0];

	if (matchOn === 'userName') {
		if (holderOfUserName) {
			if (holderOfExternalId && holderOfExternalId.id !== holderOfUserName.id) {
				return {
					error: `External ID "${externalId}" belongs to another K2 user, ${who(holderOfExternalId)}, not to ${who(holderOfUserName)} that has this Username; nothing was written for this item. If the person was renamed, use ${FIX}`,
				};
			}
			return { user: holderOfUserName, matchedBy: 'userName' };
		}
		if (byExternalId.length > 0) return createCollision(externalId!, byExternalId);
		return {};
	}

	if (holderOfExternalId) {
		if (holderOfUserName && holderOfUserName.id !== holderOfExternalId.id) {
			return {
				error: `External ID "${externalId}" is K2 user ${who(holderOfExternalId)}, but Username "${userName}" is another K2 user, ${who(holderOfUserName)}; nothing was written for this item. Free the username in K2 (or fix the input) and run again`,
			};
		}
		return { user: holderOfExternalId, matchedBy: 'externalId' };
	}
	if (matchOn === 'externalId') {
		if (holderOfUserName) {
			return {
				error: `No K2 user has External ID "${externalId}", but Username "${userName}" is already K2 user ${who(holderOfUserName)}${holderOfUserName.externalId ? ` with External ID "${holderOfUserName.externalId}"` : ''}; creating would fail or make a second account, so nothing was written for this item. ${holderOfUserName.externalId ? 'Fix the External ID in the input or in K2' : `To adopt that user, use ${FIX}`}`,
			};
		}
		return {};
	}
	// External ID, then Username.
	if (holderOfUserName) {
		if (externalId !== undefined && holderOfUserName.externalId && !sameIdentifier('externalId', holderOfUserName.externalId, externalId)) {
			return {
				error: `Username "${userName}" is K2 user ${who(holderOfUserName)} with External ID "${holderOfUserName.externalId}", not "${externalId}"; nothing was written for this item: check which person this is, then fix the External ID in the input or in K2`,
			};
		}
		return { user: holderOfUserName, matchedBy: 'userName' };
	}
	return {};
}

/** A create that would give a second account an External ID K2 already has. */
function createCollision(externalId: string, holders: readonly ScimUser[]): { error: string } {
	return {
		error: `External ID "${externalId}" already belongs to K2 user ${holders.map(who).join(', ')}: creating this item would make a second account for the same person, so nothing was written for it. If the person was renamed, use ${FIX}`,
	};
}
