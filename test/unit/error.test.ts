import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { explainFilterRefusal, explainScimError, isFilterRefusalAnswer, parseScimError } from '../../nodes/K2Scim/scim/error';
import { ERROR_SCHEMA } from '../../nodes/K2Scim/scim/schemas';

test('parseScimError reads an RFC 7644 error body, string status included', () => {
	assert.deepEqual(
		parseScimError(400, { schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness', detail: 'userName taken' }),
		{ status: 409, scimType: 'uniqueness', detail: 'userName taken' },
	);
});

test('parseScimError reads JSON strings, plain text, Errors lists and OAuth errors', () => {
	assert.deepEqual(parseScimError(404, '{"detail":"Resource u-9 not found","status":404}'), { status: 404, detail: 'Resource u-9 not found' });
	assert.deepEqual(parseScimError(502, 'Bad Gateway'), { status: 502, detail: 'Bad Gateway' });
	assert.deepEqual(parseScimError(500, '{not json'), { status: 500, detail: '{not json' });
	assert.deepEqual(parseScimError(400, { Errors: [{ description: 'bad filter', code: 400 }] }), { status: 400, detail: 'bad filter' });
	assert.deepEqual(parseScimError(401, { error: 'invalid_token', error_description: 'expired' }), { status: 401, detail: 'expired' });
	assert.deepEqual(parseScimError(503, Buffer.from('down')), { status: 503, detail: 'down' });
	assert.deepEqual(parseScimError(500, undefined), { status: 500 });
	assert.deepEqual(parseScimError(500, { status: 'weird' }), { status: 500 });
});

test('parseScimError strips HTML pages to their text and bounds long details', () => {
	assert.deepEqual(parseScimError(502, '<html><head><style>x{}</style></head><body><h1>502 Bad Gateway</h1></body></html>'), {
		status: 502,
		detail: '502 Bad Gateway',
	});
	assert.equal(parseScimError(500, 'x'.repeat(5000)).detail?.length, 501);
});

const userCtx = { resource: 'user' as const, operation: 'create', userName: 'bob@example.com' };

test('409 explains the duplicate and points to Create or Update', () => {
	const out = explainScimError({ status: 409, scimType: 'uniqueness', detail: 'userName must be unique' }, userCtx);
	assert.equal(out.message, 'A user with userName "bob@example.com" already exists in K2');
	assert.match(out.description, /Use the "Create or Update" operation to update existing users/);
	assert.match(out.description, /K2 said: userName must be unique/);
	assert.match(out.description, /SCIM error type: uniqueness/);
});

test('404 for an id says the user was not found and how to find ids', () => {
	const out = explainScimError({ status: 404, detail: 'Resource u-9 not found' }, { resource: 'user', operation: 'get', id: 'u-9' });
	assert.equal(out.message, 'The user "u-9" was not found in K2');
	assert.match(out.description, /"Get Many" with a userName filter/);
	assert.match(out.description, /K2 said: Resource u-9 not found/);
});

test('404 about the token points at the SCIM Token in the credential', () => {
	const out = explainScimError({ status: 404, detail: 'Unknown token' }, { resource: 'user', operation: 'get', id: 'u-1' });
	assert.equal(out.message, 'K2 did not recognise the SCIM token');
	assert.match(out.description, /Check the SCIM Token in the K2 credential/);
	const list = explainScimError({ status: 404 }, { resource: 'group', operation: 'getMany' });
	assert.equal(list.message, 'K2 did not recognise the SCIM token');
});

test('400 explains the scimType and includes the server detail', () => {
	const out = explainScimError(
		{ status: 400, scimType: 'invalidFilter', detail: 'Unexpected token at 12' },
		{ resource: 'user', operation: 'getMany' },
	);
	assert.equal(out.message, 'K2 rejected the request to list users (invalidFilter)');
	assert.match(out.description, /filter is not valid SCIM/);
	assert.match(out.description, /K2 said: Unexpected token at 12/);
	assert.match(out.description, /SCIM error type: invalidFilter/);
	for (const scimType of ['invalidValue', 'invalidSyntax', 'invalidPath', 'mutability', 'tooMany']) {
		const explained = explainScimError({ status: 400, scimType }, userCtx);
		assert.doesNotMatch(explained.description, /K2 found the request invalid/, scimType);
	}
	assert.match(explainScimError({ status: 400, detail: 'bad' }, userCtx).description, /K2 found the request invalid.*K2 said: bad/);
});

test('401 and 403 give credential and scope advice', () => {
	assert.match(explainScimError({ status: 401 }, userCtx).description, /Reconnect the K2 credential/);
	const forbidden = explainScimError({ status: 403, detail: 'insufficient_scope' }, userCtx);
	assert.equal(forbidden.message, 'The K2 credential is not allowed to create the user "bob@example.com"');
	assert.match(forbidden.description, /the K2 credential lacks the https:\/\/scim\.onk2\.com\/write scope/i);
	assert.match(forbidden.description, /K2 said: insufficient_scope/);
});

test('429 and 5xx say K2 is throttling or failing and to retry', () => {
	assert.match(explainScimError({ status: 429 }, userCtx).message, /K2 is throttling requests/);
	const down = explainScimError({ status: 503, detail: 'maintenance' }, { resource: 'group', operation: 'update', displayName: 'Sales' });
	assert.equal(down.message, "K2's SCIM service failed (503)");
	assert.match(down.description, /Retry later/);
	assert.match(down.description, /group "Sales"/);
	assert.match(down.description, /K2 said: maintenance \| HTTP status: 503/);
});

test('other statuses name the action in words', () => {
	assert.equal(
		explainScimError({ status: 418 }, { resource: 'group', operation: 'addMember', displayName: 'Sales' }).message,
		'K2 returned HTTP 418 for the request to add members to the group "Sales"',
	);
});

test('a group 409 names the group', () => {
	assert.equal(
		explainScimError({ status: 409 }, { resource: 'group', operation: 'create', displayName: 'Sales' }).message,
		'A group named "Sales" already exists in K2',
	);
});

test('404 for an ID that contains "tokens" names the missing resource, not the SCIM token', () => {
	for (const detail of ['User tokens-archive not found', 'Resource tokens-archive not found', undefined]) {
		const out = explainScimError({ status: 404, detail }, { resource: 'user', operation: 'get', id: 'tokens-archive' });
		assert.equal(out.message, 'The user "tokens-archive" was not found in K2', String(detail));
	}
	const group = explainScimError({ status: 404, detail: 'Group TOKENS not found' }, { resource: 'group', operation: 'get', id: 'tokens' });
	assert.equal(group.message, 'The group "tokens" was not found in K2');
});

test('404 whose detail quotes the request path (every SCIM path has /tokens/) is "not found"', () => {
	const out = explainScimError(
		{ status: 404, detail: 'No resource at /tokens/[redacted]/scim/v2/Users/u-9' },
		{ resource: 'user', operation: 'get', id: 'u-9' },
	);
	assert.equal(out.message, 'The user "u-9" was not found in K2');
});

test('404 whose detail blames the token, in any wording, is a bad SCIM token', () => {
	for (const detail of ['Unknown token', 'No SCIM endpoint for this token: check the SCIM Token', 'invalid scim-token', 'Tokens not recognised']) {
		const out = explainScimError({ status: 404, detail }, { resource: 'user', operation: 'get', id: 'u-1' });
		assert.equal(out.message, 'K2 did not recognise the SCIM token', detail);
	}
});

test('429 advice names the node option by its label (Requests in Flight)', () => {
	assert.match(explainScimError({ status: 429 }, userCtx).description, /Requests in Flight/);
});

test('a refused filter names the operator and what it means, with what K2 accepted in the run', () => {
	const info = { status: 400, scimType: 'invalidFilter', detail: 'Filter operator "ne" is not supported' };
	const one = explainFilterRefusal(info, { resource: 'user', operation: 'getMany' }, { filter: 'active ne false', suspects: ['ne'], accepted: ['eq', 'and'] });
	assert.equal(one.message, 'K2 refused the filter operator "ne" in the request to list users');
	assert.match(one.description, /refused the filter active ne false\. In this run K2 accepted: eq, and\./);
	assert.match(one.description, /If you typed this filter \(Get Many > SCIM Filter, Sync > Deprovision Filter\), write it without "ne"/);
	assert.match(one.description, /K2 said: Filter operator "ne" is not supported/);

	const eq = explainFilterRefusal(info, { resource: 'user', operation: 'get', userName: 'ada' }, { filter: 'userName eq "ada"', suspects: ['eq'], accepted: [] });
	assert.equal(eq.message, 'K2 refused the filter operator "eq" in the request to read the user "ada"');
	assert.match(eq.description, /cannot find a user by userName/);
	assert.doesNotMatch(eq.description, /In this run/, 'nothing accepted yet: not said');

	const two = explainFilterRefusal(info, { resource: 'group', operation: 'getMany' }, { filter: `displayName co "x" or ${'x'.repeat(300)}`, suspects: ['co', 'or'], accepted: [] });
	assert.equal(two.message, 'K2 refused a filter operator (one of "co", "or") in the request to list groups');
	assert.ok(two.description.includes('…'), 'a long filter is cut');
});

test('a 400 refuses the filter when it says invalidFilter or nothing; other 400s and statuses do not', () => {
	assert.equal(isFilterRefusalAnswer({ status: 400, scimType: 'invalidFilter' }), true);
	assert.equal(isFilterRefusalAnswer({ status: 400 }), true);
	assert.equal(isFilterRefusalAnswer({ status: 400, scimType: 'invalidValue' }), false);
	assert.equal(isFilterRefusalAnswer({ status: 404 }), false);
});
