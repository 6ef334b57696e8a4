// K2 does not document its filter operators. Against a sandbox that accepts only some of them
// (400 invalidFilter for the others), every operation that works with all of them still works,
// within the same run: `or` falls back to one `eq` lookup per value, `co` to `sw`, then to no
// search filter. Each run asks K2 about an operator once (the request counts prove it), and
// where no fallback exists the error names the operator.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from '@jest/globals';

import { LoadOptionsContext } from 'n8n-core';
import { Workflow } from 'n8n-workflow';
import type { IDataObject, ILoadOptionsFunctions, INode, INodeListSearchResult, INodeType, IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import type { RequestStats, Sandbox } from '../../sandbox';
import { NODE_TYPE } from '../harness/run-workflow';
import type { RunResult } from '../harness/run-workflow';
import { createOrUpdateParameters, groupItem, syncWithGroups, userItems } from '../identity/support';
import { connectThrough, startScimProxy } from '../support/scim-proxy';
import type { ScimProxy } from '../support/scim-proxy';
import { useK2 } from '../support/fixture';
import type { ScimClient } from '../support/scim-client';

type Search = (this: ILoadOptionsFunctions, filter?: string, paginationToken?: string) => Promise<INodeListSearchResult>;

interface Case {
	label: string;
	/** What the sandbox accepts; undefined: every operator. */
	operators?: string[];
}

// The default first: the other cases are compared with it.
const CASES: Case[] = [
	{ label: 'every operator' },
	{ label: 'eq, sw and and', operators: ['eq', 'sw', 'and'] },
	{ label: 'eq and and', operators: ['eq', 'and'] },
];

const refuses = (c: Case, operator: string) => c.operators !== undefined && !c.operators.includes(operator);
const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const route = (stats: RequestStats, name: string) => stats.byRoute[name] ?? 0;
const refused = (stats: RequestStats) => stats.byStatus['400'] ?? 0;
/** IDs per `or` lookup (scim/memberPlan.ts IDS_PER_LOOKUP). */
const IDS_PER_LOOKUP = 50;

describe('filter operators K2 refuses: the node falls back within the run', () => {
	const k2 = useK2();
	let sandbox: Sandbox;
	let scim: ScimClient;
	let proxy: ScimProxy;
	const ids: string[] = [];
	let searches: Record<string, Search>;
	let newSearchContext: () => ILoadOptionsFunctions;

	beforeAll(async () => {
		({ sandbox, scim } = k2);
		// 230 users: a Sync's listing stays at 3 pages whatever the tests below add.
		for (let i = 0; i < 230; i++) ids.push((await scim.createUser(`member${String(i).padStart(3, '0')}@example.com`)).id);
		proxy = await startScimProxy(sandbox.scimBaseUrl);
		await connectThrough(k2, proxy, 'via-proxy');

		// What n8n's editor does for a resource locator: a LoadOptionsContext per request.
		const node: INode = {
			id: 'k2',
			name: 'K2 SCIM',
			type: NODE_TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
			credentials: { k2ScimOAuth2Api: { id: 'k2', name: 'K2' } },
		};
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: k2.harness.nodeTypes });
		const additionalData = { credentialsHelper: k2.harness.credentials, currentNodeParameters: {} } as unknown as IWorkflowExecuteAdditionalData;
		newSearchContext = () => new LoadOptionsContext(workflow, node, additionalData, 'parameters.user');
		searches = (k2.harness.nodeTypes.getByNameAndVersion(NODE_TYPE, 1) as INodeType).methods!.listSearch as unknown as Record<string, Search>;
	});
	afterAll(async () => proxy?.close());

	/** Runs `work` against a K2 that accepts only `c.operators`; returns its result and the requests it cost. */
	async function restricted<T>(c: Case, work: () => Promise<T>): Promise<{ result: T; stats: RequestStats }> {
		sandbox.setFilterOperators(c.operators);
		sandbox.resetStats();
		try {
			const result = await work();
			return { result, stats: sandbox.stats() };
		} finally {
			sandbox.setFilterOperators(undefined);
		}
	}

	/** A group's members, from the users' complete `groups` (a group read shows at most 100). */
	async function membersOf(groupId: string): Promise<string[]> {
		const users = await scim.listUsers();
		return users.filter((user) => (user.groups ?? []).some((group: { value: string }) => group.value === groupId)).map((user) => user.id).sort();
	}

	/** A group of ids[0..149]; returns its ID and the 100 members a read of it shows. */
	async function bigGroup(name: string): Promise<{ id: string; shown: string[] }> {
		const { id } = await scim.createGroup(name, ids.slice(0, 150));
		const { body } = await scim.request('GET', `/Groups/${id}`);
		const shown = (body.members as Array<{ value: string }>).map((member) => member.value);
		assert.equal(shown.length, 100, 'premise: K2 shows 100 of the 150 members');
		return { id, shown };
	}

	/** GET /Users a member lookup costs: `or` 50 at a time, or one refused `or` and then one `eq` per ID. */
	function lookupRequests(c: Case, idsLookedUp: number): number {
		return refuses(c, 'or') ? 1 + idsLookedUp : Math.ceil(idsLookedUp / IDS_PER_LOOKUP);
	}

	test('Add Members on a group of 150: members beyond the 100 K2 shows are looked up, with one `eq` per ID when `or` is refused', async () => {
		for (const c of CASES) {
			const group = await bigGroup(`Add ${c.label}`);
			// 30 members beyond the read (ids 120..149) and 60 new ones.
			const adding = ids.slice(120, 210);
			const unseen = adding.filter((id) => !group.shown.includes(id));
			const { result, stats } = await restricted(c, () =>
				k2.run({ resource: 'group', operation: 'addMembers', group: byId(group.id), memberReference: 'id', members: '={{ $json.id }}' }, adding.map((id) => ({ id }))),
			);
			assert.equal(result.error, undefined, `${c.label}: ${result.error?.message}`);
			result.output!.forEach((item, index) => {
				const id = adding[index];
				const wasMember = ids.indexOf(id) < 150;
				assert.deepEqual(item.json, { groupId: group.id, groupDisplayName: `Add ${c.label}`, added: wasMember ? [] : [id], alreadyMembers: wasMember ? [id] : [] }, `${c.label}: item ${index}`);
			});
			// The probe (a member K2 shows) and every candidate it does not show.
			assert.equal(route(stats, 'GET /Users'), lookupRequests(c, 1 + unseen.length), `${c.label}: user lookups`);
			assert.equal(refused(stats), refuses(c, 'or') ? 1 : 0, `${c.label}: K2 is asked about "or" once in the run`);
			assert.equal(route(stats, 'GET /Groups/:id'), 1, c.label);
			assert.equal(route(stats, 'PATCH /Groups/:id'), 1, `${c.label}: the 60 new members in one PATCH`);
			assert.equal(stats.total, 2 + lookupRequests(c, 1 + unseen.length), c.label);
			assert.deepEqual(await membersOf(group.id), ids.slice(0, 210).sort(), `${c.label}: K2 holds the 150 and the 60 new`);
		}
	});

	test('Remove Members on a group of 150: members beyond the 100 K2 shows are removed, non-members left alone', async () => {
		for (const c of CASES) {
			const group = await bigGroup(`Remove ${c.label}`);
			// 20 shown members, 40 beyond the read, 20 users who are not members.
			const removing = [...ids.slice(80, 140), ...ids.slice(200, 220)];
			const unseen = removing.filter((id) => !group.shown.includes(id));
			const { result, stats } = await restricted(c, () =>
				k2.run({ resource: 'group', operation: 'removeMembers', group: byId(group.id), memberReference: 'id', members: '={{ $json.id }}' }, removing.map((id) => ({ id }))),
			);
			assert.equal(result.error, undefined, `${c.label}: ${result.error?.message}`);
			result.output!.forEach((item, index) => {
				const id = removing[index];
				const member = ids.indexOf(id) < 150;
				assert.deepEqual(item.json, { groupId: group.id, groupDisplayName: `Remove ${c.label}`, removed: member ? [id] : [], notMembers: member ? [] : [id] }, `${c.label}: item ${index}`);
			});
			assert.equal(route(stats, 'GET /Users'), lookupRequests(c, 1 + unseen.length), `${c.label}: user lookups`);
			assert.equal(refused(stats), refuses(c, 'or') ? 1 : 0, c.label);
			assert.equal(route(stats, 'PATCH /Groups/:id'), 1, `${c.label}: the 60 members in one PATCH`);
			assert.deepEqual(await membersOf(group.id), [...ids.slice(0, 80), ...ids.slice(140, 150)].sort(), `${c.label}: the other 90 stay`);
		}
	});

	test('one run for two groups of 150: K2 is asked about "or" once, not once per group', async () => {
		for (const c of CASES) {
			const a = await bigGroup(`Pair A ${c.label}`);
			const b = await bigGroup(`Pair B ${c.label}`);
			const adding = ids.slice(150, 200);
			const items = adding.flatMap((id) => [{ group: a.id, id }, { group: b.id, id }]);
			const { result, stats } = await restricted(c, () =>
				k2.run({ resource: 'group', operation: 'addMembers', group: '={{ { __rl: true, mode: "id", value: $json.group } }}', memberReference: 'id', members: '={{ $json.id }}' }, items),
			);
			assert.equal(result.error, undefined, `${c.label}: ${result.error?.message}`);
			assert.ok(result.output!.every((item) => (item.json.added as string[]).length === 1), c.label);
			assert.equal(refused(stats), refuses(c, 'or') ? 1 : 0, `${c.label}: one refused "or" in the whole run`);
			// Per group: the probe and the 50 it does not show; the refused `or` once for both.
			const perGroup = refuses(c, 'or') ? 51 : Math.ceil(51 / IDS_PER_LOOKUP);
			assert.equal(route(stats, 'GET /Users'), 2 * perGroup + (refuses(c, 'or') ? 1 : 0), `${c.label}: user lookups`);
			for (const group of [a, b]) assert.deepEqual(await membersOf(group.id), ids.slice(0, 200).sort(), c.label);
		}
	});

	test('Sync with groups costs the same requests whichever operators K2 accepts, and none is refused', async () => {
		let baseline: RequestStats | undefined;
		for (const [n, c] of CASES.entries()) {
			const staff = [0, 1, 2].map((i) => ({ mail: `sync${n}-${i}@example.com`, employeeId: `S${n}-${i}`, groups: i === 2 ? `Sync ${n} A, Sync ${n} B` : `Sync ${n} A` }));
			const { result, stats } = await restricted(c, () => k2.run(syncWithGroups(), staff, { typeVersion: 2 }));
			assert.equal(result.error, undefined, `${c.label}: ${result.error?.message}`);
			assert.deepEqual(userItems(result).map((item) => item.action), ['created', 'created', 'created'], c.label);
			assert.equal(groupItem(result, `Sync ${n} A`).action, 'created', c.label);
			assert.equal(refused(stats), 0, `${c.label}: Sync uses no operator but eq`);
			baseline ??= stats;
			assert.deepEqual(stats.byRoute, baseline.byRoute, `${c.label}: the same requests as against a K2 with every operator`);

			const users = await Promise.all(staff.map((row) => scim.findUser(row.mail)));
			const groupsOf = (user: { groups?: Array<{ display: string }> }) => (user.groups ?? []).map((group) => group.display).sort();
			assert.deepEqual(users.map(groupsOf), [[`Sync ${n} A`], [`Sync ${n} A`], [`Sync ${n} A`, `Sync ${n} B`]], `${c.label}: K2's memberships`);
		}
	});

	test("Sync with a member deleted meanwhile: the vanished member is found with one `eq` per member when `or` is refused, the others are added", async () => {
		let baseline: RequestStats | undefined;
		for (const [n, c] of CASES.entries()) {
			const staff = [0, 1, 2].map((i) => ({ mail: `vanish${n}-${i}@example.com`, employeeId: `V${n}-${i}`, groups: `Vanish ${n}` }));
			const seeded: string[] = [];
			for (const row of staff) seeded.push((await scim.createUser(row.mail, { externalId: row.employeeId })).id);
			const group = await scim.createGroup(`Vanish ${n}`);
			let deleted = false;
			// Deletes the second user right before the run's first group write reaches K2.
			proxy.before = async (name) => {
				if (deleted || name !== 'PATCH /Groups/:id') return;
				deleted = true;
				assert.equal((await scim.request('DELETE', `/Users/${seeded[1]}`)).status, 204);
			};
			const { result, stats } = await restricted(c, () => k2.run(syncWithGroups(), staff, { typeVersion: 2, credentialId: 'via-proxy', continueOnFail: true })).finally(() => {
				proxy.before = () => undefined;
			});
			assert.ok(deleted, 'premise: the user was deleted before the group write');
			const item = groupItem(result, `Vanish ${n}`);
			assert.deepEqual(item.membersNotAdded, [staff[1].mail], c.label);
			assert.match(String(item.error), /no longer exist/, c.label);
			assert.deepEqual(await membersOf(group.id), [seeded[0], seeded[2]].sort(), `${c.label}: the other two are members`);

			baseline ??= stats;
			// The refused PATCH and, without `or`, the refused lookup; then one `eq` per member of the PATCH instead of one `or`.
			assert.equal(refused(stats), refused(baseline) + (refuses(c, 'or') ? 1 : 0), c.label);
			assert.equal(route(stats, 'GET /Users'), route(baseline, 'GET /Users') + (refuses(c, 'or') ? 3 : 0), `${c.label}: 1 + 3 lookups instead of 1`);
			assert.equal(route(stats, 'PATCH /Groups/:id'), 2, `${c.label}: the refused PATCH and its re-send without the vanished member`);
		}
	});

	test('Create or Update and lookups by username or display name need only eq: same requests, none refused', async () => {
		let baseline: Record<string, number> | undefined;
		for (const [n, c] of CASES.entries()) {
			const existing = await scim.createUser(`upd${n}@example.com`, { externalId: `U${n}`, title: 'Old' });
			const group = await scim.createGroup(`Lookup ${n}`);
			const rows = [
				{ mail: `upd${n}@example.com`, employeeId: `U${n}`, title: 'New' },
				{ mail: `new${n}@example.com`, employeeId: `N${n}`, title: 'Fresh' },
			];
			const { result, stats } = await restricted(c, async () => {
				const upsert = await k2.run(createOrUpdateParameters(), rows, { typeVersion: 2 });
				const user = await k2.run({ resource: 'user', operation: 'get', user: { __rl: true, mode: 'userName', value: `UPD${n}@example.com` } });
				const named = await k2.run({ resource: 'group', operation: 'get', group: { __rl: true, mode: 'displayName', value: `lookup ${n}` } });
				const members = await k2.run({ resource: 'group', operation: 'addMembers', group: byId(group.id), memberReference: 'userName', members: `upd${n}@example.com, new${n}@example.com` });
				return { upsert, user, named, members };
			});
			for (const [what, run] of Object.entries(result) as Array<[string, RunResult]>) assert.equal(run.error, undefined, `${c.label} ${what}: ${run.error?.message}`);
			assert.deepEqual(result.upsert.output!.map((item) => item.json.action), ['updated', 'created'], c.label);
			assert.equal(result.user.output![0].json.id, existing.id, c.label);
			assert.equal(result.named.output![0].json.id, group.id, c.label);
			assert.equal(refused(stats), 0, `${c.label}: nothing refused`);
			baseline ??= stats.byRoute;
			assert.deepEqual(stats.byRoute, baseline, `${c.label}: the same requests as against a K2 with every operator`);

			assert.equal((await scim.findUser(`upd${n}@example.com`)).title, 'New', c.label);
			assert.equal((await scim.findUser(`new${n}@example.com`)).externalId, `N${n}`, c.label);
			const { body } = await scim.request('GET', `/Groups/${group.id}`);
			assert.equal((body.members as unknown[]).length, 2, `${c.label}: both added`);
		}
	});

	test('the user and group pickers: contains, else prefix, else the unfiltered list; a context asks K2 once per operator', async () => {
		for (const name of ['Picker One', 'Picker Two', 'Other']) await scim.createGroup(name);
		for (const c of CASES) {
			const { result, stats } = await restricted(c, async () => {
				const context = newSearchContext();
				const users = await searches.searchUsers.call(context, 'member12');
				const refusedByUsers = sandbox.stats().byStatus['400'] ?? 0;
				const groups = await searches.searchGroups.call(context, 'Picker');
				return { users, groups, refusedByUsers };
			});
			const names = (page: INodeListSearchResult) => page.results.map((r) => r.name);
			const expectedRefusals = refuses(c, 'co') ? (refuses(c, 'sw') ? 2 : 1) : 0;
			assert.equal(result.refusedByUsers, expectedRefusals, `${c.label}: contains, then prefix, then no filter`);
			assert.equal(refused(stats), expectedRefusals, `${c.label}: the second picker in the same context asks nothing refused again`);
			assert.equal(route(stats, 'GET /Users') + route(stats, 'GET /Groups'), 2 + expectedRefusals, c.label);
			if (refuses(c, 'sw')) {
				// No search K2 accepts: the list's first page, which pages on.
				assert.equal(result.users.results.length, 100, c.label);
				assert.equal(result.users.paginationToken, '101', c.label);
				assert.ok(names(result.groups).includes('Other'), `${c.label}: every group`);
			} else {
				assert.deepEqual(names(result.users), Array.from({ length: 10 }, (_, i) => `member12${i}@example.com`), c.label);
				assert.deepEqual(names(result.groups).sort(), ['Picker One', 'Picker Two'], c.label);
			}
		}
	});

	test('Connection > Check says which operators K2 refused and what that means', async () => {
		for (const c of CASES) {
			const { result, stats } = await restricted(c, () => k2.run({ resource: 'connection', operation: 'check' }));
			assert.equal(result.error, undefined, `${c.label}: ${result.error?.message}`);
			const features = result.output![0].json.features as IDataObject;
			const expected = Object.fromEntries(['eq', 'and', 'or', 'co', 'sw'].map((operator) => [operator, !refuses(c, operator)]));
			assert.deepEqual(features.filterOperators, expected, c.label);
			assert.equal(features.containsSearch, !refuses(c, 'co') && !refuses(c, 'or'), c.label);
			const note = String(features.filterNote);
			if (!c.operators) assert.match(note, /accepts every filter operator the node uses/);
			if (refuses(c, 'or')) assert.match(note, /"or".*one request per user instead of 50 per request/, c.label);
			if (refuses(c, 'co')) assert.match(note, /without "co" the user and group lists search by how a name begins/, c.label);
			assert.equal(refuses(c, 'sw'), note.includes('without "sw"'), c.label);
			assert.equal(route(stats, 'GET /Users'), 6, `${c.label}: the token check and one probe per operator`);
			assert.equal(refused(stats), Object.values(expected).filter((ok) => !ok).length, c.label);
		}
	});

	test('where no fallback exists, the error names the operator K2 refused and what it means', async () => {
		const getMany = { resource: 'user', operation: 'getMany', returnAll: true, filters: { raw: 'active ne false' } };
		const typed = await restricted(CASES[2], () => k2.run(getMany));
		assert.match(String(typed.result.error?.message), /^K2 refused the filter operator "ne" in the request to list users$/);
		assert.match(String(typed.result.error?.description), /write it without "ne"/);
		assert.equal(typed.stats.total, 1, 'one request, no retry');

		const noEq = await restricted({ label: 'and only', operators: ['and'] }, () =>
			k2.run({ resource: 'user', operation: 'get', user: { __rl: true, mode: 'userName', value: 'member001@example.com' } }),
		);
		assert.match(String(noEq.result.error?.message), /^K2 refused the filter operator "eq" in the request to read the user "member001@example.com"$/);
		assert.match(String(noEq.result.error?.description), /cannot find a user by userName/);
	});
});
