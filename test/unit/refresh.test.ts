// The coordination in transport/refresh.ts on its own: who may send the way that lets n8n
// refresh, and that every path ends. The senders here stand in for httpRequestWithAuthentication;
// the real thing (n8n-core's OAuth2 code against the sandbox) is in test/integration/refresh-shared.
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';

import type { IExecuteFunctions } from 'n8n-workflow';

import { freshTokenRefusal, refreshGeneration, resendAfterUnauthorized } from '../../nodes/K2Scim/transport/refresh';
import type { Outcome } from '../../nodes/K2Scim/transport/refresh';

const unauthorized: Outcome = { ok: false, failure: { status: 401 } };
const ok: Outcome = { ok: true, body: {} };

/** A node context with just what refresh.ts reads: the node's credential and the stored tokens. */
function context(credentialId: string, tokens: { access_token: string; refresh_token: string }) {
	return {
		getNode: () => ({ credentials: { k2ScimOAuth2Api: { id: credentialId, name: credentialId } } }),
		getCredentials: async () => ({ clientId: 'c', clientSecret: '', oauthTokenData: { ...tokens } }),
		logger: { debug: () => undefined },
	} as unknown as IExecuteFunctions;
}

test('of 10 requests that met a 401 together, one sends the refreshing way; the others re-send after it', async () => {
	const tokens = { access_token: 'a1', refresh_token: 'r1' };
	const ctx = context('unit-one', tokens);
	const seen = refreshGeneration(ctx);
	let strict = 0;
	let lenient = 0;
	const senders = {
		strict: async () => {
			strict++;
			await wait(20); // the refresh takes a moment; the others queue meanwhile
			tokens.access_token = 'a2';
			return ok;
		},
		lenient: async () => {
			lenient++;
			return tokens.access_token === 'a2' ? ok : unauthorized;
		},
	};
	const outcomes = await Promise.all(Array.from({ length: 10 }, () => resendAfterUnauthorized(ctx, seen, senders)));
	assert.ok(outcomes.every((o) => o.ok));
	assert.equal(strict, 1);
	assert.equal(lenient, 9);
	assert.equal(refreshGeneration(ctx), seen + 1);
});

test('credentials are coordinated apart: a refresh of one does not make another wait or skip its own', async () => {
	const a = context('unit-a', { access_token: 'x', refresh_token: 'y' });
	const b = context('unit-b', { access_token: 'x', refresh_token: 'y' });
	let strict = 0;
	const senders = { strict: async () => (strict++, ok), lenient: async () => unauthorized };
	await Promise.all([
		resendAfterUnauthorized(a, refreshGeneration(a), senders),
		resendAfterUnauthorized(b, refreshGeneration(b), senders),
	]);
	assert.equal(strict, 2);
});

test('a server that answers 401 whatever the token: the request ends, bounded, with the 401', async () => {
	const ctx = context('unit-always-401', { access_token: 'a', refresh_token: 'r' });
	let sends = 0;
	const senders = { strict: async () => (sends++, unauthorized), lenient: async () => (sends++, unauthorized) };
	const outcome = await resendAfterUnauthorized(ctx, refreshGeneration(ctx), senders);
	assert.equal(outcome.ok, false);
	assert.equal(!outcome.ok && outcome.failure.status, 401);
	assert.ok(sends <= 6, `${sends} sends`);
});

test('a lasting refusal (invalid_client) is remembered for those tokens: the queued requests fail without asking K2 again', async () => {
	const ctx = context('unit-client', { access_token: 'a', refresh_token: 'r' });
	const refused: Outcome = { ok: false, failure: { refreshRefused: true, refusal: 'invalid_client', code: 'EAUTH' } };
	let strict = 0;
	const senders = { strict: async () => (strict++, refused), lenient: async () => unauthorized };
	const seen = refreshGeneration(ctx);
	const outcomes = await Promise.all(Array.from({ length: 5 }, () => resendAfterUnauthorized(ctx, seen, senders)));
	assert.ok(outcomes.every((o) => !o.ok && o.failure.refusal === 'invalid_client'));
	assert.equal(strict, 1);
});

test('a transient refusal (temporarily_unavailable) is not remembered: the next request asks again', async () => {
	const ctx = context('unit-transient', { access_token: 'a', refresh_token: 'r' });
	const refused: Outcome = { ok: false, failure: { refreshRefused: true, refusal: 'temporarily_unavailable', code: 'EAUTH' } };
	let strict = 0;
	const senders = { strict: async () => (strict++, refused), lenient: async () => unauthorized };
	await resendAfterUnauthorized(ctx, refreshGeneration(ctx), senders);
	await resendAfterUnauthorized(ctx, refreshGeneration(ctx), senders);
	assert.equal(strict, 2);
});

