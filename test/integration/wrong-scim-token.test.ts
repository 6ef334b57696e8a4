// A wrong SCIM Token, answered the ways K2 might answer it (the sandbox's wrongToken switch): 404
// with a SCIM error, or ASP.NET's 401 / 403 with an empty body. The node runs through n8n-core with
// n8n's own OAuth2 refresh. A 401 that a successful refresh does not clear is the SCIM side
// refusing the token, not an expired sign-in: the error says to check the SCIM Token, Scope and
// SCIM Base URL, and the run refreshes at most once.
import assert from 'node:assert/strict';
import { beforeAll, describe, test } from '@jest/globals';

import { useK2 } from '../support/fixture';

const WRONG = '11111111-2222-3333-4444-555555555555';
const listUsers = { resource: 'user', operation: 'getMany', returnAll: true };
const createUsers = { resource: 'user', operation: 'create', userName: '={{ $json.u }}' };
const items = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ u: `${prefix}${i}@example.com` }));
const SCIM_SIDE = /^K2's SCIM service refused the credential "K2 wrong token" \((401|403)\): check its SCIM Token, Scope and SCIM Base URL$/;

describe('a wrong SCIM Token', () => {
	const k2 = useK2();
	beforeAll(async () => {
		await k2.scim.createUser('kept@example.com');
		const data = k2.harness.credentials.stored('k2');
		k2.harness.credentials.add({ id: 'wrong', name: 'K2 wrong token', type: 'k2ScimOAuth2Api', data: { ...data, scimToken: WRONG } });
	});

	/** Runs the node with the wrong token; counts SCIM requests, token refreshes and tokens n8n saved. */
	async function runWrong(parameters: Record<string, unknown>, input?: Array<Record<string, unknown>>, continueOnFail = false) {
		k2.sandbox.resetStats();
		const saved = k2.harness.credentials.savedTokens.length;
		const tokensOf = () => k2.harness.credentials.stored('wrong').oauthTokenData as Record<string, unknown>;
		const before = tokensOf();
		const result = await k2.run(parameters, input, { credentialId: 'wrong', continueOnFail });
		const secrets = [WRONG, k2.sandbox.scimToken, ...[before, tokensOf()].flatMap((t) => [t.access_token, t.refresh_token, t.id_token])].filter(Boolean);
		const seen = JSON.stringify({ output: result.output, m: result.error?.message, d: result.error?.description });
		for (const secret of secrets) assert.ok(!seen.includes(String(secret)), `no token or SCIM token in the error or the output: ${String(secret).slice(0, 12)}`);
		return {
			...result,
			requests: k2.sandbox.stats().total,
			byStatus: k2.sandbox.stats().byStatus,
			refreshes: k2.sandbox.idpStats().refreshOk,
			saved: k2.harness.credentials.savedTokens.length - saved,
		};
	}

	test('404 with a SCIM error (the default): "K2 did not recognise the SCIM token", one request, no refresh', async () => {
		k2.sandbox.setProfile({ wrongToken: '404' });
		const run = await runWrong(listUsers);
		assert.equal(run.error?.message, 'K2 did not recognise the SCIM token');
		assert.match(String(run.error?.description), /Check the SCIM Token/);
		assert.equal(run.requests, 1);
		assert.equal(run.refreshes, 0);
	});

	test('401 with an empty body: one refresh, then the SCIM side is named; not "sign in again"', async () => {
		k2.sandbox.setProfile({ wrongToken: '401' });
		const run = await runWrong(listUsers);
		assert.match(run.error?.message ?? 'no error', SCIM_SIDE);
		const description = String(run.error?.description);
		assert.match(description, /token service accepted the sign-in and n8n refreshed the access token, but K2's SCIM service still refused it \(HTTP 401, with no SCIM error\)/);
		assert.match(description, /open the credential "K2 wrong token"/);
		assert.match(description, /SCIM Token .*Scope \(it must include https:\/\/scim\.onk2\.com\/write.*SCIM Base URL/);
		assert.doesNotMatch(description, /Reconnect the K2 credential \(sign in again\)/);
		assert.equal(run.refreshes, 1, 'one refresh');
		assert.equal(run.saved, 1);
		// The first send, then n8n's send, refresh and re-send with the new token, and n8n 2.8's
		// own last try without the token (httpRequestWithAuthentication after a 401). Was 8 and 2 refreshes.
		assert.equal(run.requests, 4);
		assert.deepEqual(run.byStatus, { 401: 4 });
	});

	test('401 with an empty body, 20 creates: at most one refresh for the run; the items after it fail unsent with the same error', async () => {
		k2.sandbox.setProfile({ wrongToken: '401' });
		const run = await runWrong(createUsers, items('wrong401-', 20), true);
		assert.equal(run.error, undefined);
		assert.equal(run.output?.length, 20, 'every item comes out once');
		for (const item of run.output!) assert.match(String(item.json.error), SCIM_SIDE);
		assert.ok(run.refreshes <= 1, `${run.refreshes} refreshes`);
		assert.equal(run.refreshes, 1);
		// The requests already in flight when the first 401 came back (Auto starts at 4), plus one refresh round.
		assert.ok(run.requests <= 8, `${run.requests} requests for 20 items`);
		assert.deepEqual(Object.keys(run.byStatus), ['401']);
	});

	test('403 with an empty body: no refresh, the same advice (SCIM Token, Scope, SCIM Base URL), one request per item', async () => {
		k2.sandbox.setProfile({ wrongToken: '403' });
		const list = await runWrong(listUsers);
		assert.match(list.error?.message ?? 'no error', SCIM_SIDE);
		assert.match(String(list.error?.description), /answered HTTP 403 with no SCIM error/);
		assert.match(String(list.error?.description), /SCIM Token .*Scope \(it must include https:\/\/scim\.onk2\.com\/write.*SCIM Base URL/);
		assert.equal(list.requests, 1);
		assert.equal(list.refreshes, 0);

		const creates = await runWrong(createUsers, items('wrong403-', 5), true);
		assert.equal(creates.output?.length, 5);
		for (const item of creates.output!) assert.match(String(item.json.error), SCIM_SIDE);
		assert.equal(creates.requests, 5);
		assert.equal(creates.refreshes, 0);
	});

	test('the next run asks again (the refusal is remembered for one run only), and the right token still works', async () => {
		k2.sandbox.setProfile({ wrongToken: '401' });
		const again = await runWrong(listUsers);
		assert.match(again.error?.message ?? 'no error', SCIM_SIDE);
		assert.equal(again.refreshes, 1, 'a new run refreshes once again');

		k2.sandbox.resetStats();
		const right = await k2.run(listUsers);
		assert.equal(right.error, undefined);
		assert.deepEqual(right.output!.map((item) => item.json.userName), ['kept@example.com']);
		assert.equal(k2.sandbox.idpStats().refreshOk, 0);
	});
});
