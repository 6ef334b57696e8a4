import type { IDataObject, ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { escapeFilterValue } from '../scim/filter';
import { listItems } from '../scim/list';
import { MAX_PAGE_SIZE } from '../scim/schemas';
import { withFilterOperator } from '../transport/filterOperators';
import { groups, users } from '../transport/resources';
import type { PageQuery } from '../transport/resources';

/**
 * One page of a picker, 100 per page (K2's cap); the pagination token is the next startIndex.
 * Typed text matches anywhere in the searched attributes (`co`, joined with `or`). RFC 7644 asks
 * a server with filter support for both, but K2 does not document them: if it refuses them (400),
 * the page is asked again with `sw` on the main attribute (a prefix search), and if it refuses
 * that too, without a filter: the list then shows every user or group, page by page.
 */
async function searchPage(
	ctx: ILoadOptionsFunctions,
	resource: 'user' | 'group',
	attributes: ['userName' | 'displayName', ...string[]],
	filter: string | undefined,
	paginationToken: string | undefined,
	toItem: (resource: IDataObject) => INodeListSearchItems,
): Promise<INodeListSearchResult> {
	const startIndex = Math.max(1, Number.parseInt(paginationToken ?? '1', 10) || 1);
	const query: PageQuery = { startIndex, count: MAX_PAGE_SIZE };
	// A picker needs names, not up to 100 members per group.
	if (resource === 'group') query.excludedAttributes = 'members';
	const context = { resource, operation: 'getMany' };
	const text = filter?.trim();
	const value = `"${escapeFilterValue(text ?? '')}"`;
	const page = async (scimFilter?: string) =>
		await (resource === 'user' ? users : groups).page(ctx, scimFilter ? { ...query, filter: scimFilter } : query, { context });

	const contains = attributes.map((attribute) => `${attribute} co ${value}`).join(' or ');
	const response = !text
		? await page()
		: await withFilterOperator(ctx, 'co', async () => await page(contains), async () =>
				await withFilterOperator(ctx, 'sw', async () => await page(`${attributes[0]} sw ${value}`), async () => await page()),
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
		return await searchPage(this, 'user', ['userName', 'displayName'], filter, paginationToken, (user) => {
			const userName = String(user.userName ?? user.id);
			const displayName = typeof user.displayName === 'string' && user.displayName !== '' ? user.displayName : undefined;
			return {
				name: displayName && displayName !== userName ? `${displayName} (${userName})` : userName,
				value: String(user.id),
			};
		});
	},

	async searchGroups(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
		return await searchPage(this, 'group', ['displayName'], filter, paginationToken, (group) => ({
			name: String(group.displayName ?? group.id),
			value: String(group.id),
		}));
	},
};
