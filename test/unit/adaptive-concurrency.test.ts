import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import { AdaptiveLimit, AUTO_MAX } from '../../nodes/K2Scim/utils/adaptiveConcurrency';
import { RequestGate } from '../../nodes/K2Scim/utils/requestGate';

/** `n` answers at `latencyMs` each, at time `now`. */
function answer(limit: AdaptiveLimit, n: number, latencyMs: number, now: number): void {
	for (let i = 0; i < n; i++) limit.record({ kind: 'ok', latencyMs }, now);
}

test('Auto starts at 4 and doubles the limit per window of quick answers (slow start), up to 64', () => {
	const limit = new AdaptiveLimit();
	assert.equal(limit.limit, 4);
	answer(limit, 3, 20, 0);
	assert.equal(limit.limit, 4, 'not before a whole window');
	answer(limit, 1, 20, 0);
	assert.equal(limit.limit, 8);
	answer(limit, 8, 21, 0);
	assert.equal(limit.limit, 16);
	answer(limit, 16, 20, 0);
	assert.equal(limit.limit, 32);
	answer(limit, 32, 20, 0);
	assert.equal(limit.limit, 64);
	assert.equal(AUTO_MAX, 64);
	answer(limit, AUTO_MAX, 20, 0);
	assert.equal(limit.limit, AUTO_MAX, 'never above the maximum');
	assert.deepEqual(limit.changes.map((c) => c.why), ['double', 'double', 'double', 'double']);
});

test('slow start ends at the first window whose latency climbs: from then on one more per quick window', () => {
	const limit = new AdaptiveLimit();
	answer(limit, 4, 20, 0);
	assert.equal(limit.limit, 8);
	answer(limit, 8, 50, 0);
	assert.equal(limit.limit, 8, 'climbing (2.5x the lowest): held, and no more doubling');
	answer(limit, 8, 20, 0);
	assert.equal(limit.limit, 9);
	answer(limit, 9, 20, 0);
	assert.equal(limit.limit, 10);
	for (let i = 0; i < 200; i++) answer(limit, limit.limit, 20, 0);
	assert.equal(limit.limit, AUTO_MAX);
});

test('slow start ends at the first throttle: the limit climbs back by one per window', () => {
	const limit = new AdaptiveLimit();
	answer(limit, 4, 20, 0);
	answer(limit, 8, 20, 0);
	assert.equal(limit.limit, 16);
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 100, limit.epoch);
	assert.equal(limit.limit, 8);
	answer(limit, 8, 20, 200);
	assert.equal(limit.limit, 9, 'one more, not double');
});

test('a 429 halves the limit once per burst; only a throttle before the halved limit got a window through pauses every request', () => {
	const limit = new AdaptiveLimit(1, 32, 12);
	const epoch = limit.epoch;
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 5000, epoch);
	assert.equal(limit.limit, 6);
	assert.equal(limit.pausedUntil, 0, 'the first throttle: the cut is the answer, the throttled request waits its own Retry-After');
	// Other requests sent before the cut come back throttled too: the same news, no second cut.
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 5001, epoch);
	assert.equal(limit.limit, 6);
	assert.equal(limit.pausedUntil, 0);
	// A request sent after the cut is throttled before a window of 6 came back: K2 insists.
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 5002, limit.epoch);
	assert.equal(limit.limit, 3);
	assert.equal(limit.pausedUntil, 6002, 'no new request before its Retry-After');
	// And again, never below 1.
	for (let i = 0; i < 10; i++) limit.record({ kind: 'throttled' }, 5003, limit.epoch);
	assert.equal(limit.limit, 1);
});

