/**
 * ListResponse paging (RFC 7644 §3.4.2.4): 1-based `startIndex`, `count`, `totalResults`.
 * K2 returns at most 100 resources per page, so after the first page (which tells us
 * totalResults) the rest can be requested in parallel.
 */
import { MAX_PAGE_SIZE, type ScimListResponse } from './schemas';
import { isPlainObject } from './path';

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
