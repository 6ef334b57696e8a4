// transport/resources.ts on its own: the request each call sends (method, path, encoded ID, body,
// query) and how it reads the answer. The HTTP helper is a stand-in that records the requests.
import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { groups, users } from '../../nodes/K2Scim/transport/resources';

const ROOT = 'https://scim.example.com/tokens/0f8fad5b-d9cb-469f-a165-70867728950e/scim/v2';
const context = { context: { resource: 'user' as const, operation: 'test' } };

/** A node context whose every request gets `answer(request)`; `sent` lists the requests. */
function fake(answer: (request: IHttpRequestOptions) => { statusCode: number; body?: unknown }) {
	const sent: IHttpRequestOptions[] = [];
	const ctx = {
		getNode: () => ({ name: 'K2 SCIM', credentials: { k2ScimOAuth2Api: { id: 'unit-resources', name: 'unit' } } }),
		getCredentials: async () => ({
			scimBaseUrl: 'https://scim.example.com',
			authority: 'https://login.example.com/tenant',
			scimToken: '0f8fad5b-d9cb-469f-a165-70867728950e',
		}),
		logger: { debug: () => undefined },
		helpers: {
			httpRequestWithAuthentication: async (_type: string, request: IHttpRequestOptions) => {
				sent.push(request);
				const { statusCode, body } = answer(request);
				return { statusCode, headers: { 'content-type': 'application/scim+json' }, body };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, sent };
}

test('an ID is one encoded path segment, for every call that names one', async () => {
	const { ctx, sent } = fake((request) => ({
		statusCode: request.method === 'DELETE' ? 204 : 200,
		body: request.method === 'DELETE' ? undefined : { id: 'a/b?c' },
	}));
	await users.get(ctx, 'a/b?c', context);
	await users.replace(ctx, 'a/b?c', { schemas: [], userName: 'x' }, context);
	await users.patch(ctx, 'a/b?c', [{ op: 'replace', path: 'active', value: false }], context);
	await groups.delete(ctx, 'a/b?c', context);
	assert.deepEqual(
		sent.map((r) => `${r.method} ${r.url}`),
		[
			`GET ${ROOT}/Users/a%2Fb%3Fc`,
			`PUT ${ROOT}/Users/a%2Fb%3Fc`,
			`PATCH ${ROOT}/Users/a%2Fb%3Fc`,
			`DELETE ${ROOT}/Groups/a%2Fb%3Fc`,
		],
	);
});

test('patch wraps operations in a PatchOp and answers undefined for a 204; a PatchRequest goes as it is', async () => {
	const { ctx, sent } = fake(() => ({ statusCode: 204 }));
	const operations = [{ op: 'replace' as const, path: 'displayName', value: 'New' }];
	assert.equal(await groups.patch(ctx, 'g-1', operations, context), undefined);
	const request = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations };
	await groups.patch(ctx, 'g-1', request, context);
	assert.deepEqual(sent[0].body, request);
	assert.equal(sent[1].body, request);
});

test('find sends the filter first, then the query in its order, and answers the Resources', async () => {
	const { ctx, sent } = fake(() => ({ statusCode: 200, body: { totalResults: 1, Resources: [{ id: 'g-1', displayName: 'Ops' }] } }));
	const found = await groups.find(ctx, 'displayName eq "Ops"', { excludedAttributes: 'members', count: 2 }, context);
	assert.deepEqual(found, [{ id: 'g-1', displayName: 'Ops' }]);
	assert.equal(sent[0].url, `${ROOT}/Groups`);
	assert.deepEqual(Object.entries(sent[0].qs ?? {}), [
		['filter', 'displayName eq "Ops"'],
		['excludedAttributes', 'members'],
		['count', 2],
	]);
});

test('getIfExists answers undefined for a 404 and fails for any other error', async () => {
	const notFound = fake(() => ({ statusCode: 404, body: { status: '404', detail: 'no such user' } }));
	assert.equal(await users.getIfExists(notFound.ctx, 'u-1', context), undefined);
	const refused = fake(() => ({ statusCode: 403, body: { status: '403', detail: 'forbidden' } }));
	await assert.rejects(users.getIfExists(refused.ctx, 'u-1', context));
});

test('pageWithScimToken puts the other token, encoded, where the SCIM token goes; the rest of the request is a page', async () => {
	const { ctx, sent } = fake(() => ({ statusCode: 200, body: { totalResults: 0, Resources: [] } }));
	await users.pageWithScimToken(ctx, 'a/b', { count: 1 }, context);
	assert.equal(sent[0].method, 'GET');
	assert.equal(sent[0].url, 'https://scim.example.com/tokens/a%2Fb/scim/v2/Users');
	assert.deepEqual(sent[0].qs, { count: 1 });
});