test('a throttle after the halved limit got a whole window through is a new episode: a cut, no pause', () => {
	const limit = new AdaptiveLimit(1, 32, 12);
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 0, limit.epoch);
	assert.equal(limit.limit, 6);
	answer(limit, 5, 20, 100);
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 200, limit.epoch);
	assert.equal(limit.pausedUntil, 1200, '5 answers of a window of 6 is not a recovery: paused');
	const later = new AdaptiveLimit(1, 32, 12);
	later.record({ kind: 'throttled', retryAfterMs: 1000 }, 0, later.epoch);
	answer(later, 6, 20, 100);
	assert.equal(later.limit, 7, 'a window of 6 quick answers: one more');
	later.record({ kind: 'throttled', retryAfterMs: 1000 }, 200, later.epoch);
	assert.equal(later.limit, 3);
	assert.equal(later.pausedUntil, 0);
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
	assert.equal(limit.limit, 16, 'slow start');
	answer(limit, 16, 100, 0);
	assert.equal(limit.limit, 15, 'far (5x the lowest): one fewer, and slow start is over');
	answer(limit, 15, 20, 0);
	assert.equal(limit.limit, 16, 'one more, not double');
	answer(limit, 16, 50, 0);
	assert.equal(limit.limit, 16, 'climbing (2.5x the lowest): held');
	answer(limit, 16, 100, 0);
	assert.equal(limit.limit, 15, 'far (5x the lowest): one fewer');
	limit.record({ kind: 'other' }, 0);
	assert.equal(limit.limit, 15);
});

test('the gate keeps at most the limit in flight and waits out a Retry-After before any new request when K2 insists', async () => {
	let clock = 0;
	const slept: number[] = [];
	const gate = new RequestGate(async (ms) => {
		slept.push(ms);
		clock += ms;
	}, () => clock, new AdaptiveLimit(1, 32, 4));
	const a = await gate.enter();
	const b = await gate.enter();
	const b2 = await gate.enter();
	const b3 = await gate.enter();
	let fifth = false;
	const c = gate.enter().then((leave) => {
		fifth = true;
		return leave;
	});
	await new Promise((resolve) => setImmediate(resolve));
	assert.equal(fifth, false, 'a fifth request waits while four are in flight');
	a({ kind: 'throttled', retryAfterMs: 1500 });
	assert.equal(gate.limit, 2);
	b2({ kind: 'throttled', retryAfterMs: 1500 }); // sent before the cut: the same news
	await new Promise((resolve) => setImmediate(resolve));
	assert.equal(fifth, false, 'the limit is now 2 and two requests are still in flight');
	b({ kind: 'other' });
	const leaveC = await c;
	assert.deepEqual(slept, [], 'the first cut pauses nobody');
	b3({ kind: 'other' });
	const d = await gate.enter();
	// Sent after the cut and throttled before a window came back: every new request waits.
	leaveC({ kind: 'throttled', retryAfterMs: 1500 });
	assert.equal(gate.limit, 1);
	const e = gate.enter();
	d({ kind: 'other' });
	const leaveE = await e;
	assert.deepEqual(slept, [1500], 'the next request started after the Retry-After');
	leaveE({ kind: 'ok', latencyMs: 0 });
	assert.equal(gate.peakInFlight, 4);
});

test('answers to requests sent before a cut neither fill the halved limit\'s window nor count as its recovery', () => {
	const limit = new AdaptiveLimit(1, 32, 32);
	const before = limit.epoch;
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 0, before);
	assert.equal(limit.limit, 16);
	for (let i = 0; i < 40; i++) limit.record({ kind: 'ok', latencyMs: 20 }, 10, before);
	assert.equal(limit.limit, 16, 'answers from the old limit raise nothing');
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 20, limit.epoch);
	assert.equal(limit.pausedUntil, 1020, 'nothing sent at 16 had come back: K2 insists, so everyone waits');
});

test('a Retry-After longer than the transport would wait pauses nobody (that item reports the throttle)', () => {
	const limit = new AdaptiveLimit(1, 32, 16);
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 0, limit.epoch);
	limit.record({ kind: 'throttled', retryAfterMs: 3_600_000 }, 10, limit.epoch);
	assert.equal(limit.limit, 4);
	assert.equal(limit.pausedUntil, 0);
	limit.record({ kind: 'throttled', retryAfterMs: 120_000 }, 20, limit.epoch);
	assert.equal(limit.pausedUntil, 120_020, 'up to 2 minutes is waited out');
});

test('a cut counts as recovered after 10 s even when only other answers came back', () => {
	const limit = new AdaptiveLimit(1, 32, 16);
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 0, limit.epoch);
	for (let i = 0; i < 20; i++) limit.record({ kind: 'other' }, 5_000, limit.epoch);
	limit.record({ kind: 'throttled', retryAfterMs: 1000 }, 10_000, limit.epoch);
	assert.equal(limit.limit, 4);
	assert.equal(limit.pausedUntil, 0, 'a new episode: a cut, no pause');
});
