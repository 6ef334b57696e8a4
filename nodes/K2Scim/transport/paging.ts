import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, JsonObject } from 'n8n-workflow';

import { MAX_PAGE_SIZE } from '../scim/schemas';
import { MAX_PAGES, listItems, pageVerdict, remainingPageCount, remainingPages } from '../scim/list';
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

/** Thrown inside the page workers when a page ends the listing early (no error: the list shrank). */
class EndOfList extends Error {}

function pagingError(ctx: ScimContext, what: string, path: string, itemIndex?: number): NodeApiError {
	const resources = path === '/Groups' ? 'groups' : 'users';
	return new NodeApiError(ctx.getNode(), { status: 200 } as JsonObject, {
		message: `K2's paging is inconsistent: ${what}`,
		description:
			`Listing ${resources} stopped so that nothing acts on a partial or endless list (Sync writes nothing after this). ` +
			'This is a fault of the SCIM service or of a proxy in front of it; re-run later, and report it to K2 support if it persists.',
		httpCode: '200',
		itemIndex,
	});
}

/**
 * Lists resources at K2's cap of 100 per page. The first page gives totalResults; the
 * remaining pages are then fetched in parallel and put back in order. Paging always ends:
 * at an empty page, at a page of resources already seen, or at the page ceiling.
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
	// The transport has checked the shape: an object with a Resources list of objects.
	const first = await scimRequest<ScimListResponse<IDataObject>>(
		ctx,
		{ method: 'GET', path, qs: pageQs(1, firstCount) },
		options,
	);
	const firstItems = listItems<IDataObject>(first);
	const total = first.totalResults ?? firstItems.length;
	if (firstItems.length === 0) {
		if (total > 0) {
			throw pagingError(ctx, `it reported ${total} results but sent none on the first page`, path, options.itemIndex);
		}
		return [];
	}
	const firstPage = { startIndex: first.startIndex ?? 1, itemsPerPage: firstItems.length };
	const pageCount = remainingPageCount(total, firstPage, MAX_PAGE_SIZE, query.limit);
	if (pageCount + 1 > MAX_PAGES) {
		throw pagingError(
			ctx,
			`it reported ${total} results, which would take ${pageCount + 1} pages; a listing stops at ${MAX_PAGES} pages`,
			path,
			options.itemIndex,
		);
	}

	const seen = new Set<string>();
	const remember = (items: IDataObject[]) => {
		for (const item of items) if (typeof item.id === 'string') seen.add(item.id);
	};
	remember(firstItems);
	// Every page asks for a full page (unless a limit ends it), so that a short one proves the end.
	const pages = remainingPages(total, firstPage, MAX_PAGE_SIZE, query.limit).map((page) =>
		query.limit === undefined ? { ...page, count: Math.max(page.count, firstPage.itemsPerPage) } : page,
	);
	const received: IDataObject[][] = [];
	// Why paging stopped early, by page: a failed request, a broken page, or the end of a shrunk list.
	const stops: Array<{ index: number; error?: NodeApiError }> = [];
	const stop = (index: number, error?: NodeApiError): never => {
		stops.push({ index, error });
		throw new EndOfList(); // mapConcurrent then starts no further page
	};
	try {
		await mapConcurrent(pages, query.concurrency ?? 4, async (page, index) => {
			let response: ScimListResponse<IDataObject>;
			try {
				response = await scimRequest<ScimListResponse<IDataObject>>(
					ctx,
					{ method: 'GET', path, qs: pageQs(page.startIndex, page.count) },
					options,
				);
			} catch (error) {
				return stop(index, error as NodeApiError);
			}
			const items = listItems<IDataObject>(response);
			const verdict = pageVerdict({ resources: items, totalResults: response.totalResults }, page.startIndex, seen);
			if (verdict === 'empty') {
				stop(index, pagingError(ctx, `it reported ${response.totalResults ?? total} results but the page at ${page.startIndex} was empty`, path, options.itemIndex));
			}
			if (verdict === 'repeated') {
				stop(index, pagingError(ctx, `the page at ${page.startIndex} repeated resources already listed (startIndex ignored?)`, path, options.itemIndex));
			}
			if (verdict === 'end') stop(index);
			remember(items);
			received[index] = items;
		});
	} catch (error) {
		if (!(error instanceof EndOfList)) throw new NodeOperationError(ctx.getNode(), error as Error);
	}
	// The earliest page decides: a failure before the end of the list fails the listing.
	const earliest = stops.sort((a, b) => a.index - b.index)[0];
	if (earliest?.error) throw earliest.error;
	const endsAt = earliest ? earliest.index : pages.length;
	if (!earliest) {
		// totalResults is not trusted alone (a K2 may count only the page it sent): while the last
		// page came back full, the next one is asked for, until a short or empty page proves the end.
		const last = pages.length ? { ...pages[pages.length - 1], items: received[pages.length - 1] } : { startIndex: firstPage.startIndex, count: firstCount, items: firstItems };
		const listed = firstItems.length + received.reduce((sum, items) => sum + items.length, 0);
		const state = { pageSize: firstItems.length, left: query.limit === undefined ? Infinity : query.limit - listed, pagesSoFar: pages.length + 1, seen, pageQs };
		received.push(...(await pagesAfter(ctx, path, last, state, options)));
	}

	// A resource may shift across a page boundary while listing (one created or deleted): once each.
	const resources: IDataObject[] = [];
	const added = new Set<string>();
	for (const item of [firstItems, ...received.slice(0, earliest ? endsAt : received.length)].flat()) {
		if (item === undefined) continue;
		if (typeof item.id === 'string') {
			if (added.has(item.id)) continue;
			added.add(item.id);
		}
		resources.push(item);
	}
	return query.limit !== undefined ? resources.slice(0, query.limit) : resources;
}

/**
 * The pages after `last` while pages come back full, one at a time: the listing is complete only
 * when a page shorter than asked (or empty) says so. A page of resources already listed means
 * K2 ignores startIndex; the page ceiling means the end could not be proven: both stop the
 * listing with an error, so that nothing acts on what may be part of K2's users.
 */
async function pagesAfter(
	ctx: ScimContext,
	path: '/Users' | '/Groups',
	last: { startIndex: number; count: number; items: IDataObject[] },
	state: { pageSize: number; left: number; pagesSoFar: number; seen: Set<string>; pageQs: (startIndex: number, count: number) => IDataObject },
	options: ScimRequestOptions,
): Promise<IDataObject[][]> {
	const more: IDataObject[][] = [];
	let previous = last;
	let left = state.left;
	for (let page = state.pagesSoFar; previous.count > 0 && previous.items.length >= previous.count && left > 0; page++) {
		if (page >= MAX_PAGES) {
			throw pagingError(ctx, `its pages were still full after ${MAX_PAGES} pages, so the end of the list could not be proven`, path, options.itemIndex);
		}
		const startIndex = previous.startIndex + previous.items.length;
		const count = Math.min(state.pageSize, left);
		const response = await scimRequest<ScimListResponse<IDataObject>>(ctx, { method: 'GET', path, qs: state.pageQs(startIndex, count) }, options);
		const items = listItems<IDataObject>(response);
		if (items.length && pageVerdict({ resources: items }, startIndex, state.seen) === 'repeated') {
			throw pagingError(ctx, `the page at ${startIndex} repeated resources already listed (startIndex ignored?), so the list could not be read to its end`, path, options.itemIndex);
		}
		for (const item of items) if (typeof item.id === 'string') state.seen.add(item.id);
		more.push(items);
		left -= items.length;
		previous = { startIndex, count, items };
	}
	return more;
}
