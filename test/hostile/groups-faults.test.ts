// Group writes that fail are never reported as success. A batch operation (Add / Remove Members,
// Create or Update) attempts every item, then, without Continue On Fail, fails the run: with the
// one failed item's own error, or with one error that counts the failures and lists the first
// few. Rename and Delete fail loudly when K2 refuses. Cases: README.md.
import assert from 'node:assert/strict';
import { afterAll, afterEach, beforeAll, describe, test } from '@jest/globals';

import { count, useK2, writes } from '../support/fixture';
import { connectThrough, startScimProxy } from '../support/scim-proxy';
import type { ScimProxy } from '../support/scim-proxy';
import { assertEachItemOnce, assertNoSecrets, assertPrototypesClean } from './support';

const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const byName = (value: string) => ({ __rl: true, mode: 'displayName', value });
const missing = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

interface NodeError {
	message: string;
	description?: string;
	httpCode?: string;
	context?: { itemIndex?: number };
}

describe('Hostile group faults: failures are reported, never success', () => {
	const k2 = useK2({ reset: 'stats' });
	const users: string[] = [];
	const groupsOf = async (userId: string): Promise<string[]> =>
		((await k2.scim.request('GET', `/Users/${userId}`)).body.groups ?? []).map((g: { value: string }) => g.value);
	const run = (parameters: Record<string, unknown>, items?: Array<Record<string, unknown>>, continueOnFail = false) =>
		k2.run({ resource: 'group', memberReference: 'id', ...parameters }, items, { continueOnFail });

	beforeAll(async () => {
		for (let i = 0; i < 12; i++) users.push((await k2.scim.createUser(`fault${i}@example.com`)).id);
	});
	afterEach(() => assertPrototypesClean('after the case'));

	test('Add Members: 3 of 6 items target a missing group; the run fails after the other 3 were applied, naming all 3', async () => {
		const group = await k2.scim.createGroup('Half Good');
		const items = users.slice(0, 6).map((member, i) => ({ g: i % 2 ? missing(i) : group.id, m: member }));
		const parameters = { operation: 'addMembers', group: byId('={{ $json.g }}'), members: '={{ $json.m }}' };
		k2.sandbox.resetStats();
		const { output, error } = await run(parameters, items);
		assert.equal(output, undefined, 'the node failed');
		const failed = error as unknown as NodeError;
		assert.match(failed.message, /^3 of 6 items failed: The group "00000000-0000-4000-8000-000000000001" was not found in K2$/);
		for (const item of [1, 3, 5]) assert.match(String(failed.description), new RegExp(`item ${item}: The group "${missing(item)}" was not found`));
		assert.match(String(failed.description), /The other 3 items were applied\./);
		assert.match(String(failed.description), /Continue On Fail/);
		for (const i of [0, 2, 4]) assert.deepEqual(await groupsOf(users[i]), [group.id], `item ${i} was applied`);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 1, 'the 3 valid items went out in one PATCH');
		assertNoSecrets(error, [k2.sandbox.scimToken], 'batch error');

		const kept = await run(parameters, items, true);
		assertEachItemOnce(kept, 6, 'Continue On Fail');
		const errors = kept.output!.filter((o) => o.json.error !== undefined);
		assert.deepEqual(errors.map((o) => (o.pairedItem as { item: number }).item), [1, 3, 5], 'one error item per failed item');
		assert.ok(errors.every((o) => o.json.status === '404'));
		assert.deepEqual(kept.output![0].json.alreadyMembers, [users[0]], 'the re-run changes nothing for the applied items');
	});

	test('one failed item of 5: the run fails with that item\'s own error (message, HTTP code, item index)', async () => {
		const group = await k2.scim.createGroup('One Bad');
		const items = users.slice(0, 5).map((member, i) => ({ g: i === 2 ? missing(99) : group.id, m: member }));
		const { error } = await run({ operation: 'addMembers', group: byId('={{ $json.g }}'), members: '={{ $json.m }}' }, items);
		const failed = error as unknown as NodeError;
		assert.equal(failed.message, `The group "${missing(99)}" was not found in K2`);
		assert.equal(failed.httpCode, '404');
		assert.equal(failed.context?.itemIndex, 2);
		for (const i of [0, 1, 3, 4]) assert.ok((await groupsOf(users[i])).includes(group.id), `item ${i} was applied`);
	});

	test('Remove Members: 8 of 10 items fail; the error lists the first 5 and counts the rest', async () => {
		const group = await k2.scim.createGroup('Mostly Missing', users.slice(0, 2));
		const items = users.slice(0, 10).map((member, i) => ({ g: i < 2 ? group.id : missing(i), m: member }));
		const { error } = await run({ operation: 'removeMembers', group: byId('={{ $json.g }}'), members: '={{ $json.m }}' }, items);
		const failed = error as unknown as NodeError;
		assert.match(failed.message, /^8 of 10 items failed: /);
		assert.match(String(failed.description), /^Failed: item 2: .*; item 3: .*; item 4: .*; item 5: .*; item 6: .*; and 3 more\. The other 2 items were applied\./);
		assert.doesNotMatch(String(failed.description), /item 7:/);
		assert.deepEqual((await k2.scim.request('GET', `/Groups/${group.id}`)).body.members ?? [], [], 'the 2 valid removals were applied');
	});

	test('2 of 3 items are invalid: the run fails before any request and says nothing was sent', async () => {
		const group = await k2.scim.createGroup('Checked First');
		k2.sandbox.resetStats();
		const { error } = await run({ operation: 'addMembers', group: byId(group.id), members: '={{ $json.m }}' }, [{ m: '' }, { m: users[0] }, { m: ' , ' }]);
		const failed = error as unknown as NodeError;
		assert.equal(failed.message, '2 of 3 items failed: Members is empty');
		assert.match(String(failed.description), /^Failed: item 0: Members is empty; item 2: Members is empty\. Nothing was sent to K2 for 1 item\./);
		assert.doesNotMatch(String(failed.description), /applied/);
		assert.equal(k2.sandbox.stats().total, 0);
	});

	test('Create or Update: groups whose members are unknown fail, counted; the valid group and members are applied', async () => {
		const items = [
			{ name: 'Unknown A', m: missing(1) },
			{ name: 'Fine Group', m: users[7] },
			{ name: 'Unknown B', m: `${users[8]}, ${missing(2)}` },
		];
		const { error } = await run({ operation: 'createOrUpdate', displayName: '={{ $json.name }}', members: '={{ $json.m }}' }, items);
		const failed = error as unknown as NodeError;
		assert.equal(failed.message, `2 of 3 items failed: No K2 user with ID "${missing(1)}"`);
		assert.match(String(failed.description), new RegExp(`^Failed: item 0: No K2 user with ID "${missing(1)}"; item 2: No K2 user with ID "${missing(2)}"\\. The other 1 item was applied\\.`));
		const named = async (name: string) => (await k2.scim.request('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body.Resources ?? [];
		const [fine] = await named('Fine Group');
		assert.deepEqual(await groupsOf(users[7]), [fine.id]);
		// K2 refused the creates that carried an unknown member; each group was then made bare and its known members added.
		const [b] = await named('Unknown B');
		assert.deepEqual(await groupsOf(users[8]), [b.id]);

		const kept = await run({ operation: 'createOrUpdate', displayName: '={{ $json.name }}', members: '={{ $json.m }}' }, items, true);
		assertEachItemOnce(kept, 3, 'Continue On Fail');
		// The re-run: the known member is in already, the unknown one still fails.
		assert.match(String(kept.output![2].json.description), new RegExp(`^No member of this item was added to group "Unknown B"\\. 1 was already a member: "${users[8]}"\\.`));
		assert.equal(kept.output![1].json.status, 'unchanged');
	});

	test('Create or Update: one item\'s unknown member does not fail the other items of the same new group', async () => {
		k2.sandbox.resetStats();
		const { output } = await run(
			{ operation: 'createOrUpdate', displayName: 'Shared New', members: '={{ $json.m }}' },
			[{ m: users[9] }, { m: missing(3) }, { m: users[10] }],
			true,
		);
		assertEachItemOnce({ output } as never, 3, 'shared new group');
		assert.equal(output![0].json.status, 'created');
		assert.deepEqual(output![0].json.added, [users[9]]);
		assert.equal(output![1].json.error, `No K2 user with ID "${missing(3)}"`);
		assert.match(String(output![1].json.description), /^The group was created \(ID .+\)\. /);
		assert.deepEqual(output![2].json.added, [users[10]]);
		const id = String(output![0].json.id);
		assert.deepEqual(await groupsOf(users[9]), [id]);
		assert.deepEqual(await groupsOf(users[10]), [id]);
		// The refused create, the bare create, the refused PATCH, the lookup of its IDs, the PATCH of the known ones.
		assert.equal(count(k2.sandbox, 'POST /Groups'), 2);
		assert.equal(count(k2.sandbox, 'PATCH /Groups/:id'), 2);
	});

	test('Rename to a name another group has: an error, and the group keeps its name', async () => {
		const group = await k2.scim.createGroup('Keep Me');
		await k2.scim.createGroup('Taken');
		const { output, error } = await run({ operation: 'rename', group: byId(group.id), newDisplayName: 'taken' });
		assert.equal(output, undefined);
		assert.match(String(error?.message), /already exists in K2/);
		assert.equal((await k2.scim.request('GET', `/Groups/${group.id}`)).body.displayName, 'Keep Me');
	});

	test('Rename or Delete of a group that does not exist: an error, never "deleted"', async () => {
		const rename = await run({ operation: 'rename', group: byId(missing(5)), newDisplayName: 'X' }, undefined, true);
		assert.equal(rename.output![0].json.error, `The group "${missing(5)}" was not found in K2`);
		const gone = await run({ operation: 'delete', group: byId(missing(6)) }, undefined, true);
		assert.equal(gone.output![0].json.error, `The group "${missing(6)}" was not found in K2`);
		assert.equal(gone.output![0].json.deleted, undefined);
		const byDisplayName = await run({ operation: 'delete', group: byName('Never Was') }, undefined, true);
		assert.equal(byDisplayName.output![0].json.error, 'No K2 group named "Never Was"');
		assert.equal(writes(k2.sandbox), 2, 'the two DELETE/PATCH by ID were sent; the name lookup found nothing to delete');
	});
});

describe('Hostile group faults: a Delete whose answer is lost', () => {
	const k2 = useK2();
	let proxy: ScimProxy;
	let dropDeletes = 0;

	beforeAll(async () => {
		// Forwards to the sandbox; the next `dropDeletes` DELETEs are applied, then their connection is cut.
		proxy = await startScimProxy(k2.sandbox.scimBaseUrl);
		proxy.before = (_route, request) => {
			if (request.method !== 'DELETE' || dropDeletes === 0) return;
			dropDeletes--;
			return 'drop';
		};
		await connectThrough(k2, proxy, 'proxied', 'K2 through a dropping proxy');
	});
	afterAll(async () => proxy?.close());

	test(
		'the group is gone and the item says deleted, once',
		async () => {
			const group = await k2.scim.createGroup('Lost Delete');
			dropDeletes = 1;
			k2.sandbox.resetStats();
			const { output, error } = await k2.run({ resource: 'group', operation: 'delete', group: byId(group.id) }, undefined, { credentialId: 'proxied' });
			assert.equal(dropDeletes, 0, 'the answer was really lost');
			assert.equal((await k2.scim.request('GET', `/Groups/${group.id}`)).status, 404, 'K2 applied the delete');
			assert.equal(error, undefined, error?.message);
			assert.deepEqual(output![0].json, { id: group.id, deleted: true });
		},
	);
});