test('a refreshing send that failed before n8n refreshed (503): the waiters are not sent back with the expired token', async () => {
	const tokens = { access_token: 'a1', refresh_token: 'r1' };
	const ctx = context('unit-503', tokens);
	const seen = refreshGeneration(ctx);
	let strict = 0;
	let lenient = 0;
	const senders = {
		strict: async (): Promise<Outcome> => {
			strict++;
			await wait(10);
			if (strict === 1) return { ok: false, failure: { status: 503 } }; // no refresh happened
			tokens.access_token = 'a2';
			return ok;
		},
		lenient: async (): Promise<Outcome> => {
			lenient++;
			return tokens.access_token === 'a2' ? ok : unauthorized;
		},
	};
	const outcomes = await Promise.all(Array.from({ length: 4 }, () => resendAfterUnauthorized(ctx, seen, senders)));
	assert.equal(outcomes.filter((o) => o.ok).length, 3, 'the one that met the 503 reports it; the others succeed');
	assert.equal(strict, 2, 'the next waiter refreshed');
	assert.equal(lenient, 2, 'only after the real refresh did waiters re-send the lenient way, each once');
	assert.equal(refreshGeneration(ctx), seen + 1, 'one refresh counted, not two');
});

test('401 again with the token n8n just refreshed: remembered for the run, whose other requests fail unsent and refresh no more', async () => {
	const tokens = { access_token: 'a1', refresh_token: 'r1' };
	const run = context('unit-fresh-401', tokens);
	const seen = refreshGeneration(run);
	let strict = 0;
	let lenient = 0;
	const senders = {
		strict: async (): Promise<Outcome> => {
			strict++;
			await wait(10);
			tokens.access_token = `a${strict + 1}`; // n8n refreshed and saved...
			return unauthorized; // ...and the SCIM service refused the new token too
		},
		lenient: async () => (lenient++, unauthorized),
	};
	const outcomes = await Promise.all(Array.from({ length: 5 }, () => resendAfterUnauthorized(run, seen, senders)));
	assert.ok(outcomes.every((o) => !o.ok && o.failure.status === 401 && o.failure.freshTokenRefused === true));
	assert.equal(strict, 1, 'one refresh for the run');
	assert.equal(lenient, 0, 'the waiters were not sent again');
	const later = freshTokenRefusal(run);
	assert.ok(later && !later.ok && later.failure.freshTokenRefused, 'later requests of the run get the same failure');

	// Another run (another node execution) with the same credential starts afresh.
	const next = context('unit-fresh-401', tokens);
	assert.equal(freshTokenRefusal(next), undefined);
	await resendAfterUnauthorized(next, refreshGeneration(next), senders);
	assert.equal(strict, 2);
});

test('403 with no SCIM error after a refresh is remembered the same way; a 403 with a SCIM error, or a 401 without a refresh, is not', async () => {
	const tokens = { access_token: 'a1', refresh_token: 'r1' };
	const empty403 = context('unit-fresh-403', tokens);
	const outcome = await resendAfterUnauthorized(empty403, refreshGeneration(empty403), {
		strict: async () => ((tokens.access_token = 'a2'), { ok: false, failure: { status: 403, body: '' } }),
		lenient: async () => unauthorized,
	});
	assert.ok(!outcome.ok && outcome.failure.freshTokenRefused);
	assert.ok(freshTokenRefusal(empty403));

	const scim403 = context('unit-fresh-403-scim', tokens);
	const withBody = await resendAfterUnauthorized(scim403, refreshGeneration(scim403), {
		strict: async () => ((tokens.access_token = 'a3'), { ok: false, failure: { status: 403, body: { status: '403', detail: 'insufficient scope' } } }),
		lenient: async () => unauthorized,
	});
	assert.ok(!withBody.ok && !withBody.failure.freshTokenRefused);
	assert.equal(freshTokenRefusal(scim403), undefined);

	// The tokens did not change: n8n did not refresh, so nothing says the new token was refused.
	const unchanged = context('unit-fresh-none', { access_token: 'x', refresh_token: 'y' });
	await resendAfterUnauthorized(unchanged, refreshGeneration(unchanged), { strict: async () => unauthorized, lenient: async () => unauthorized });
	assert.equal(freshTokenRefusal(unchanged), undefined);
});
