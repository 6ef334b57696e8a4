import type { IDataObject, ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { escapeFilterValue } from '../scim/filter';
import { listItems } from '../scim/list';
import { MAX_PAGE_SIZE } from '../scim/schemas';
import type { ScimListResponse } from '../scim/schemas';
import { scimRequest } from '../transport';

/**
 * One page of a picker: `attribute sw "typed text"` (all resources when nothing is typed), 100
 * per page (K2's cap); the pagination token is the next startIndex.
 */
async function searchPage(
	ctx: ILoadOptionsFunctions,
	path: '/Users' | '/Groups',
	attribute: 'userName' | 'displayName',
	filter: string | undefined,
	paginationToken: string | undefined,
	toItem: (resource: IDataObject) => INodeListSearchItems,
): Promise<INodeListSearchResult> {
	const startIndex = Math.max(1, Number.parseInt(paginationToken ?? '1', 10) || 1);
	const qs: IDataObject = { startIndex, count: MAX_PAGE_SIZE };
	const text = filter?.trim();
	if (text) qs.filter = `${attribute} sw "${escapeFilterValue(text)}"`;
	// A picker needs names, not up to 100 members per group.
	if (path === '/Groups') qs.excludedAttributes = 'members';
	const response = await scimRequest<ScimListResponse<IDataObject>>(
		ctx,
		{ method: 'GET', path, qs },
		{ context: { resource: path === '/Users' ? 'user' : 'group', operation: 'getMany' } },
	);
	const resources = listItems<IDataObject>(response);
	const next = (response.startIndex ?? startIndex) + resources.length;
	return {
		results: resources.filter((r) => typeof r.id === 'string').map(toItem),
		paginationToken: resources.length > 0 && next <= (response.totalResults ?? 0) ? String(next) : undefined,
	};
}

export const listSearch = {
	async searchUsers(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
		return await searchPage(this, '/Users', 'userName', filter, paginationToken, (user) => {
			const userName = String(user.userName ?? user.id);
			const displayName = typeof user.displayName === 'string' && user.displayName !== '' ? user.displayName : undefined;
			return {
				name: displayName && displayName !== userName ? `${displayName} (${userName})` : userName,
				value: String(user.id),
			};
		});
	},

	async searchGroups(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
		return await searchPage(this, '/Groups', 'displayName', filter, paginationToken, (group) => ({
			name: String(group.displayName ?? group.id),
			value: String(group.id),
		}));
	},
};
