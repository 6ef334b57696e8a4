import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { decodeJwtPayload, reconnectDeadline } from '../../scim/jwt';
import { isPlainObject } from '../../scim/path';
import { CREDENTIAL_TYPE } from '../../transport/errors';
import { scimRequest } from '../../transport';
import { withFilterOperator } from '../../transport/filterOperators';
import { groups, users } from '../../transport/resources';
import { platformOf } from './platform';
import { testWrites } from './testWrites';

export const description: INodeProperties[] = [
	{
		displayName:
			'Checks that K2 accepts the credential, lists what the SCIM service supports (and tries the two features K2 does not document), and tells when the K2 sign-in must be renewed (K2 refresh tokens expire 30 days after sign-in) and whether this n8n can spend K2\'s one-time refresh token twice (queue mode before n8n 2.30). Run it on a schedule to be warned before a sync stops.',
		name: 'checkNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { resource: ['connection'], operation: ['check'] } },
	},
	{
		displayName: 'Test Writes',
		name: 'testWrites',
		type: 'boolean',
		default: false,
		description:
			'Whether to also learn how K2 answers writes, filters and paging. Creates and deletes a throwaway user and group in K2 (named k2-scim-check-…) and outputs a profile of K2\'s behaviour; send it to the maintainers.',
		displayOptions: { show: { resource: ['connection'], operation: ['check'] } },
	},
];

const DAY_MS = 86_400_000;

function supported(config: IDataObject, feature: string): boolean | null {
	const value = config[feature];
	return isPlainObject(value) && typeof value.supported === 'boolean' ? value.supported : null;
}

function capabilitiesOf(config: IDataObject): IDataObject {
	const filter = isPlainObject(config.filter) ? config.filter : {};
	const bulk = isPlainObject(config.bulk) ? config.bulk : {};
	const capabilities: IDataObject = {
		patch: supported(config, 'patch'),
		filter: supported(config, 'filter'),
		maxResults: typeof filter.maxResults === 'number' ? filter.maxResults : null,
		bulk: supported(config, 'bulk'),
		sort: supported(config, 'sort'),
		changePassword: supported(config, 'changePassword'),
		etag: supported(config, 'etag'),
	};
	if (bulk.supported === true) {
		capabilities.bulkMaxOperations = (bulk.maxOperations as number) ?? null;
		capabilities.bulkMaxPayloadSize = (bulk.maxPayloadSize as number) ?? null;
	}
	return capabilities;
}

/**
 * The filter operators the node uses, each tried with a read of at most one user: `eq` alone, then
 * each other one beside `eq` (the two names match nobody; `co` and `sw` match from a letter).
 */
const OPERATOR_PROBES: Array<[operator: string, filter: string]> = [
	['eq', 'userName eq "k2-scim-check-a"'],
	['and', 'userName eq "k2-scim-check-a" and userName eq "k2-scim-check-b"'],
	['or', 'userName eq "k2-scim-check-a" or userName eq "k2-scim-check-b"'],
	['co', 'userName co "a"'],
	['sw', 'userName sw "a"'],
];

/** What each refused operator means for the node's users, in the order of OPERATOR_PROBES. */
const WITHOUT_OPERATOR: Record<string, string> = {
	eq: 'without "eq" nothing can be looked up by name (User By Username, Create or Update, members by userName, Group By Display Name): use K2 IDs',
	and: 'without "and" Get Many takes one filter at a time',
	or: 'without "or" Add Members and Remove Members on groups of 100 or more members, and Sync when a member was deleted meanwhile, look users up one request per user instead of 50 per request',
	co: 'without "co" the user and group lists search by how a name begins ("sw"), not anywhere in it',
	sw: 'without "sw" (and "co") the user and group lists cannot search: they show every user or group, page by page',
};

/**
 * Which filter operators K2 accepts (true), refuses (false: 400 invalidFilter), or null: not
 * known, because `eq`, which the others are tried beside, was refused. K2 does not document them.
 * `acceptedByTestWrites`: the operators Test Writes found accepted in this run (it tries every
 * operator, `co` and `sw` alone, `and` and `or` around `eq`): then nothing is sent again.
 */
async function probeFilterOperators(ctx: IExecuteFunctions, itemIndex: number, acceptedByTestWrites?: string[]): Promise<Record<string, boolean | null>> {
	const context = { resource: 'user' as const, operation: 'getMany' };
	const accepted: Record<string, boolean | null> = {};
	if (acceptedByTestWrites) {
		const eq = acceptedByTestWrites.includes('eq');
		for (const [operator] of OPERATOR_PROBES) {
			accepted[operator] = !eq && (operator === 'and' || operator === 'or') ? null : acceptedByTestWrites.includes(operator);
		}
		return accepted;
	}
	for (const [operator, filter] of OPERATOR_PROBES) {
		if (operator !== 'eq' && accepted.eq === false) {
			accepted[operator] = null;
			continue;
		}
		accepted[operator] = await withFilterOperator(
			ctx,
			operator,
			async () => {
				await users.page(ctx, { startIndex: 1, count: 1, filter }, { context, itemIndex });
				return true;
			},
			async () => false,
		);
	}
	return accepted;
}

