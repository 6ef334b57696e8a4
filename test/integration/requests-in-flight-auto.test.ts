import assert from 'node:assert/strict';
import { beforeEach, describe, test } from '@jest/globals';

import type { IDataObject } from 'n8n-workflow';

import { useK2 } from '../support/fixture';

// Requests in Flight: Auto against the sandbox's throttle model (sandbox/throttle.ts): K2 takes at
// most K requests at once and answers 429 with Retry-After above that. Behaviour, not time.
const K = 6;

function people(n: number): IDataObject[] {
	return Array.from({ length: n }, (_, i) => ({ mail: `auto${String(i).padStart(4, '0')}@example.com`, dept: 'Ops' }));
}

function syncParameters(syncOptions: IDataObject) {
	return {
		resource: 'user',
		operation: 'sync',
		matchOn: 'userName',
		userName: '={{ $json.mail }}',
		additionalFields: { department: '={{ $json.dept }}' },
		syncOptions,
	};
}

describe('Requests in Flight: Auto under K2 throttling', () => {
	const k2 = useK2({ latencyMs: 15, reset: 'data' });
	beforeEach(() => k2.sandbox.setThrottle({ maxInFlight: K, retryAfterSeconds: 1 }));

	test('Sync with Auto uses about K requests at once, is rarely throttled, and every item comes out once with no duplicate user', async () => {
		const input = people(400);
		const run = await k2.run(syncParameters({ requestsInFlightMode: 'auto' }), input, { continueOnFail: true });
		assert.equal(run.error, undefined);
		const stats = k2.sandbox.stats();
		assert.equal(run.output!.length, input.length);
		assert.deepEqual(run.output!.map((item) => item.pairedItem), input.map((_, item) => ({ item })));
		assert.ok(run.output!.every((item) => item.json.action === 'created'), JSON.stringify(run.output!.find((item) => item.json.action !== 'created')?.json));
		const users = await k2.scim.listUsers();
		assert.equal(users.length, input.length);
		assert.equal(new Set(users.map((u) => u.userName)).size, input.length, 'no duplicate user');
		// Near K: it reached the limit K2 allows (from a start of 4), and it did not keep pushing past it.
		assert.ok(stats.throttle.peakInFlight >= K - 1, `peak ${stats.throttle.peakInFlight} requests at once at K2`);
		assert.ok(stats.throttle.throttled <= stats.total * 0.05, `${stats.throttle.throttled} of ${stats.total} requests throttled`);
		assert.ok(stats.byMethod.POST <= input.length + stats.throttle.throttled, 'one POST per user, plus one per throttled request at most');
	});

	test('per-item operations with Auto: each item once, throttled requests retried without a duplicate', async () => {
		const input = people(60);
		const run = await k2.run(
			{ resource: 'user', operation: 'create', userName: '={{ $json.mail }}', additionalFields: {}, options: { requestsInFlightMode: 'auto' } },
			input,
			{ continueOnFail: true },
		);
		assert.equal(run.error, undefined);
		assert.equal(run.output!.length, input.length);
		assert.deepEqual(run.output!.map((item) => item.json.userName), input.map((p) => p.mail));
		const users = await k2.scim.listUsers();
		assert.equal(users.length, input.length);
		assert.ok(k2.sandbox.stats().throttle.peakInFlight <= K);
	});

	test('a workflow that set only a number stays Fixed: at 12 in flight, K2 throttles it', async () => {
		const run = await k2.run(syncParameters({ requestsInFlight: 12 }), people(120), { continueOnFail: true });
		assert.equal(run.output!.length, 120);
		assert.ok(k2.sandbox.stats().throttle.throttled > 0);
	});
});
