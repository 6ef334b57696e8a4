/**
 * ListResponse paging (RFC 7644 §3.4.2.4): 1-based `startIndex`, `count`, `totalResults`.
 * K2 returns at most 100 resources per page, so after the first page (which tells us
 * totalResults) the rest can be requested in parallel.
 */
import { MAX_PAGE_SIZE, type ScimListResponse } from './schemas';
import { isPlainObject } from './path';

/**
 * The most pages one listing may take: 1,000,000 resources at 100 per page. A server whose
 * totalResults asks for more is not paged at all (a lying total must not cost 10^7 requests).
 */
export const MAX_PAGES = 10_000;

export interface PageRequest {
	startIndex: number;
	count: number;
}

/**
 * The pages still to fetch after the first one, with the `count` each should ask for.
 * `firstPage.itemsPerPage` must be the number of resources the first page actually held:
 * a server that returns fewer than asked (a lower cap than ours) sets the step, so no
 * resource falls between two pages. `limit` counts resources from the first page's start.
 */
export function remainingPages(
	totalResults: number,
	firstPage: { startIndex: number; itemsPerPage: number },
	pageSize: number = MAX_PAGE_SIZE,
	limit?: number,
): PageRequest[] {
	const start = Number.isFinite(firstPage.startIndex) && firstPage.startIndex >= 1 ? Math.floor(firstPage.startIndex) : 1;
	const received = Number.isFinite(firstPage.itemsPerPage) ? Math.max(0, Math.floor(firstPage.itemsPerPage)) : 0;
	// An empty first page tells us nothing about the cap; fall back to the page size we ask for.
	const step = Math.max(1, received > 0 ? Math.min(received, pageSize) : pageSize);
	let last = Number.isFinite(totalResults) ? Math.floor(totalResults) : 0;
	if (limit !== undefined) last = Math.min(last, start + Math.max(0, Math.floor(limit)) - 1);

	const pages: PageRequest[] = [];
	for (let index = start + received; index <= last; index += step) {
		pages.push({ startIndex: index, count: Math.min(step, last - index + 1) });
	}
	return pages;
}

/** How many pages `remainingPages` would list, computed without listing them. */
export function remainingPageCount(
	totalResults: number,
	firstPage: { startIndex: number; itemsPerPage: number },
	pageSize: number = MAX_PAGE_SIZE,
	limit?: number,
): number {
	const start = Number.isFinite(firstPage.startIndex) && firstPage.startIndex >= 1 ? Math.floor(firstPage.startIndex) : 1;
	const received = Number.isFinite(firstPage.itemsPerPage) ? Math.max(0, Math.floor(firstPage.itemsPerPage)) : 0;
	const step = Math.max(1, received > 0 ? Math.min(received, pageSize) : pageSize);
	let last = Number.isFinite(totalResults) ? Math.floor(totalResults) : 0;
	if (limit !== undefined) last = Math.min(last, start + Math.max(0, Math.floor(limit)) - 1);
	const first = start + received;
	return last < first ? 0 : Math.ceil((last - first + 1) / step);
}

/**
 * What a later page means for the listing:
 * - `ok`: new resources, go on;
 * - `end`: empty, and its own totalResults says the list shrank to before it (resources deleted
 *   while listing): the listing ends there;
 * - `empty`: empty although totalResults says resources are left: the server's paging is broken;
 * - `repeated`: only resources already listed (the server ignores startIndex): paging would
 *   never end.
 */
export type PageVerdict = 'ok' | 'end' | 'empty' | 'repeated';

export function pageVerdict(
	page: { resources: unknown[]; totalResults?: number },
	startIndex: number,
	seenIds: ReadonlySet<string>,
): PageVerdict {
	if (page.resources.length === 0) {
		return page.totalResults !== undefined && page.totalResults < startIndex ? 'end' : 'empty';
	}
	const ids = page.resources.map((resource) => (isPlainObject(resource) ? resource.id : undefined));
	if (ids.every((id) => typeof id === 'string' && seenIds.has(id))) return 'repeated';
	return 'ok';
}

/** The startIndex values of `remainingPages`, for callers that ask for full pages. */
export function remainingPageStartIndexes(
	totalResults: number,
	firstPage: { startIndex: number; itemsPerPage: number },
	pageSize: number = MAX_PAGE_SIZE,
	limit?: number,
): number[] {
	return remainingPages(totalResults, firstPage, pageSize, limit).map((page) => page.startIndex);
}

/** The resources of a ListResponse; [] for an empty list (servers may omit `Resources` then). */
export function listItems<T>(response: ScimListResponse<T> | unknown): T[] {
	if (!isPlainObject(response)) return [];
	const resources = response.Resources ?? response.resources;
	return Array.isArray(resources) ? (resources as T[]) : [];
}
