import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import { Throttle } from '../../sandbox/throttle';

test('the throttle admits K requests at once, refuses the next with its Retry-After, and admits again when one finishes', () => {
	const throttle = new Throttle();
	throttle.set({ maxInFlight: 2, retryAfterSeconds: 3 });
	const a = throttle.admit(0);
	const b = throttle.admit(0);
	assert.equal(a.admitted && b.admitted, true);
	assert.deepEqual(throttle.admit(0), { admitted: false, retryAfterSeconds: 3 });
	if (a.admitted) {
		a.done();
		a.done(); // finish and close both report: counted once
	}
	assert.equal(throttle.admit(0).admitted, true);
	assert.equal(throttle.admit(0).admitted, false);
	assert.deepEqual(throttle.stats, { throttled: 2, peakInFlight: 2 });
});

test('the throttle admits N per rolling second', () => {
	const throttle = new Throttle();
	throttle.set({ perSecond: 3 });
	for (const at of [0, 100, 200]) {
		const admission = throttle.admit(at);
		assert.equal(admission.admitted, true);
		if (admission.admitted) admission.done();
	}
	assert.equal(throttle.admit(900).admitted, false);
	assert.equal(throttle.admit(1001).admitted, true, 'the first one left the window');
	assert.throws(() => throttle.set({ maxInFlight: 0 }), /whole number of at least 1/);
});
