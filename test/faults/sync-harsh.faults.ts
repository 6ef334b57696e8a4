// The fault suite's scenario where retries run out (only in `npm run test:faults`): 60% of requests
// faulted, so some writes fail for good after 5 retries. Each failure must be in that run's
// summary, and later runs must finish the job (measured: 2-3 runs; up to 5 allowed, as arrival
// order under concurrency varies which requests the seeded faults hit).
import { test } from '@jest/globals';

import { useK2 } from '../support/fixture';
import { assertScenario } from './assert';

const k2 = useK2();

test('Sync of 200 users under 60% faults: every failure reported in its run, converged by a later run', async () => {
	await assertScenario(k2, 'Sync when retries run out', { users: 200, leavers: 20, faultRate: 0.6, seed: 3, retryAfterSeconds: 0, maxRuns: 5 });
});
