import assert from 'node:assert/strict';
import { beforeAll, describe, test } from '@jest/globals';

import type { Sandbox } from '../../sandbox';
import { runNode } from '../harness/run-workflow';
import type { Harness } from '../harness/run-workflow';
import { useK2 } from '../support/fixture';
import type { ScimClient } from '../support/scim-client';

describe('Group: Create or Update by display name', () => {
	const k2 = useK2({ reset: 'stats' });
	let sandbox: Sandbox;
	let harness: Harness;
	let scim: ScimClient;
	const users: Record<string, string> = {};

	const run = (parameters: Record<string, unknown>, items?: Array<Record<string, unknown>>, continueOnFail = false) =>
		runNode(harness, {
			parameters: { resource: 'group', operation: 'createOrUpdate', memberReference: 'userName', ...parameters } as never,
			items,
			credentialId: 'k2',
			continueOnFail,
		});
	const writes = () => {
		const { byMethod } = sandbox.stats();
		return (byMethod.POST ?? 0) + (byMethod.PATCH ?? 0) + (byMethod.PUT ?? 0) + (byMethod.DELETE ?? 0);
	};
	const members = async (groupId: string) =>
		(await scim.request('GET', `/Groups/${groupId}`)).body.members?.map((m: { value: string }) => m.value).sort() ?? [];

	beforeAll(async () => {
		({ sandbox, harness, scim } = k2);
		for (const name of ['ada', 'grace', 'linus']) users[name] = (await scim.createUser(`${name}@example.com`)).id;
	});

	const sales = { displayName: 'Sales', members: 'ada@example.com', additionalFields: { externalId: 's-1' } };

	test('the first run creates the group with one POST', async () => {
		const { output, error } = await run(sales);
		assert.equal(error, undefined);
		assert.equal(output![0].json.status, 'created');
		assert.deepEqual(output![0].json.added, [users.ada]);
		assert.equal(output![0].json.externalId, 's-1');
		assert.equal(sandbox.stats().byRoute['POST /Groups'], 1);
		assert.equal(writes(), 1);
		assert.deepEqual(await members(String(output![0].json.id)), [users.ada]);
	});

	test('the same input again is unchanged and writes nothing', async () => {
		const { output, error } = await run(sales);
		assert.equal(error, undefined);
		assert.equal(output![0].json.status, 'unchanged');
		assert.deepEqual(output![0].json.added, []);
		assert.equal(writes(), 0);
	});

	test('a new member or another external ID updates the group in one PATCH', async () => {
		const { output, error } = await run({
			displayName: 'sales',
			members: 'ada@example.com, grace@example.com',
			additionalFields: { externalId: 's-2' },
		});
		assert.equal(error, undefined);
		assert.equal(output![0].json.status, 'updated');
		assert.deepEqual(output![0].json.added, [users.grace]);
		assert.equal(sandbox.stats().byRoute['PATCH /Groups/:id'], 1);
		assert.equal(writes(), 1);
		const group = (await scim.request('GET', `/Groups/${output![0].json.id}`)).body;
		assert.equal(group.externalId, 's-2');
		assert.equal(group.displayName, 'Sales');
		assert.deepEqual(await members(group.id), [users.ada, users.grace].sort());
	});

	test('items for the same new group make one POST; statuses read as if run one after another', async () => {
		const { output, error } = await run({ displayName: '={{ $json.name }}', members: '={{ $json.member }}' }, [
			{ name: 'Ops', member: 'ada@example.com' },
			{ name: 'OPS', member: 'linus@example.com' },
			{ name: 'Ops', member: 'ada@example.com' },
		]);
		assert.equal(error, undefined);
		assert.deepEqual(output!.map((i) => i.json.status), ['created', 'updated', 'unchanged']);
		assert.equal(sandbox.stats().byRoute['POST /Groups'], 1);
		assert.equal(writes(), 1);
		assert.deepEqual(await members(String(output![0].json.id)), [users.ada, users.linus].sort());
	});

	test('an unknown member fails its item only; a missing display name is an item error', async () => {
		const { output, error } = await run({ displayName: '={{ $json.name }}', members: '={{ $json.member }}' }, [
			{ name: 'Support', member: 'nobody@example.com' },
			{ name: '', member: 'ada@example.com' },
			{ name: 'Support', member: 'grace@example.com' },
		], true);
		assert.equal(error, undefined);
		assert.match(String(output![0].json.error), /No K2 user with userName "nobody@example.com"/);
		assert.match(String(output![1].json.error), /Display Name/);
		assert.equal(output![2].json.status, 'created');
		assert.deepEqual(output![2].json.added, [users.grace]);
	});

	test("an External ID K2 refused is not reported by the group's other items", async () => {
		const group = await scim.createGroup('Treasury');
		// The first item's External ID goes in the PATCH with its member; K2 refuses that PATCH whole (no such user).
		const { output, error } = await run({ memberReference: 'id', displayName: 'Treasury', members: '={{ $json.member }}', additionalFields: { externalId: '={{ $json.ext }}' } }, [
			{ member: '00000000-0000-4000-8000-000000000000', ext: 't-1' },
			{ member: '', ext: '' },
		], true);
		assert.equal(error, undefined);
		assert.match(String(output![0].json.error), /No K2 user with ID/);
		assert.equal((await scim.request('GET', `/Groups/${group.id}`)).body.externalId, undefined, 'K2 holds no External ID');
		assert.equal(output![1].json.status, 'unchanged');
		assert.equal(output![1].json.externalId, null, 'the output says what K2 holds');
	});
});
