import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { n8nLineOf, platformReport } from '../../nodes/K2Scim/actions/connection/platform';

test('the n8n line from the n8n-workflow version: major.minor from 2.0 on, "1.x" before', () => {
	assert.deepEqual(n8nLineOf('2.8.0'), { line: '2.8', major: 2, minor: 8 });
	assert.deepEqual(n8nLineOf('2.41.0'), { line: '2.41', major: 2, minor: 41 });
	// n8n 1.123 ships n8n-workflow 1.120: the minor says nothing about n8n's.
	assert.deepEqual(n8nLineOf('1.120.31'), { line: '1.x', major: 1 });
	assert.equal(n8nLineOf(undefined), undefined);
	assert.equal(n8nLineOf('next'), undefined);
});

test('queue mode on n8n < 2.30 with a refresh token: a warning with the fix', () => {
	for (const version of ['2.8.0', '2.29.1', '1.120.31']) {
		const { platform, warning } = platformReport(version, 'queue', 'pkce');
		assert.equal(platform.refreshAcrossWorkers, 'not coordinated', version);
		assert.equal(platform.executionMode, 'queue');
		assert.match(warning!, /queue mode/);
		assert.match(warning!, /spend K2's one-time refresh token twice/);
		assert.match(warning!, /Upgrade n8n to 2\.30 or later, or run a single worker/);
		assert.equal(platform.refreshNote, warning);
	}
});

test('n8n >= 2.30 coordinates refreshes: no warning, whatever the mode', () => {
	for (const [version, mode] of [['2.30.0', 'queue'], ['2.41.0', undefined], ['3.0.0', 'queue']] as const) {
		const { platform, warning } = platformReport(version, mode, 'pkce');
		assert.equal(warning, undefined, version);
		assert.equal(platform.refreshAcrossWorkers, 'coordinated', version);
		assert.match(String(platform.refreshNote), /coordinates token refreshes across processes/);
	}
});

test('mode unknown on n8n < 2.30: no warning, the rule instead, and why the mode is unknown', () => {
	const { platform, warning } = platformReport('2.8.0', undefined, 'pkce');
	assert.equal(warning, undefined);
	assert.deepEqual(
		{ n8nVersion: platform.n8nVersion, n8nWorkflowVersion: platform.n8nWorkflowVersion, executionMode: platform.executionMode },
		{ n8nVersion: '2.8', n8nWorkflowVersion: '2.8.0', executionMode: null },
	);
	assert.match(String(platform.executionModeNote), /N8N_BLOCK_ENV_ACCESS_IN_NODE=false/);
	assert.match(String(platform.refreshNote), /^n8n 2\.8\. If this n8n runs in queue mode with several workers, upgrade n8n to 2\.30 or later, or run a single worker/);
});

test('regular mode on n8n < 2.30: safe, with the advice for a later move to queue mode', () => {
	const { platform, warning } = platformReport('2.8.0', 'regular', 'pkce');
	assert.equal(warning, undefined);
	assert.equal(platform.executionModeNote, undefined);
	assert.match(String(platform.refreshNote), /one process.*safe.*Before moving to queue mode/);
});

test('an unreadable version: the rule; client credentials: nothing to spend twice', () => {
	const unknown = platformReport(undefined, 'queue', 'pkce');
	assert.equal(unknown.warning, undefined);
	assert.equal(unknown.platform.n8nVersion, null);
	assert.equal(unknown.platform.refreshAcrossWorkers, null);
	assert.match(String(unknown.platform.refreshNote), /^The n8n version is not known\. If this n8n runs in queue mode/);

	const clientCredentials = platformReport('2.8.0', 'queue', 'clientCredentials');
	assert.equal(clientCredentials.warning, undefined);
	assert.equal(clientCredentials.platform.refreshAcrossWorkers, 'not needed');
});
