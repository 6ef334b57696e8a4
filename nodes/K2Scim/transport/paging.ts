import type { IDataObject } from 'n8n-workflow';

import { MAX_PAGE_SIZE } from '../scim/schemas';
import { remainingPageStartIndexes } from '../scim/list';
import type { ScimListResponse } from '../scim/schemas';
import { mapConcurrent } from '../utils/concurrency';
import { scimRequest } from './index';
import type { ScimContext, ScimRequestOptions } from './index';

export interface ListQuery {
	filter?: string;
	/** Stop after this many resources; undefined means all. */
	limit?: number;
	attributes?: string;
	excludedAttributes?: string;
	/** Pages requested at once after the first one told us totalResults. */
	concurrency?: number;
}

/**
 * Lists resources at K2's cap of 100 per page. The first page gives totalResults; the
 * remaining pages are then fetched in parallel and put back in order.
 */
export async function listResources(
	ctx: ScimContext,
	path: '/Users' | '/Groups',
	query: ListQuery,
	options: ScimRequestOptions,
): Promise<IDataObject[]> {
	const pageQs = (startIndex: number, count: number): IDataObject => {
		const qs: IDataObject = { startIndex, count };
		if (query.filter) qs.filter = query.filter;
		if (query.attributes) qs.attributes = query.attributes;
		if (query.excludedAttributes) qs.excludedAttributes = query.excludedAttributes;
		return qs;
	};
	const firstCount = Math.min(MAX_PAGE_SIZE, query.limit ?? MAX_PAGE_SIZE);
	if (firstCount <= 0) return [];
	const first = await scimRequest<ScimListResponse<IDataObject>>(
		ctx,
		{ method: 'GET', path, qs: pageQs(1, firstCount) },
		options,
	);
	const resources = [...(first.Resources ?? [])];
	const starts = remainingPageStartIndexes(
		first.totalResults ?? resources.length,
		{ startIndex: first.startIndex ?? 1, itemsPerPage: resources.length },
		MAX_PAGE_SIZE,
		query.limit,
	);
	const pages = await mapConcurrent(starts, query.concurrency ?? 4, async (startIndex) => {
		const count = Math.min(MAX_PAGE_SIZE, query.limit !== undefined ? query.limit - (startIndex - 1) : MAX_PAGE_SIZE);
		const page = await scimRequest<ScimListResponse<IDataObject>>(
			ctx,
			{ method: 'GET', path, qs: pageQs(startIndex, count) },
			options,
		);
		return page.Resources ?? [];
	});
	for (const page of pages) resources.push(...page);
	return query.limit !== undefined ? resources.slice(0, query.limit) : resources;
}
