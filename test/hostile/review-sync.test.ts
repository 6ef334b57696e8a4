// Review findings for User > Sync: a user still in the source must never be deprovisioned.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from '@jest/globals';

import { count, useK2 } from '../support/fixture';

const NFC = 'jos\u00e9@example.com';
const NFD = 'jose\u0301@example.com';

describe('review: Sync matches userNames as K2 compares them', () => {
	const k2 = useK2({ reset: 'data' });
	beforeEach(async () => {
		await k2.scim.createUser(NFC, { externalId: 'E1' });
		await k2.scim.createUser('a@example.com', { externalId: 'E2' });
		k2.sandbox.resetStats();
	});

	test('the same userName in another Unicode normalization (an NFD export) is the same user: not deleted', async () => {
		const result = await k2.run(
			{
				resource: 'user',
				operation: 'sync',
				matchOn: 'userName',
				userName: '={{ $json.mail }}',
				additionalFields: { externalId: '={{ $json.id }}' },
				syncOptions: { deprovision: 'delete', deprovisionScope: 'all' },
			},
			[
				{ mail: NFD, id: 'E1' },
				{ mail: 'a@example.com', id: 'E2' },
			],
			{ continueOnFail: true },
		);
		const users = await k2.scim.listUsers();
		const names = users.map((u) => String(u.userName).normalize('NFC'));
		assert.equal(count(k2.sandbox, 'DELETE /Users/:id'), 0, `a DELETE was sent; K2 now has ${JSON.stringify(users.map((u) => u.userName))}; output ${JSON.stringify(result.output?.map((o) => o.json))}`);
		assert.ok(names.includes(NFC.normalize('NFC')));
	});

	test('a K2 userName with a trailing space (made by another tool) matches the trimmed input: not deleted', async () => {
		await k2.sandbox.reset();
		await k2.scim.createUser('b@example.com ', { externalId: 'E3' });
		k2.sandbox.resetStats();
		const result = await k2.run(
			{
				resource: 'user',
				operation: 'sync',
				matchOn: 'userName',
				userName: '={{ $json.mail }}',
				syncOptions: { deprovision: 'delete', deprovisionScope: 'all' },
			},
			[{ mail: 'b@example.com' }],
			{ continueOnFail: true },
		);
		const users = await k2.scim.listUsers();
		assert.equal(count(k2.sandbox, 'DELETE /Users/:id'), 0, `a DELETE was sent; K2 now has ${JSON.stringify(users.map((u) => u.userName))}; output ${JSON.stringify(result.output?.map((o) => o.json))}`);
	});

	test('a rename in HR (same External ID, new userName), matching on Username: the person\'s K2 account is not deleted', async () => {
		await k2.sandbox.reset();
		await k2.scim.createUser('old.name@example.com', { externalId: 'E7' });
		k2.sandbox.resetStats();
		const result = await k2.run(
			{
				resource: 'user',
				operation: 'sync',
				matchOn: 'userName',
				userName: '={{ $json.mail }}',
				additionalFields: { externalId: '={{ $json.id }}' },
				syncOptions: { deprovision: 'delete', deprovisionScope: 'withExternalId' },
			},
			[{ mail: 'new.name@example.com', id: 'E7' }],
			{ continueOnFail: true },
		);
		const users = await k2.scim.listUsers();
		assert.equal(
			count(k2.sandbox, 'DELETE /Users/:id'),
			0,
			`the account of External ID E7 (still in the input) was deleted; K2 now has ${JSON.stringify(users.map((u) => [u.userName, u.externalId]))}; output ${JSON.stringify(result.output?.map((o) => o.json))}`,
		);
	});
});
