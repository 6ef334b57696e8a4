/**
 * What Connection > Check > Test Writes learned about a K2 tenant, in the vocabulary of the
 * sandbox's profile (sandbox/profile.ts, K2Profile), so that a user can save the output's
 * `profile` and run the sandbox as their K2 (`npm run sandbox -- --profile-file <file>`).
 * Pure: what K2's answers mean and how to say it. The requests are in testWrites.ts.
 */
import { ENTERPRISE_USER_SCHEMA } from '../../scim/schemas';
import type { ScimUser } from '../../scim/schemas';
import { simplifyUser, USER_FIELD_PATHS } from '../../scim/user';
import type { UserFields } from '../../scim/user';

/**
 * K2Profile's fields that Test Writes can observe (not the two IdentityToken ones). A field is
 * absent when it was not learned; storedAttributes also when K2 kept everything the node writes.
 */
export interface TenantProfile {
	storedAttributes?: string[];
	filterOperators?: string[];
	totalResults?: 'all' | 'page';
	startIndex?: 'honoured' | 'ignored';
	wrongToken?: '404' | '401' | '403';
	patchAnswer?: '200' | '204';
	deleteMode?: 'hard' | 'soft';
	readAfterWriteLagMs?: number;
}

/** Every SCIM filter operator (RFC 7644 §3.4.2.2), in the profile's order. */
export const FILTER_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'and', 'or', 'not'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

const WRONG_TOKEN_ANSWERS = ['404', '401', '403'] as const;

/** A wrong SCIM token's status in the profile's words; undefined for an answer the vocabulary has no word for. */
export function wrongTokenAnswer(status: number): TenantProfile['wrongToken'] {
	return WRONG_TOKEN_ANSWERS.find((answer) => answer === String(status));
}

function sameValue(field: keyof UserFields, got: unknown, wanted: unknown): boolean {
	// E-mail addresses compare without case (RFC 7643: emails.value is not case-exact).
	if (field === 'email' && typeof got === 'string' && typeof wanted === 'string') return got.toLowerCase() === wanted.toLowerCase();
	return got === wanted;
}

/** Which of the attributes the node writes (set in `wanted`) K2 has, with the values written, in the user it answered. */
export function keptAttributes(wanted: UserFields, read: ScimUser): { kept: string[]; notKept: string[] } {
	const got = simplifyUser(read);
	const kept: string[] = [];
	const notKept: string[] = [];
	for (const [field, path] of USER_FIELD_PATHS) {
		if (wanted[field] === undefined || wanted[field] === null) continue;
		(sameValue(field, got[field], wanted[field]) ? kept : notKept).push(path);
	}
	return { kept, notKept };
}

/**
 * storedAttributes for the profile: undefined when K2 kept every attribute the node writes (the
 * profile's "all"), else userName, what it kept, and `members` unless group members were seen to
 * be dropped. An extension whose sub-attributes were all kept is named by its URN. A name that
 * users and groups share (externalId, displayName) is qualified `User:`/`Group:` when only one
 * kind keeps it; a group's displayName (its name) always stays.
 */
export function storedAttributesOf(
	kept: string[],
	notKept: string[],
	membersKept: boolean | undefined,
	groupExternalIdKept?: boolean,
): string[] | undefined {
	if (notKept.length === 0 && membersKept !== false && groupExternalIdKept !== false) return undefined;
	const enterprise = `${ENTERPRISE_USER_SCHEMA}:`;
	const wholeExtension = !notKept.some((path) => path.startsWith(enterprise)) && kept.some((path) => path.startsWith(enterprise));
	const userKept = kept.filter((path) => !(wholeExtension && path.startsWith(enterprise)));
	const stored = ['userName', ...userKept.map((path) => (path === 'externalId' && groupExternalIdKept === false ? 'User:externalId' : path))];
	if (wholeExtension) stored.push(ENTERPRISE_USER_SCHEMA);
	if (!userKept.includes('displayName')) stored.push('Group:displayName');
	if (!userKept.includes('externalId') && groupExternalIdKept === true) stored.push('Group:externalId');
	if (membersKept !== false) stored.push('members');
	return stored;
}

/** An attribute path as a user reads it: the enterprise extension's URN shortened. */
export function attributeLabel(path: string): string {
	return path.startsWith(`${ENTERPRISE_USER_SCHEMA}:`) ? `${path.slice(ENTERPRISE_USER_SCHEMA.length + 1)} (enterprise)` : path;
}

/** One list page's ids and totalResults, as the paging step read them. */
export interface PageRead {
	ids: string[];
	totalResults?: number;
}

/**
 * startIndex and totalResults from two pages of count=1 (startIndex 1 and 2). `matches`: how many
 * resources the filter matches (the two throwaway users), or undefined for an unfiltered listing,
 * which holds at least two.
 */
export function pagingOf(first: PageRead, second: PageRead, matches: number | undefined): Pick<TenantProfile, 'startIndex' | 'totalResults'> {
	const paging: Pick<TenantProfile, 'startIndex' | 'totalResults'> = {};
	if (first.ids[0] !== undefined && second.ids[0] !== undefined) {
		paging.startIndex = first.ids[0] === second.ids[0] ? 'ignored' : 'honoured';
	}
	const total = first.totalResults;
	if (typeof total === 'number') {
		if (matches !== undefined ? total === matches : total > first.ids.length) paging.totalResults = 'all';
		else if (total === first.ids.length) paging.totalResults = 'page';
	}
	return paging;
}

/** Things a user of the node should know about this K2, in words. */
export function profileWarnings(profile: TenantProfile, notKept: string[]): string[] {
	const warnings: string[] = [];
	if (notKept.length > 0) {
		warnings.push(`K2 did not keep: ${notKept.map(attributeLabel).join(', ')} — Sync leaves them out of its comparison.`);
	}
	if (profile.filterOperators) {
		const refused = FILTER_OPERATORS.filter((operator) => !profile.filterOperators!.includes(operator));
		if (refused.length > 0) {
			warnings.push(`K2 refused the filter operators ${refused.join(', ')} (it accepts ${profile.filterOperators.join(', ') || 'none'}).`);
		}
	}
	if (profile.totalResults === 'page') {
		warnings.push('K2\'s totalResults counts only the resources on the page, not every match (RFC 7644 says every match): a listing cannot tell from it how many there are.');
	}
	if (profile.startIndex === 'ignored') {
		warnings.push('K2 ignores startIndex: every page starts at the first resource, so no listing can go past the first page.');
	}
	if (profile.wrongToken === '401' || profile.wrongToken === '403') {
		warnings.push(
			`K2 answers a wrong SCIM token with ${profile.wrongToken}, as it would a rejected sign-in: when an error says the sign-in or the scope was rejected, check the credential's SCIM Token too.`,
		);
	}
	if (profile.deleteMode === 'soft') {
		warnings.push('K2 keeps a deleted user\'s userName taken (409 when it is created again): deactivate users rather than delete them if they may come back.');
	}
	if (profile.readAfterWriteLagMs !== undefined && profile.readAfterWriteLagMs > 0) {
		warnings.push(`K2 showed a new user to reads only ${profile.readAfterWriteLagMs} ms after it answered the create.`);
	}
	return warnings;
}