/** The refused operators, in words: what the node does without each. */
export function filterOperatorsNote(accepted: Record<string, boolean | null>): string {
	const refused = Object.keys(accepted).filter((operator) => accepted[operator] === false);
	if (!refused.length) return `K2 accepts every filter operator the node uses (${Object.keys(accepted).filter((operator) => accepted[operator]).join(', ')}).`;
	const untested = Object.keys(accepted).filter((operator) => accepted[operator] === null);
	const listed = refused.map((operator) => `"${operator}"`).join(', ');
	return [
		`K2 refused the filter operator${refused.length > 1 ? 's' : ''} ${listed}: ${refused.map((operator) => WITHOUT_OPERATOR[operator]).join('; ')}.`,
		untested.length ? `Not tried without "eq": ${untested.join(', ')}.` : '',
	]
		.filter(Boolean)
		.join(' ');
}

/**
 * Tries what K2 does not document, with reads only:
 * - filterOperators: which of the filter operators the node uses K2 accepts, and filterNote in
 *   words; containsSearch: whether `co` and `or` both work, so the user and group pickers find any
 *   part of a name (otherwise they search by prefix, or list without searching).
 * - usersListGroups: whether a user read carries `groups`; Sync then sees every group membership,
 *   otherwise it reads groups, which show at most 100 members. null: no group with a user member
 *   among the first 10 groups, so nothing to tell by.
 */
async function probeFeatures(ctx: IExecuteFunctions, itemIndex: number, acceptedByTestWrites?: string[]): Promise<IDataObject> {
	const context = { resource: 'user' as const, operation: 'getMany' };
	const filterOperators = await probeFilterOperators(ctx, itemIndex, acceptedByTestWrites);
	const containsSearch = filterOperators.co === true && filterOperators.or === true;

	const firstGroups = await groups.page(ctx, { startIndex: 1, count: 10 }, { context: { resource: 'group', operation: 'getMany' }, itemIndex });
	const member = (firstGroups.Resources ?? [])
		.flatMap((group) => group.members ?? [])
		.find((m) => m.type !== 'Group' && typeof m.value === 'string');
	let usersListGroups: boolean | null = null;
	if (member) {
		// A member without a type may be a nested group: then there is no user to tell by (404).
		const user = await users.getIfExists(ctx, String(member.value), { context: { ...context, id: String(member.value) }, itemIndex });
		if (user) usersListGroups = Array.isArray(user.groups) && user.groups.length > 0;
	}
	return { containsSearch, usersListGroups, filterOperators, filterNote: filterOperatorsNote(filterOperators) };
}

/** The access token n8n holds now (read after the requests: a 401 makes n8n refresh it). */
function accessTokenOf(credentials: IDataObject): string | undefined {
	let tokenData = credentials.oauthTokenData as IDataObject | string | undefined;
	if (typeof tokenData === 'string') {
		try {
			tokenData = JSON.parse(tokenData) as IDataObject;
		} catch {
			return undefined;
		}
	}
	const token = tokenData?.access_token;
	return typeof token === 'string' ? token : undefined;
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const context = { resource: 'user' as const, operation: 'getMany' };

	// ServiceProviderConfig under the tenant's token path first; K2 documents it without the token.
	let config: IDataObject;
	try {
		config = await scimRequest(this, { method: 'GET', path: '/ServiceProviderConfig' }, { context, itemIndex });
	} catch {
		config = await scimRequest(
			this,
			{ method: 'GET', path: '/ServiceProviderConfig', withoutToken: true },
			{ context, itemIndex },
		);
	}
	// The cheapest request that needs both a valid access token and a valid SCIM token.
	const firstUser = await users.page(this, { startIndex: 1, count: 1 }, { context, itemIndex });

	// Test Writes first when on: it tries every filter operator, so the features need not again.
	const learned = (this.getNodeParameter('testWrites', itemIndex, false) as boolean) ? await testWrites(this, itemIndex) : undefined;
	const features = await probeFeatures(this, itemIndex, learned?.profile.filterOperators);

	const credentials = await this.getCredentials(CREDENTIAL_TYPE, itemIndex);
	const grantType = String(credentials.grantType ?? 'pkce');
	const token = accessTokenOf(credentials);
	const payload = token ? decodeJwtPayload(token) : undefined;
	const deadline = reconnectDeadline(payload);

	const json: IDataObject = {
		ok: true,
		totalUsers: typeof firstUser.totalResults === 'number' ? firstUser.totalResults : null,
		capabilities: capabilitiesOf(config),
		features,
		grantType,
		signedInAt: null,
		refreshTokenAgeDays: null,
		reconnectBy: null,
		daysUntilReconnect: null,
	};
	if (deadline) {
		const signedInAt = Number(payload!.auth_time) * 1000;
		json.signedInAt = new Date(signedInAt).toISOString();
		// K2 rotates the refresh token on every refresh but keeps its creation time: it is as old as the sign-in.
		json.refreshTokenAgeDays = Math.floor((Date.now() - signedInAt) / DAY_MS);
		json.reconnectBy = deadline.toISOString();
		json.daysUntilReconnect = Math.floor((deadline.getTime() - Date.now()) / DAY_MS);
	} else {
		json.reconnectNote =
			grantType === 'clientCredentials'
				? 'Client credentials: there is no sign-in to renew'
				: 'The access token does not tell when you signed in to K2 (no auth_time claim)';
	}
	if (typeof payload?.scope === 'string') json.scopes = payload.scope.split(' ');
	else if (Array.isArray(payload?.scope)) json.scopes = payload.scope as string[];

	const { platform, warning } = platformOf(this, itemIndex, grantType);
	json.platform = platform;
	const warnings = warning ? [warning] : [];

	if (learned) {
		json.profile = learned.profile as IDataObject;
		json.testWrites = learned.testWrites;
		warnings.push(...learned.warnings);
		json.warnings = warnings;
	} else if (warnings.length) {
		json.warnings = warnings;
	}
	return [{ json }];
}
