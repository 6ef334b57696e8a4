import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import { DEFAULT_TIMEOUT_MS, TIMED_OUT, timeoutMs, withDeadline } from '../../nodes/K2Scim/transport/deadline';
import { expectationOf, shapeProblem } from '../../nodes/K2Scim/transport/shape';

test('the expected answer follows from the method and path alone', () => {
	assert.equal(expectationOf('GET', '/Users'), 'list');
	assert.equal(expectationOf('GET', '/Groups/'), 'list');
	assert.equal(expectationOf('GET', '/Users/u-1'), 'resource');
	assert.equal(expectationOf('PUT', '/Users/u-1'), 'resource');
	assert.equal(expectationOf('POST', '/Groups'), 'resource');
	assert.equal(expectationOf('PATCH', '/Groups/g-1'), 'resourceOrEmpty');
	assert.equal(expectationOf('DELETE', '/Users/u-1'), 'nothing');
	assert.equal(expectationOf('GET', '/ServiceProviderConfig'), 'object');
});

test('a ListResponse needs a list of objects, and may leave Resources out only when empty', () => {
	assert.equal(shapeProblem('list', { totalResults: 1, Resources: [{ id: '1' }] }), undefined);
	assert.equal(shapeProblem('list', { totalResults: 0 }), undefined);
	assert.equal(shapeProblem('list', { totalResults: 0, Resources: [] }), undefined);
	assert.match(shapeProblem('list', { totalResults: 3 }) ?? '', /no Resources list/);
	assert.match(shapeProblem('list', { Resources: [{ id: '1' }] }) ?? '', /no totalResults/);
	assert.match(shapeProblem('list', { totalResults: -1, Resources: [] }) ?? '', /whole number/);
	assert.match(shapeProblem('list', { totalResults: 1.5, Resources: [] }) ?? '', /whole number/);
	assert.match(shapeProblem('list', { totalResults: 1, Resources: [null] }) ?? '', /entry 1 is an empty answer/);
	assert.match(shapeProblem('list', { totalResults: 1, Resources: [[1]] }) ?? '', /entry 1 is a JSON array/);
	assert.match(shapeProblem('list', '<!DOCTYPE html><html></html>') ?? '', /an HTML page/);
	assert.match(shapeProblem('list', [1]) ?? '', /a JSON array/);
	assert.match(shapeProblem('list', { totalResults: 2, Resources: [{ id: 'a' }, { userName: 'b' }] }) ?? '', /entry 2 has no text "id"/);
	assert.match(shapeProblem('list', { totalResults: 1, Resources: [{ id: ' ' }] }) ?? '', /entry 1 has no text "id"/);
});

test('a resource needs a text id; PATCH may answer nothing; DELETE expects nothing', () => {
	assert.equal(shapeProblem('resource', { id: 'u-1' }), undefined);
	assert.match(shapeProblem('resource', { id: '' }) ?? '', /no text "id"/);
	assert.match(shapeProblem('resource', { id: 1 }) ?? '', /no text "id"/);
	assert.match(shapeProblem('resource', undefined) ?? '', /an empty answer/);
	assert.match(shapeProblem('resource', 'OK') ?? '', /text that is not JSON/);
	assert.match(shapeProblem('resource', '<?xml version="1.0"?><a/>') ?? '', /HTML or XML/);
	assert.equal(shapeProblem('resourceOrEmpty', undefined), undefined);
	assert.equal(shapeProblem('resourceOrEmpty', ''), undefined);
	assert.equal(shapeProblem('resourceOrEmpty', {}), undefined, 'an empty JSON object is no resource, not a broken one');
	assert.match(shapeProblem('resourceOrEmpty', { active: false }) ?? '', /no text "id"/);
	assert.match(shapeProblem('resourceOrEmpty', '<html></html>') ?? '', /HTML page/);
	assert.equal(shapeProblem('nothing', '<html></html>'), undefined);
	assert.equal(shapeProblem('object', { anything: true }), undefined);
	assert.match(shapeProblem('object', 'x') ?? '', /not JSON/);
});

test('withDeadline gives up at the deadline and clears its timer when the task wins', async () => {
	const started = Date.now();
	const slow = await withDeadline(50, async () => await new Promise<string>(() => undefined));
	assert.equal(slow, TIMED_OUT);
	assert.ok(Date.now() - started < 1000);
	let aborted = false;
	const fast = await withDeadline(60_000, async (signal) => {
		signal.addEventListener('abort', () => (aborted = true));
		return 'answer';
	});
	assert.equal(fast, 'answer');
	assert.equal(aborted, true, 'the signal is aborted (timer cleared) once the task settled');
});

test('the Request Timeout is a whole number of ms ≥ 1, or the default', () => {
	assert.equal(timeoutMs(1500), 1500);
	assert.equal(timeoutMs('2500'), 2500);
	assert.equal(timeoutMs(1500.7), 1500);
	for (const bad of [undefined, null, 0, -5, 'abc', '', Number.NaN, Infinity]) assert.equal(timeoutMs(bad), DEFAULT_TIMEOUT_MS, String(bad));
});
