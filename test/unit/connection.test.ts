import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import type { INode } from 'n8n-workflow';

import { assertSafeCredential, scimTokenProblem, urlProblem } from '../../nodes/K2Scim/transport/connection';
import { isLoopbackHost } from '../../nodes/K2Scim/transport/loopback';

const node = { name: 'K2 SCIM', type: 'k2Scim', typeVersion: 1, position: [0, 0], parameters: {} } as unknown as INode;
const good = {
	authority: 'https://login.onk2.com/00000000-0000-0000-0000-000000000000',
	scimBaseUrl: 'https://scim.onk2.com',
	scimToken: '3f2b8c1e-9a4d-4e7b-b6c2-0d1e2f3a4b5c',
	authorizationUrl: '',
	tokenUrl: '',
};

test('loopback is localhost, 127.0.0.0/8 and ::1, in the forms WHATWG URL writes them', () => {
	for (const url of ['http://localhost:5678', 'http://LOCALHOST', 'http://127.0.0.1', 'http://127.1.2.3:80', 'http://127.1', 'http://[::1]:8080', 'http://0x7f.0.0.1']) {
		assert.equal(isLoopbackHost(new URL(url).hostname), true, url);
	}
	for (const url of ['http://k2.example.test', 'http://128.0.0.1', 'http://localhost.example.test', 'http://10.0.0.1', 'http://[::2]', 'http://127.0.0.1.example.test']) {
		assert.equal(isLoopbackHost(new URL(url).hostname), false, url);
	}
});

test('https URLs and http loopback pass; http elsewhere, other schemes, queries, fragments and user-info are refused', () => {
	for (const ok of ['https://scim.onk2.com', 'https://scim.onk2.com/prefix/', 'http://127.0.0.1:9000', 'http://localhost/x', 'http://[::1]:1']) {
		assert.equal(urlProblem(ok), undefined, ok);
	}
	const refused: Array<[string, RegExp]> = [
		['http://scim.onk2.com', /must start with https/],
		['HTTP://scim.onk2.com', /must start with https/],
		['ftp://scim.onk2.com', /must start with https/],
		['javascript:alert(1)', /must start with https/],
		['https://scim.onk2.com/?a=1', /query string/],
		['https://scim.onk2.com?', /query string/],
		['https://scim.onk2.com/#x', /fragment/],
		['https://scim.onk2.com#', /fragment/],
		['https://user:pw@scim.onk2.com', /user name or password/],
		['https://@scim.onk2.com', /user name or password/],
		['http://127.0.0.1@k2.example.test', /user name or password/],
		['scim.onk2.com', /not a valid URL/],
		['', /not a valid URL/],
	];
	for (const [url, reason] of refused) {
		assert.match(urlProblem(url)?.reason ?? 'accepted', reason, url);
	}
});

test('a refusal never repeats the part of the URL that may hold a secret', () => {
	for (const url of ['https://admin:Sup3rSecret@scim.onk2.com', 'https://scim.onk2.com/?token=Sup3rSecret', 'https://scim.onk2.com/#Sup3rSecret']) {
		const problem = urlProblem(url)!;
		assert.ok(!`${problem.reason} ${problem.why}`.includes('Sup3rSecret'), url);
	}
});

test('a SCIM token must be one plain path segment', () => {
	assert.equal(scimTokenProblem(good.scimToken), undefined);
	assert.equal(scimTokenProblem('AbC123_-~.x'), undefined);
	for (const bad of ['', '.', '..', 'a/b', 'a?b', 'a#b', 'a%2Fb', 'a b', 'a\tb', 'a\\b', 'a\u0000b', 'a\u007fb']) {
		assert.ok(scimTokenProblem(bad), JSON.stringify(bad));
	}
});

test('assertSafeCredential names the field and the fix, and checks the URL overrides only when set', () => {
	assert.doesNotThrow(() => assertSafeCredential(node, good, 'K2 Prod'));
	const cases: Array<[Record<string, string>, RegExp]> = [
		[{ scimBaseUrl: 'http://scim.onk2.com' }, /^The SCIM Base URL of the credential "K2 Prod" must start with https:\/\//],
		[{ authority: 'http://login.onk2.com/t' }, /^The Authority of the credential "K2 Prod" must start with https:\/\//],
		[{ authorizationUrl: 'http://login.onk2.com/t/connect/authorize' }, /^The Authorization URL of the credential "K2 Prod"/],
		[{ tokenUrl: 'https://login.onk2.com/t/connect/token?x' }, /^The Access Token URL of the credential "K2 Prod" must not contain a query string/],
		[{ authority: '' }, /^The Authority of the credential "K2 Prod" is empty/],
		[{ scimToken: '../x' }, /^The SCIM Token of the credential "K2 Prod" is not a K2 SCIM token/],
	];
	for (const [change, message] of cases) {
		assert.throws(
			() => assertSafeCredential(node, { ...good, ...change }, 'K2 Prod'),
			(error: Error & { description?: string }) => {
				assert.match(error.message, message);
				assert.match(String(error.description), /Fix: open the credential "K2 Prod"/);
				assert.match(String(error.description), /Nothing was sent to K2/);
				return true;
			},
			JSON.stringify(change),
		);
	}
});
