// Hostile input: every case is refused before any request, with an error naming the field, and
// a valid item in the same run still goes through (Continue On Fail). The table of cases is in
// README.md; keep both in step.
import assert from 'node:assert/strict';
import { afterEach, beforeAll, describe, test } from '@jest/globals';

import { useK2 } from '../support/fixture';
import { inputCases, useEnv } from './input-cases';
import { assertEachItemOnce, assertPrototypesClean } from './support';

describe('Hostile input: refused before any request, per item, naming the field', () => {
	const k2 = useK2();
	beforeAll(async () => {
		useEnv({ k2, user: await k2.scim.createUser('existing@example.com'), group: await k2.scim.createGroup('Existing Group') });
	});
	afterEach(() => assertPrototypesClean('after the case'));

	test('the corpus has at least 45 cases', () => {
		assert.ok(inputCases().length >= 45, `${inputCases().length} cases`);
	});

	for (const c of inputCases()) {
		test(c.name, async () => {
			const bad = typeof c.bad === 'function' ? c.bad() : c.bad;

			// Alone: an error naming the field, and not one request.
			k2.sandbox.resetStats();
			const alone = await k2.run(c.parameters, [bad], { continueOnFail: true });
			assertEachItemOnce(alone, 1, c.name);
			assert.match(String(alone.output![0].json.error), c.error, c.name);
			assert.match(String(alone.output![0].json.description), /Nothing was sent to K2 for this item|Fix/, c.name);
			assert.equal(k2.sandbox.stats().total, 0, `${c.name}: no request for invalid input`);
			assertPrototypesClean(c.name);

			// With a valid item: each out once, the valid one processed.
			const mixed = await k2.run(c.parameters, [bad, await c.good()], { continueOnFail: true });
			assertEachItemOnce(mixed, 2, c.name);
			const [first, ...rest] = mixed.output!;
			assert.match(String(first.json.error), c.error, c.name);
			assert.ok(rest.length > 0 && rest.every((item) => item.json.error === undefined), `${c.name}: the valid item failed: ${JSON.stringify(rest[0]?.json).slice(0, 300)}`);

			// Without Continue On Fail the run stops with the same message.
			const stopped = await k2.run(c.parameters, [bad]);
			assert.match(String(stopped.error?.message), c.error, c.name);
		});
	}
});
