// The request deadline's timer (transport/deadline.ts), including the fallback for n8n-workflow
// versions without sleepWithAbort (n8n 2.41's).
import assert from 'node:assert/strict';
import { test } from '@jest/globals';
import { TIMED_OUT, sleepUntilAborted, withDeadline } from '../../nodes/K2Scim/transport/deadline';

test('withDeadline: the task wins before the deadline, the deadline wins over a hung task', async () => {
	assert.equal(await withDeadline(1000, async () => 'answer'), 'answer');
	assert.equal(await withDeadline(20, (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('late')))), TIMED_OUT);
});

test('sleepUntilAborted: resolves after the time, rejects as soon as the signal aborts (or was aborted)', async () => {
	const started = Date.now();
	await sleepUntilAborted(30);
	assert.ok(Date.now() - started >= 25);
	const controller = new AbortController();
	const waiting = sleepUntilAborted(300, controller.signal);
	const aborted = Date.now();
	controller.abort();
	await assert.rejects(waiting, /Aborted/);
	assert.ok(Date.now() - aborted < 200, "settled at the abort, not after the time");
	await assert.rejects(sleepUntilAborted(10, controller.signal), /Aborted/);
});
