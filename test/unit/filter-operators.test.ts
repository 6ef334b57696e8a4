import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import type { INode } from 'n8n-workflow';

import { scimApiError } from '../../nodes/K2Scim/transport/errors';
import { withFilterOperator } from '../../nodes/K2Scim/transport/filterOperators';
import type { ScimContext } from '../../nodes/K2Scim/transport/index';

const node = { name: 'K2 SCIM', type: 'n8n-nodes-k2-scim.k2Scim', typeVersion: 2, position: [0, 0], parameters: {}, id: 'n' } as unknown as INode;

/** K2's 400 invalidFilter for a filter with `or`, as the transport turns it into an error. */
function refusal(filter: string) {
	return scimApiError(
		node,
		{ status: 400, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidFilter', detail: 'Unsupported operator' } },
		{ resource: 'user', operation: 'sync' },
		{},
		undefined,
		{ filter, suspects: ['or'], accepted: [] },
	);
}

test('withFilterOperator: concurrent callers ask K2 once; the others wait for the answer and fall back', async () => {
	const ctx = {} as ScimContext;
	let asked = 0;
	let fellBack = 0;
	const withIt = async () => {
		asked++;
		await new Promise((resolve) => setTimeout(resolve, 20));
		throw refusal('id eq "a" or id eq "b"');
	};
	const withoutIt = async () => {
		fellBack++;
		return 'one lookup per ID';
	};
	const results = await Promise.all(Array.from({ length: 5 }, async () => await withFilterOperator(ctx, 'or', withIt, withoutIt)));
	assert.deepEqual(results, Array(5).fill('one lookup per ID'));
	assert.equal(asked, 1, 'K2 was asked once with the operator');
	assert.equal(fellBack, 5);
	// Later in the same run: not asked again.
	await withFilterOperator(ctx, 'or', withIt, withoutIt);
	assert.equal(asked, 1);
});

test('withFilterOperator: once K2 accepted the operator, concurrent callers all use it', async () => {
	const ctx = {} as ScimContext;
	let asked = 0;
	const withIt = async () => {
		asked++;
		await new Promise((resolve) => setTimeout(resolve, 10));
		return 'filtered';
	};
	const results = await Promise.all(Array.from({ length: 4 }, async () => await withFilterOperator(ctx, 'co', withIt, async () => 'fallback')));
	assert.deepEqual(results, Array(4).fill('filtered'));
	assert.equal(asked, 4, 'the first asks alone, the others after its answer');
});
