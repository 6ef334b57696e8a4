// End to end: the K2 SCIM Trigger polling in real n8n (2.8.4, or the line K2_E2E_N8N names; the
// package installed as a community package, the credential connected through n8n's own OAuth2 PKCE
// flow) against the K2 sandbox. The workflow is activated with a custom cron every 5 seconds (n8n
// refuses a '*' in the seconds field, not a list of seconds), or every minute on n8n 2.41 (which
// refuses more often than that: see pollSchedule in support/n8n-version.ts); a user is changed in
// the sandbox and an execution with the event is expected. Then a K2 SCIM node in another workflow writes (in the
// same n8n process, regular mode) and a person writes: only the person's change starts the trigger.
// Prerequisites (npm run test:e2e does them): node scripts/ensure-n8n.mjs && npm run build
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, jest, test } from '@jest/globals';

import { startSandbox, type Sandbox } from '../../sandbox';
import { followAuthorization } from '../support/oidc-login';
import { ScimClient } from '../support/scim-client';
import { CREDENTIAL_TYPE, N8N_UNDER_TEST, N8n, NODE_TYPE, PACKAGE_NAME, TEST_POLL, freePort, pollsPassed, sandboxCredentialData } from './support/n8n';

const TRIGGER_TYPE = `${PACKAGE_NAME}.k2ScimTrigger`;
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** How long a poll's execution may take to show: the rest of a poll period and the run. */
const EXECUTION_WITHIN_MS = TEST_POLL.periodMs + 30_000;

jest.setTimeout(300_000 + 4 * TEST_POLL.periodMs);

describe(`K2 SCIM Trigger polling in real ${N8N_UNDER_TEST.label} against the K2 sandbox`, () => {
	let sandbox: Sandbox;
	let n8n: N8n;
	let credential: { id: string; name: string };
	const scim = () => new ScimClient(sandbox);

	const setTitle = async (id: string, title: string) => {
		const { status, body } = await scim().request('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: title }] });
		assert.equal(status, 200, JSON.stringify(body));
	};

	beforeAll(async () => {
		const port = await freePort();
		sandbox = await startSandbox({ quiet: true, redirectUris: [`http://127.0.0.1:${port}/rest/oauth2-credential/callback`] });
		n8n = await N8n.start({ port, secrets: [sandbox.scimToken] });
		await n8n.setupOwner();
		credential = await n8n.createCredential('K2 SCIM account', CREDENTIAL_TYPE, sandboxCredentialData(sandbox));
		await n8n.connectOAuth2(credential.id, (url, redirectUri) => followAuthorization(url, redirectUri));
	});

	afterAll(async () => {
		await n8n?.stop();
		await sandbox?.stop();
	});

	test('activated: the baseline at activation, then an execution per poll with changes, carrying the event; the package\'s own write is left out', async () => {
		const ada = await scim().createUser('ada@trigger.e2e', { title: 'Analyst' });
		const bob = await scim().createUser('bob@trigger.e2e', { title: 'Clerk' });
		const wf = await n8n.createWorkflow({
			name: 'K2 changes',
			nodes: [
				{
					name: 'K2 SCIM Trigger',
					type: TRIGGER_TYPE,
					typeVersion: 1,
					position: [0, 0],
					parameters: {
						pollTimes: { item: [{ mode: 'custom', cronExpression: TEST_POLL.cronExpression }] },
						events: ['userCreated', 'userChanged', 'userDeactivated', 'userReactivated', 'userDeleted'],
						options: { ignoreOwnChangesMinutes: 5 },
					},
					credentials: { [CREDENTIAL_TYPE]: credential },
				},
			],
			connections: {},
		});
		await n8n.activateWorkflow(wf.id, wf.versionId);
		try {
			// Scheduled polls with nothing changed: no execution (the poll at activation was the baseline).
			// Where polls are a minute apart (n8n 2.41), the count at the end shows it instead of a wait.
			const slow = TEST_POLL.periodMs >= 60_000;
			if (!slow) {
				await pollsPassed(2);
				assert.deepEqual(await n8n.listExecutions(wf.id), [], 'no execution without a change');
			}

			await setTitle(ada.id, 'Manager');
			const first = await n8n.waitForExecution(wf.id, new Set(), EXECUTION_WITHIN_MS);
			assert.equal(first.status, 'success', N8n.executionError(first));
			const events = N8n.nodeOutput(first, 'K2 SCIM Trigger');
			assert.deepEqual(events.map((e) => `${e.event} ${e.userName}`), ['userChanged ada@trigger.e2e']);
			assert.deepEqual(events[0].changes, { title: { from: 'Analyst', to: 'Manager' } });
			const seen = new Set((await n8n.listExecutions(wf.id)).map((e) => String(e.id)));

			// The K2 SCIM node writes (another workflow, run like the editor's Execute workflow), then a person.
			const writer = await n8n.createWorkflow({
				name: 'K2 write',
				nodes: [
					{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
					{
						name: 'Update User',
						type: NODE_TYPE,
						typeVersion: 2,
						position: [220, 0],
						parameters: { resource: 'user', operation: 'update', user: { __rl: true, mode: 'id', value: bob.id }, updateFields: { title: 'Lead' } },
						credentials: { [CREDENTIAL_TYPE]: credential },
					},
				],
				connections: { Start: { main: [[{ node: 'Update User', type: 'main', index: 0 }]] } },
			});
			const wrote = await n8n.waitForExecutionId(await n8n.runManually(await n8n.getWorkflow(writer.id), 'Start'), 60_000);
			assert.equal(wrote.status, 'success', N8n.executionError(wrote));
			assert.equal((await scim().findUser('bob@trigger.e2e')).title, 'Lead');
			// At least one poll sees the node's write alone (a minute apart: the same poll sees both).
			if (!slow) await pollsPassed(1);
			await setTitle(ada.id, 'Director');

			const next = await n8n.waitForExecution(wf.id, seen, EXECUTION_WITHIN_MS);
			assert.equal(next.status, 'success', N8n.executionError(next));
			assert.deepEqual(N8n.nodeOutput(next, 'K2 SCIM Trigger').map((e) => `${e.event} ${e.userName}`), ['userChanged ada@trigger.e2e']);
			const all = await Promise.all((await n8n.listExecutions(wf.id)).map((e) => n8n.getExecution(String(e.id))));
			const reported = all.flatMap((e) => N8n.nodeOutput(e, 'K2 SCIM Trigger')).map((e) => e.userName);
			assert.ok(!reported.includes('bob@trigger.e2e'), `the K2 SCIM node's own write was not reported: ${reported.join(', ')}`);
			assert.equal(all.length, 2, 'an execution only for the polls that saw a change by someone else');
		} finally {
			await n8n.deactivateWorkflow(wf.id);
		}
	});
});
