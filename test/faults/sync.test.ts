// The fault suite's scenario at a size that fits `npm test`: 200 users (a group of 200 members,
// so PATCHes of 100), 20 leavers, 10% of requests faulted. `npm run test:faults` adds 1,000 users.
import { test } from '@jest/globals';

import { useK2 } from '../support/fixture';
import { assertScenario } from './assert';

const k2 = useK2();

test('Sync of 200 users under 10% faults: converges, 0 duplicates, 0 lost, 0 wrongly deprovisioned, every failure reported', async () => {
	await assertScenario(k2, 'Sync under faults (small)', { users: 200, leavers: 20, faultRate: 0.1, seed: 1, retryAfterSeconds: 1, maxRuns: 3 });
});
