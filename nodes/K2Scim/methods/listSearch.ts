import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

// Filled by the group/search work: searchUsers and searchGroups for the resource locators.
export const listSearch: Record<
	string,
	(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string) => Promise<INodeListSearchResult>
> = {};
