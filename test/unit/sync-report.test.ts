// How Sync reports failures: the node's error (counts, the first few, what else happened), the
// items Continue On Fail emits for group and deprovision failures, and the summary's counts.
import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import type { IExecuteFunctions } from 'n8n-workflow';

import { failedItem, failureCounts, reportText, summaryItem, syncFailedError } from '../../nodes/K2Scim/actions/user/syncReport';
import type { SyncFailure } from '../../nodes/K2Scim/actions/user/syncReport';

const ctx = { getNode: () => ({ name: 'K2 SCIM', type: 'n8n-nodes-k2-scim.k2Scim', typeVersion: 1, parameters: {} }) } as unknown as IExecuteFunctions;
const failures: SyncFailure[] = [
	{ kind: 'user', name: 'a@example.com', reason: 'K2 is throttling requests', item: 0 },
	{ kind: 'deprovision', name: 'old@example.com', reason: 'Could not be deleted: 503' },
	{ kind: 'group', name: 'Sales', reason: 'The group could not be created' },
	{ kind: 'membership', name: 'IT', reason: '3 member(s) not added: 503' },
	{ kind: 'user', name: 'b@example.com', reason: 'bad email', item: 4 },
	{ kind: 'user', name: 'item 5', reason: 'Username is missing', item: 5 },
	{ kind: 'user', name: 'c@example.com', reason: 'x', item: 6 },
];

test('the error counts failures by kind and names the first five', () => {
	const error = syncFailedError(ctx, failures, { dryRun: false });
	assert.equal(
		error.message,
		'Sync finished with 7 failure(s) (4 user, 1 group, 1 membership, 1 deprovision): user "a@example.com" (item 0): K2 is throttling requests; ' +
			'deprovision "old@example.com": Could not be deleted: 503; group "Sales": The group could not be created; membership "IT": 3 member(s) not added: 503; ' +
			'user "b@example.com" (item 4): bad email; and 2 more',
	);
	assert.match(error.description!, /^Everything else was written to K2\. A re-run sends only what is still missing and never writes anything twice, but the failures above fail again/);
});

test('the error says when nothing was deprovisioned, and that a dry run wrote nothing', () => {
	const error = syncFailedError(ctx, failures.slice(5, 6), { dryRun: true, deprovisionSkipped: 'Nothing was deprovisioned: input item(s) 5 had…' });
	assert.equal(error.message, 'Sync finished with 1 failure(s) (1 user) and nothing was deprovisioned: user "item 5" (item 5): Username is missing');
	assert.equal(error.description, 'Nothing was deprovisioned: input item(s) 5 had… Dry Run: nothing was written to K2.');
});

test('a failed group or deprovision item is wrapped as { error } only for the error output', () => {
	const json = { type: 'group', displayName: 'Sales', action: 'error', error: 'The group could not be created' };
	assert.deepEqual(failedItem(json, [{ item: 2 }], false), { json, pairedItem: [{ item: 2 }] });
	assert.deepEqual(failedItem(json, [{ item: 2 }], true), {
		json: { error: { message: 'The group could not be created', type: 'group', displayName: 'Sales', action: 'error' } },
		pairedItem: [{ item: 2 }],
	});
});

test('the summary counts actions (wrapped error items too) and lists every failure', () => {
	const perItem = [[{ json: { action: 'created' } }], new Error('bad'), [{ json: { action: 'unchanged' } }]];
	const additional = [
		{ json: { type: 'group', action: 'created' } },
		failedItem({ type: 'group', action: 'error', error: 'x' }, [], true),
		{ json: { type: 'deprovision', action: 'deleted' } },
	];
	const summary = summaryItem(perItem, additional, failures.slice(0, 3), { dryRun: false, deprovisionLimitExceeded: false });
	assert.deepEqual(summary.counts, { created: 1, error: 1, unchanged: 1, 'group:created': 1, 'group:error': 1, 'deprovision:deleted': 1 });
	assert.equal(summary.failed, 3);
	assert.deepEqual(summary.failedByKind, { user: 1, group: 1, membership: 0, deprovision: 1 });
	assert.deepEqual(summary.errors, failures.slice(0, 3));
	assert.equal('deprovisionSkipped' in summary, false);
	assert.deepEqual(failureCounts([]), { user: 0, group: 0, membership: 0, deprovision: 0 });
});

