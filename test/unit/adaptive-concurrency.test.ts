import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AdaptiveLimit, AUTO_MAX } from '../../nodes/K2Scim/utils/adaptiveConcurrency';
import { RequestGate } from '../../nodes/K2Scim/utils/requestGate';

/** `n` answers at `latencyMs` each, at time `now`. */
function answer(limit: AdaptiveLimit, n: number, latencyMs: number, now: number): void {
	for (let i = 0; i < n; i++) limit.record({ kind: 'ok', latencyMs }, now);
}

test('Auto starts at 4 and raises the limit by one per window of quick answers, up to 32', () => {
	const limit = new AdaptiveLimit();
	assert.equal(limit.limit, 4);
	answer(limit, 4, 20, 0);
	assert.equal(limit.limit, 5);
	answer(limit, 5, 21, 0);
	assert.equal(limit.limit, 6);
	for (let i = 0; i < 200; i++) answer(limit, limit.limit, 20, 0);
	assert.equal(limit.limit, AUTO_MAX);
});

test('a 429 halves the limit once per burst, and sets the pause to its Retry-After', () => {
	const limit = new AdaptiveLimit(1, 32, 12);
	const epoch = limit.epoch;
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 5000, epoch);
	assert.equal(limit.limit, 6);
	assert.equal(limit.pausedUntil, 6000);
	// Other requests sent before the cut come back throttled too: the same news, no second cut.
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 5001, epoch);
	assert.equal(limit.limit, 6);
	assert.equal(limit.pausedUntil, 6001);
	// A throttle to a request sent after the cut cuts again, never below 1.
	for (let i = 0; i < 10; i++) limit.record({ kind: 'throttled' }, 5002, limit.epoch);
	assert.equal(limit.limit, 1);
});

test('after a throttle the limit climbs back to just under where it came, and probes above only after a quiet stretch', () => {
	const limit = new AdaptiveLimit(1, 32, 11);
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 0, limit.epoch);
	assert.equal(limit.limit, 5);
	for (let i = 0; i < 50; i++) answer(limit, limit.limit, 20, 1000 + i);
	assert.equal(limit.limit, 10, 'back to just under the throttled limit, and no higher yet');
	answer(limit, limit.limit, 20, 20_000);
	assert.equal(limit.limit, 10, 'not after 20 s');
	answer(limit, limit.limit, 20, 31_000);
	assert.equal(limit.limit, 11, 'one probe after 30 s without a throttle');
	answer(limit, limit.limit, 20, 31_001);
	assert.equal(limit.limit, 11, 'and then a wait again');
});

test('latency that climbs holds the limit, latency that climbs far lowers it; other failures change nothing', () => {
	const limit = new AdaptiveLimit(1, 32, 8);
	answer(limit, 8, 20, 0);
	assert.equal(limit.limit, 9);
	answer(limit, 9, 50, 0);
	assert.equal(limit.limit, 9, 'climbing (2.5x the lowest): held');
	answer(limit, 9, 100, 0);
	assert.equal(limit.limit, 8, 'far (5x the lowest): one fewer');
	limit.record({ kind: 'other' }, 0);
	assert.equal(limit.limit, 8);
});

test('the gate keeps at most the limit in flight and waits out a Retry-After before any new request', async () => {
	let clock = 0;
	const slept: number[] = [];
	const gate = new RequestGate(async (ms) => {
		slept.push(ms);
		clock += ms;
	}, () => clock, new AdaptiveLimit(1, 32, 2));
	const a = await gate.enter();
	const b = await gate.enter();
	let third = false;
	const c = gate.enter().then((leave) => {
		third = true;
		return leave;
	});
	await new Promise((resolve) => setImmediate(resolve));
	assert.equal(third, false, 'a third request waits while two are in flight');
	a({ kind: 'throttled', retryAfterMs: 1500 });
	assert.equal(gate.limit, 1);
	await new Promise((resolve) => setImmediate(resolve));
	assert.equal(third, false, 'the limit is now 1 and one request is still in flight');
	b({ kind: 'other' });
	const leaveC = await c;
	assert.deepEqual(slept, [1500], 'the waiting request started after the Retry-After');
	leaveC({ kind: 'ok', latencyMs: 0 });
	assert.equal(gate.peakInFlight, 2);
});
