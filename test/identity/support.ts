// Shared pieces of the identity (data-correctness) corpus, issue 17 item 8: the node parameters
// an HR export maps, direct SCIM reads of what K2 holds, the dry-run / re-run checks every case
// makes. One sandbox per describe block: useK2 in ../support/fixture.ts; the forwarding proxy: ../support/scim-proxy.ts.
import assert from 'node:assert/strict';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { RunResult } from '../harness/run-workflow';
import type { K2Fixture } from '../support/fixture';
import { writes } from '../support/fixture';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Runs are version 2 unless a test says otherwise (version 1 is what saved workflows have). */
export const V2 = { typeVersion: 2 } as const;
export const V2_CONTINUE = { typeVersion: 2, continueOnFail: true } as const;

/**
 * A Sync node reading an HR export's columns: mail, employeeId, and optionally title, email,
 * phone, active, groups. Columns an item lacks evaluate to undefined, which Sync leaves alone.
 * No matchOn: version 2's default (External ID, then Username) unless `extra` sets one.
 */
export function syncParameters(syncOptions: IDataObject = {}, extra: IDataObject = {}, additional: IDataObject = {}) {
	return {
		resource: 'user',
		operation: 'sync',
		userName: '={{ $json.mail }}',
		additionalFields: {
			externalId: '={{ $json.employeeId }}',
			title: '={{ $json.title }}',
			...additional,
		},
		syncOptions,
		...extra,
	};
}

/** Sync with the Groups field mapped to the `groups` column. */
export function syncWithGroups(syncOptions: IDataObject = {}, extra: IDataObject = {}) {
	return syncParameters(syncOptions, { groupNames: '={{ $json.groups }}', ...extra });
}

/** User > Create or Update reading the same columns. */
export function createOrUpdateParameters(extra: IDataObject = {}, additional: IDataObject = {}) {
	return {
		resource: 'user',
		operation: 'createOrUpdate',
		userName: '={{ $json.mail }}',
		additionalFields: {
			externalId: '={{ $json.employeeId }}',
			title: '={{ $json.title }}',
			...additional,
		},
		...extra,
	};
}

/** The output items that describe users (Sync adds group / deprovision items after them). */
export function userItems(result: RunResult): IDataObject[] {
	assert.ok(result.output, `the run failed: ${result.error?.message}`);
	return result.output.filter((item) => item.json.type === undefined || item.json.type === 'user').map((item) => item.json);
}

export function groupItem(result: RunResult, displayName: string): IDataObject {
	assert.ok(result.output, `the run failed: ${result.error?.message}`);
	const found = result.output.find((item) => item.json.type === 'group' && String(item.json.displayName).toLowerCase() === displayName.toLowerCase());
	assert.ok(found, `no output item for group ${displayName}: ${JSON.stringify(result.output.map((item) => item.json))}`);
	return found.json;
}

/** The text of an item error (Continue On Fail) or of the node's error, for matching. */
export function errorText(entry: IDataObject | INodeExecutionData | RunResult['error'] | undefined): string {
	if (!entry) return '';
	const json = 'json' in entry ? (entry as INodeExecutionData).json : (entry as IDataObject);
	return `${String(json.error ?? json.message ?? '')} ${String(json.description ?? '')}`;
}

/** Direct reads of K2, outside the node. */
export class K2State {
	constructor(private readonly k2: K2Fixture) {}

	async user(id: string): Promise<any | undefined> {
		const { status, body } = await this.k2.scim.request('GET', `/Users/${encodeURIComponent(id)}`);
		return status === 200 ? body : undefined;
	}

	async users(): Promise<any[]> {
		return await this.k2.scim.listUsers();
	}

	/** Every K2 user whose userName is exactly `userName` (no normalisation: to see look-alikes). */
	async usersExactly(userName: string): Promise<any[]> {
		return (await this.users()).filter((user) => user.userName === userName);
	}

	/** K2 users whose userName equals `userName` in normal form (NFC, trimmed, any case). */
	async usersLike(userName: string): Promise<any[]> {
		const key = userName.normalize('NFC').trim().toLowerCase();
		return (await this.users()).filter((user) => String(user.userName).normalize('NFC').trim().toLowerCase() === key);
	}

	async usersWithExternalId(externalId: string): Promise<any[]> {
		return (await this.users()).filter((user) => user.externalId === externalId);
	}

	/** Display names of the groups a user is in (the user's complete `groups` attribute), sorted. */
	async groupsOf(id: string): Promise<string[]> {
		const user = await this.user(id);
		assert.ok(user, `K2 user ${id} is gone`);
		return ((user.groups ?? []) as Array<{ display: string }>).map((group) => group.display).sort();
	}

	async groups(): Promise<any[]> {
		const { body } = await this.k2.scim.request('GET', '/Groups?startIndex=1&count=100&excludedAttributes=members');
		return body.Resources ?? [];
	}

	async groupsLike(displayName: string): Promise<any[]> {
		const key = displayName.normalize('NFC').trim().toLowerCase();
		return (await this.groups()).filter((group) => String(group.displayName).normalize('NFC').trim().toLowerCase() === key);
	}

	/** Member IDs of a group (fine below the 100 members a read shows), sorted. */
	async membersOf(groupId: string): Promise<string[]> {
		const { body } = await this.k2.scim.request('GET', `/Groups/${encodeURIComponent(groupId)}`);
		return ((body.members ?? []) as Array<{ value: string }>).map((member) => member.value).sort();
	}

	async deactivate(id: string): Promise<void> {
		const { status } = await this.k2.scim.request('PATCH', `/Users/${encodeURIComponent(id)}`, {
			schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
			Operations: [{ op: 'replace', path: 'active', value: false }],
		});
		assert.equal(status, 200, 'seeding: deactivate');
	}
}

/** Runs `run` with stats reset; asserts it sent no write, and returns its result. */
export async function noWrites(k2: K2Fixture, what: string, run: () => Promise<RunResult>): Promise<RunResult> {
	k2.sandbox.resetStats();
	const result = await run();
	assert.equal(writes(k2.sandbox), 0, `${what}: no write expected, the sandbox counted ${JSON.stringify(k2.sandbox.stats().byRoute)}`);
	return result;
}

/** Sync with Dry Run on: the same parameters plus `syncOptions.dryRun: true`. */
export function dry(parameters: IDataObject): IDataObject {
	return { ...parameters, syncOptions: { ...((parameters.syncOptions as IDataObject) ?? {}), dryRun: true } };
}

/**
 * The shape of most Sync cases: a Dry Run first (0 writes, its report returned), then the real
 * run (stats reset before it, so the test reads exactly its requests), then the test's own
 * checks, then `rerun()` to prove the same input again writes nothing.
 */
export async function syncCase(
	k2: K2Fixture,
	parameters: IDataObject,
	items: IDataObject[],
	options: { typeVersion?: number; continueOnFail?: boolean } = V2,
): Promise<{ dryRun: RunResult; result: RunResult; rerun: () => Promise<RunResult> }> {
	const dryRun = await noWrites(k2, 'Dry Run', () => k2.run(dry(parameters), items, options));
	k2.sandbox.resetStats();
	const result = await k2.run(parameters, items, options);
	return {
		dryRun,
		result,
		rerun: () => noWrites(k2, 'the identical re-run', () => k2.run(parameters, items, options)),
	};
}