test('the report: counts, the first names of each change with what changed, deprovisions, groups and failures, in a few lines', () => {
	const perItem = [
		[{ json: { action: 'created', userName: 'new1@example.com' } }],
		[{ json: { action: 'updated', userName: 'moved@example.com', changedAttributes: ['title', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'] } }],
		[{ json: { action: 'reactivated', userName: 'rehired@example.com', changedAttributes: ['active'] } }],
		new Error('bad email'),
		...Array.from({ length: 7 }, (_, n) => [{ json: { action: 'created', userName: `c${n}@example.com` } }]),
		[{ json: { action: 'unchanged', userName: 'same@example.com' } }],
	];
	const additional = [
		{ json: { type: 'deprovision', action: 'deactivated', userName: 'left@example.com' } },
		{ json: { type: 'group', action: 'created', displayName: 'Sales', membersAdded: ['new1@example.com', 'c0@example.com'], membersRemoved: [] } },
		{ json: { type: 'group', action: 'unchanged', displayName: 'IT', membersAdded: [], membersRemoved: [] } },
		failedItem({ type: 'group', displayName: 'Ops', action: 'error', error: 'The group could not be created' }, [], true),
	];
	const runFailures: SyncFailure[] = [
		{ kind: 'user', name: 'item 3', reason: 'Work Email is not an email address', item: 3 },
		{ kind: 'group', name: 'Ops', reason: 'The group could not be created' },
	];
	const report = reportText(perItem, additional, runFailures, { dryRun: false, deprovisionLimitExceeded: false, notKeptByK2: ['title'] });
	assert.equal(
		report,
		[
			'K2 Sync: 12 users in the input: 8 created, 1 updated, 1 reactivated, 1 unchanged, 1 failed.',
			'Created: new1@example.com, c0@example.com, c1@example.com, c2@example.com, c3@example.com and 3 more.',
			'Updated: moved@example.com (title, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department).',
			'Reactivated: rehired@example.com (active).',
			'1 deactivated (not in the input): left@example.com.',
			'Groups created: Sales (+2).',
			'Failed (2): user "item 3" (item 3): Work Email is not an email address; group "Ops": The group could not be created.',
			'K2 does not keep title: left out of the comparison.',
		].join('\n'),
	);
	// The summary carries it.
	assert.equal(summaryItem(perItem, additional, runFailures, { dryRun: false, deprovisionLimitExceeded: false, notKeptByK2: ['title'] }).report, report);
});

test('a Dry Run report says what would happen, and why nothing would be deprovisioned', () => {
	const perItem = [[{ json: { action: 'create', userName: 'a@example.com', dryRun: true } }], [{ json: { action: 'update', userName: 'b@example.com', changedAttributes: ['name.familyName'], dryRun: true } }]];
	const additional = [{ json: { type: 'deprovision', action: 'deactivate', userName: 'gone@example.com', dryRun: true } }];
	const report = reportText(perItem, additional, [], { dryRun: true, deprovisionLimitExceeded: true });
	assert.equal(
		report,
		[
			'K2 Sync (Dry Run: nothing was written to K2): 2 users in the input: 1 to create, 1 to update.',
			'To create: a@example.com.',
			'To update: b@example.com (name.familyName).',
			'1 to deactivate (not in the input): gone@example.com.',
			'More users would be deprovisioned than the limits allow (Max Deprovisions per Run, Max Deprovisions (%)): without Dry Run this run would stop before any write.',
		].join('\n'),
	);
	assert.equal(reportText([], [], [], { dryRun: false, deprovisionLimitExceeded: false, deprovisionSkipped: 'Nothing was deprovisioned: input item(s) 0 had no usable Username.' }),
		'K2 Sync: 0 users in the input.\nNothing was deprovisioned: input item(s) 0 had no usable Username.');
});
