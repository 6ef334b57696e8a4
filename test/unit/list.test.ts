import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { MAX_PAGES, listItems, pageVerdict, remainingPageCount, remainingPageStartIndexes, remainingPages } from '../../nodes/K2Scim/scim/list';
import { LIST_RESPONSE_SCHEMA } from '../../nodes/K2Scim/scim/schemas';

test('250 items at 100 per page leave pages starting at 101 and 201', () => {
	assert.deepEqual(remainingPageStartIndexes(250, { startIndex: 1, itemsPerPage: 100 }), [101, 201]);
	assert.deepEqual(remainingPages(250, { startIndex: 1, itemsPerPage: 100 }), [
		{ startIndex: 101, count: 100 },
		{ startIndex: 201, count: 50 },
	]);
});

test('a single full or partial page leaves nothing to fetch', () => {
	assert.deepEqual(remainingPageStartIndexes(100, { startIndex: 1, itemsPerPage: 100 }), []);
	assert.deepEqual(remainingPageStartIndexes(42, { startIndex: 1, itemsPerPage: 42 }), []);
	assert.deepEqual(remainingPageStartIndexes(0, { startIndex: 1, itemsPerPage: 0 }), []);
});

test('a server that returns fewer than asked sets the step, so no item is skipped', () => {
	assert.deepEqual(remainingPageStartIndexes(250, { startIndex: 1, itemsPerPage: 50 }), [51, 101, 151, 201]);
});

test('limit stops paging and trims the last page', () => {
	assert.deepEqual(remainingPageStartIndexes(1000, { startIndex: 1, itemsPerPage: 100 }, 100, 250), [101, 201]);
	assert.deepEqual(remainingPages(1000, { startIndex: 1, itemsPerPage: 100 }, 100, 250).at(-1), { startIndex: 201, count: 50 });
	assert.deepEqual(remainingPageStartIndexes(1000, { startIndex: 1, itemsPerPage: 100 }, 100, 100), []);
	assert.deepEqual(remainingPageStartIndexes(1000, { startIndex: 1, itemsPerPage: 100 }, 100, 0), []);
});

test('paging continues from a first page that did not start at 1', () => {
	assert.deepEqual(remainingPageStartIndexes(300, { startIndex: 51, itemsPerPage: 100 }), [151, 251]);
});

test('an empty first page with results left falls back to the page size', () => {
	assert.deepEqual(remainingPageStartIndexes(150, { startIndex: 1, itemsPerPage: 0 }), [1, 101]);
});

test('100,000 users need 999 more pages', () => {
	const starts = remainingPageStartIndexes(100_000, { startIndex: 1, itemsPerPage: 100 });
	assert.equal(starts.length, 999);
	assert.equal(starts[998], 99_901);
});

test('listItems returns the Resources, or [] when a server omits them', () => {
	assert.deepEqual(listItems({ schemas: [LIST_RESPONSE_SCHEMA], totalResults: 1, Resources: [{ id: '1' }] }), [{ id: '1' }]);
	assert.deepEqual(listItems({ schemas: [LIST_RESPONSE_SCHEMA], totalResults: 0 }), []);
	assert.deepEqual(listItems(undefined), []);
	assert.deepEqual(listItems('oops'), []);
});

test('remainingPageCount agrees with remainingPages without building the list', () => {
	const cases: Array<[number, { startIndex: number; itemsPerPage: number }, number | undefined]> = [
		[250, { startIndex: 1, itemsPerPage: 100 }, undefined],
		[250, { startIndex: 1, itemsPerPage: 50 }, undefined],
		[1000, { startIndex: 1, itemsPerPage: 100 }, 250],
		[100, { startIndex: 1, itemsPerPage: 100 }, undefined],
		[300, { startIndex: 51, itemsPerPage: 100 }, undefined],
		[150, { startIndex: 1, itemsPerPage: 0 }, undefined],
	];
	for (const [total, first, limit] of cases) {
		assert.equal(remainingPageCount(total, first, 100, limit), remainingPages(total, first, 100, limit).length, JSON.stringify([total, first, limit]));
	}
	assert.equal(remainingPageCount(1e9, { startIndex: 1, itemsPerPage: 100 }), 9_999_999, 'a lying total is counted, not listed');
	assert.ok(remainingPageCount(1e9, { startIndex: 1, itemsPerPage: 100 }) + 1 > MAX_PAGES);
	assert.equal(MAX_PAGES * 100, 1_000_000);
});

test('pageVerdict: new resources go on; an empty page ends only when its own total says the list shrank', () => {
	const seen = new Set(['a', 'b']);
	assert.equal(pageVerdict({ resources: [{ id: 'c' }], totalResults: 300 }, 101, seen), 'ok');
	assert.equal(pageVerdict({ resources: [{ id: 'a' }, { id: 'c' }], totalResults: 300 }, 101, seen), 'ok', 'one shifted resource is not a repeat');
	assert.equal(pageVerdict({ resources: [], totalResults: 100 }, 101, seen), 'end');
	assert.equal(pageVerdict({ resources: [], totalResults: 300 }, 101, seen), 'empty');
	assert.equal(pageVerdict({ resources: [] }, 101, seen), 'empty', 'no total: cannot tell it shrank');
	assert.equal(pageVerdict({ resources: [{ id: 'a' }, { id: 'b' }], totalResults: 300 }, 101, seen), 'repeated');
	assert.equal(pageVerdict({ resources: [{ userName: 'x' }], totalResults: 300 }, 101, seen), 'ok', 'without ids a repeat cannot be told');
});
