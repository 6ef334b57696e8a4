// The fault suite's full scenario (only in `npm run test:faults`): 1,000 users, groups of 300+
// members, 20 leavers deleted, 10% of all requests faulted with every fault kind.
import { test } from '@jest/globals';

import { useK2 } from '../support/fixture';
import { assertScenario } from './assert';

const k2 = useK2();

for (const seed of [11, 12]) {
	test(`Sync of 1,000 users under 10% faults (seed ${seed}): converges in at most 3 runs to exactly the desired state`, async () => {
		await assertScenario(k2, 'Sync under faults', { users: 1000, leavers: 20, faultRate: 0.1, seed, retryAfterSeconds: 1, maxRuns: 3 });
	});
}
