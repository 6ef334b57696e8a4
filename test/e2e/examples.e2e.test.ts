// End to end: the example workflows in examples/ run in real n8n (2.8.4, or the line K2_E2E_N8N names; the package installed
// as a community package, the credential connected through n8n's own OAuth2 PKCE flow) against
// the K2 sandbox. Each example is created from its file the way `npm start` imports it (every K2
// node pointed at the connected credential); the effect is checked in the sandbox's SCIM data.
// Webhook examples are activated and called on their production URL; schedule examples are run
// like the editor's "Execute workflow" button (POST /rest/workflows/:id/run).
// The package is copied into n8n's nodes folder without node_modules, as n8n's installer leaves it
// (peer dependencies stripped): `n8n-workflow` then resolves to n8n's own copy, whose version
// Connection > Check reports as the n8n line (a symlink would resolve it to this checkout's).
// Prerequisites (npm run test:e2e does them): node scripts/ensure-n8n.mjs && npm run build
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, jest, test } from '@jest/globals';
import { startSandbox, type Sandbox } from '../../sandbox';
import { followAuthorization } from '../support/oidc-login';
import { ScimClient } from '../support/scim-client';
import { CREDENTIAL_TYPE, N8N_UNDER_TEST, N8n, NODE_TYPE, ROOT, TEST_POLL, freePort, sandboxCredentialData, waitFor, type WorkflowJson } from './support/n8n';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const DAY_MS = 86_400_000;

/** An example file as `npm start` imports it: every K2 node uses the given credential. */
function loadExample(file: string, credential: { id: string; name: string }): WorkflowJson {
	const workflow = JSON.parse(readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as WorkflowJson;
	for (const node of workflow.nodes) {
		if (node.type === NODE_TYPE || node.credentials?.[CREDENTIAL_TYPE]) {
			node.credentials = { ...node.credentials, [CREDENTIAL_TYPE]: credential };
		}
	}
	return workflow;
}

jest.setTimeout(600_000 + 3 * TEST_POLL.periodMs);

describe(`the example workflows in real ${N8N_UNDER_TEST.label} against the K2 sandbox`, () => {
	let sandbox: Sandbox;
	let n8n: N8n;
	let credential: { id: string; name: string };
	let connectedAt: number;
	/** A fresh client per check: its cached client-credentials token may have expired. */
	const scim = () => new ScimClient(sandbox);

	async function userByName(userName: string): Promise<any | undefined> {
		return scim().findUser(userName);
	}

	async function groupById(id: string): Promise<any> {
		const { status, body } = await scim().request('GET', `/Groups/${encodeURIComponent(id)}`);
		assert.equal(status, 200, JSON.stringify(body));
		return body;
	}

	/** POST to an active webhook example; returns the response and the execution it started. */
	async function callExample(workflowId: string, webhookPath: string, body: unknown) {
		const seen = new Set((await n8n.listExecutions(workflowId)).map((e) => String(e.id)));
		const response = await n8n.callWebhook(webhookPath, body);
		const execution = await n8n.waitForExecution(workflowId, seen);
		return { response, execution };
	}

	/** Run a saved workflow manually (the editor's "Execute workflow"), optionally changed first. */
	async function runExample(workflowId: string, trigger: string, change?: (wf: WorkflowJson) => void) {
		const workflowData = await n8n.getWorkflow(workflowId);
		change?.(workflowData);
		const executionId = await n8n.runManually(workflowData, trigger);
		return n8n.waitForExecutionId(executionId, 90_000);
	}

	beforeAll(async () => {
		const port = await freePort();
		sandbox = await startSandbox({ quiet: true, redirectUris: [`http://127.0.0.1:${port}/rest/oauth2-credential/callback`] });
		n8n = await N8n.start({ port, install: 'copy', secrets: [sandbox.scimToken] });
		await n8n.setupOwner();
		credential = await n8n.createCredential('K2 SCIM account', CREDENTIAL_TYPE, sandboxCredentialData(sandbox));
		connectedAt = Date.now();
		await n8n.connectOAuth2(credential.id, (url, redirectUri) => followAuthorization(url, redirectUri));
	});

	afterAll(async () => {
		await n8n?.stop();
		await sandbox?.stop();
	});

	test('every example file is a workflow n8n accepts, with a sticky note and K2 nodes on the placeholder credential', async () => {
		// A versioned node type is listed once per implementation (e.g. Set v1-2 and v3.x).
		const nodeTypes = new Map<string, number[]>();
		for (const t of await n8n.nodeTypes()) nodeTypes.set(t.name, [...(nodeTypes.get(t.name) ?? []), ...([] as number[]).concat(t.version)]);
		for (const file of [
			'01-hr-webhook-create-or-update.json',
			'02-nightly-hr-sync.json',
			'03-offboarding-webhook.json',
			'04-daily-connection-check.json',
			'05-k2-change-alerts.json',
		]) {
			const raw = JSON.parse(readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as WorkflowJson;
			assert.deepEqual(raw.settings, { executionOrder: 'v1' }, file);
			assert.equal(new Set(raw.nodes.map((n) => n.id)).size, raw.nodes.length, `${file}: node ids are unique`);
			assert.ok(raw.nodes.some((n) => n.type === 'n8n-nodes-base.stickyNote' && String(n.parameters.content).length > 200), `${file}: sticky note`);
			for (const node of raw.nodes) {
				assert.ok(nodeTypes.get(node.type)?.includes(node.typeVersion), `${file}: ${node.type} v${node.typeVersion} exists in this n8n`);
				if (node.type === NODE_TYPE) assert.deepEqual(node.credentials, { [CREDENTIAL_TYPE]: { id: 'REPLACE_ME', name: 'K2 SCIM account' } }, `${file}: ${node.name}`);
			}
			for (const [from, outputs] of Object.entries(raw.connections)) {
				assert.ok(raw.nodes.some((n) => n.name === from), `${file}: connection from unknown node ${from}`);
				for (const output of (outputs as any).main) for (const link of output) assert.ok(raw.nodes.some((n) => n.name === link.node), `${file}: connection to unknown node ${link.node}`);
			}
		}
	});

	test('#1 HR webhook: creates the K2 user, answers with its ID; the same call again changes nothing', async () => {
		const wf = await n8n.createWorkflow(loadExample('01-hr-webhook-create-or-update.json', credential));
		await n8n.activateWorkflow(wf.id, wf.versionId);
		try {
			const person = {
				userName: 'jane.doe@example.com',
				email: 'jane.doe@example.com',
				givenName: 'Jane',
				familyName: 'Doe',
				externalId: 'E1234',
				department: 'Finance',
			};
			const first = await callExample(wf.id, 'k2/hr-user', person);
			assert.equal(first.execution.status, 'success', N8n.executionError(first.execution));
			assert.equal(first.response.status, 200, first.response.text);
			assert.deepEqual(Object.keys(first.response.body).sort(), ['action', 'id', 'userName']);
			assert.equal(first.response.body.action, 'created');
			assert.equal(first.response.body.userName, person.userName);

			const user = await userByName(person.userName);
			assert.ok(user, 'the user exists in K2');
			assert.equal(first.response.body.id, user.id, 'the webhook answers with the K2 user ID');
			assert.equal(user.active, true);
			assert.equal(user.externalId, person.externalId);
			assert.equal(user.name?.givenName, person.givenName);
			assert.equal(user.name?.familyName, person.familyName);
			assert.deepEqual(user.emails?.map((e: any) => e.value), [person.email]);
			assert.equal(user[ENTERPRISE]?.department, person.department);

			const again = await callExample(wf.id, 'k2/hr-user', person);
			assert.equal(again.execution.status, 'success', N8n.executionError(again.execution));
			assert.deepEqual(again.response.body, { id: user.id, userName: person.userName, action: 'unchanged' });

			const moved = await callExample(wf.id, 'k2/hr-user', { ...person, department: 'Treasury' });
			assert.deepEqual(moved.response.body, { id: user.id, userName: person.userName, action: 'updated' });
			assert.equal((await userByName(person.userName))[ENTERPRISE]?.department, 'Treasury');
		} finally {
			await n8n.deactivateWorkflow(wf.id);
		}
	});

	test('#1 HR webhook: a failed K2 write answers 422 (fix the data) or 502 (K2 unavailable) with the error, never 200', async () => {
		const wf = await n8n.createWorkflow(loadExample('01-hr-webhook-create-or-update.json', credential));
		await n8n.activateWorkflow(wf.id, wf.versionId);
		try {
			// Data K2 cannot take (checked before any request): 422 with the node's message and what to fix.
			const invalid = await callExample(wf.id, 'k2/hr-user', { userName: 'bad.email@example.com', email: 'not-an-email', givenName: 'Bad' });
			assert.equal(invalid.response.status, 422, invalid.response.text);
			assert.match(String(invalid.response.body.error), /not-an-email.*not a valid email/, invalid.response.text);
			assert.match(String(invalid.response.body.description), /Fix the field/, invalid.response.text);
			assert.equal(invalid.response.body.userName, 'bad.email@example.com');
			assert.equal(await userByName('bad.email@example.com'), undefined, 'no user was created');

			// K2 unavailable (503 on every SCIM request, retried, then given up): 502, so the HR system retries later.
			sandbox.setFaults({ rate: 1, kinds: ['503'], retryAfterSeconds: 0 });
			let down;
			try {
				down = await callExample(wf.id, 'k2/hr-user', { userName: 'k2.down@example.com', email: 'k2.down@example.com' });
			} finally {
				sandbox.setFaults({ rate: 0 });
			}
			assert.equal(down.response.status, 502, down.response.text);
			assert.match(String(down.response.body.error), /\S/, down.response.text);
			assert.equal(down.response.body.userName, 'k2.down@example.com');
			assert.equal(await userByName('k2.down@example.com'), undefined);

			// And K2 back: 200 with the new user's ID.
			const ok = await callExample(wf.id, 'k2/hr-user', { userName: 'k2.down@example.com', email: 'k2.down@example.com' });
			assert.equal(ok.response.status, 200, ok.response.text);
			assert.equal(ok.response.body.action, 'created');
		} finally {
			await n8n.deactivateWorkflow(wf.id);
		}
	});

	test('#2 nightly HR sync: dry run writes nothing; dry run off creates the users and groups; the summary counts match; leavers over 20% wait for approval, then only those still missing are deactivated', async () => {
		// The example deactivates K2 users with an External ID that its export lacks: start from an
		// empty K2, not from the users the other examples' tests made.
		await sandbox.reset();
		const wf = await n8n.createWorkflow(loadExample('02-nightly-hr-sync.json', credential));
		const userNames = ['ada.lovelace@example.com', 'grace.hopper@example.com', 'alan.turing@example.com', 'katherine.johnson@example.com'];
		const usersBefore = (await scim().listUsers()).length;
		const setDryRun = (value: boolean) => (workflow: WorkflowJson) => {
			const settings = workflow.nodes.find((n) => n.name === 'Settings')!;
			const assignment = (settings.parameters as any).assignments.assignments.find((a: any) => a.name === 'dryRun');
			assignment.value = value;
		};

		// As shipped: Dry Run on.
		const dry = await runExample(wf.id, 'Every Night at 02:00');
		assert.equal(dry.status, 'success', N8n.executionError(dry));
		const [drySummary] = N8n.nodeOutput(dry, 'Summary');
		assert.equal(drySummary.dryRun, true);
		assert.equal(drySummary.users, 4);
		assert.equal(drySummary.created, 4, JSON.stringify(drySummary));
		assert.equal(drySummary.failed, 0, JSON.stringify(drySummary.errors));
		assert.match(drySummary.message, /^K2 Sync \(Dry Run: nothing was written to K2\): 4 users in the input: 4 to create\.\nTo create: ada\.lovelace@example\.com, /);
		assert.equal((await scim().listUsers()).length, usersBefore, 'the dry run created no user');
		for (const name of userNames) assert.equal(await userByName(name), undefined, name);

		// Dry Run off.
		const real = await runExample(wf.id, 'Every Night at 02:00', setDryRun(false));
		assert.equal(real.status, 'success', N8n.executionError(real));
		const [summary] = N8n.nodeOutput(real, 'Summary');
		assert.equal(summary.dryRun, false);
		assert.equal(summary.created, 4, JSON.stringify(summary));
		assert.equal(summary.updated, 0);
		assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
		assert.match(summary.message, /^K2 Sync: 4 users in the input: 4 created\.\nCreated: ada\.lovelace@example\.com, .*\nGroups created: /s);
		assert.equal((await scim().listUsers()).length, usersBefore + 4);
		const grace = await userByName('grace.hopper@example.com');
		assert.equal(grace.externalId, 'E1002');
		assert.equal(grace.title, 'Engineering Manager');
		assert.equal(grace[ENTERPRISE]?.department, 'Engineering');
		assert.deepEqual(grace.groups?.map((g: any) => g.display).sort(), ['Engineering', 'Managers']);
		// Manager by username: grace is created in the same run, after ada names her (Sync's second pass).
		assert.equal((await userByName('ada.lovelace@example.com'))[ENTERPRISE]?.manager?.value, grace.id);
		assert.equal((await userByName('alan.turing@example.com'))[ENTERPRISE]?.manager?.value, grace.id);
		assert.equal(grace[ENTERPRISE]?.manager, undefined);
		const { body: groups } = await scim().request('GET', '/Groups?count=100');
		const wanted = ['Approvers', 'Engineering', 'Finance', 'Managers', 'Research'];
		const members = Object.fromEntries(
			groups.Resources.filter((g: any) => wanted.includes(g.displayName)).map((g: any) => [g.displayName, (g.members ?? []).length]),
		);
		assert.deepEqual(members, { Approvers: 2, Engineering: 2, Finance: 1, Managers: 1, Research: 1 });
		assert.equal(summary.counts['group:created'], 5, JSON.stringify(summary.counts));

		// Again: K2 already matches the export.
		const third = await runExample(wf.id, 'Every Night at 02:00', setDryRun(false));
		assert.equal(third.status, 'success', N8n.executionError(third));
		const [unchanged] = N8n.nodeOutput(third, 'Summary');
		assert.equal(unchanged.unchanged, 4, JSON.stringify(unchanged));
		assert.equal(unchanged.created + unchanged.updated + unchanged.groupChanges, 0, JSON.stringify(unchanged));

		// Three people left HR at once: more than 20% of the K2 users with an External ID. Nothing is
		// deactivated; they leave Sync by Held for Approval and the execution waits for the approval.
		const leavers = ['left.one@example.com', 'left.two@example.com', 'left.three@example.com'];
		for (const [i, name] of leavers.entries()) await scim().createUser(name, { externalId: `E900${i}` });
		const workflowData = await n8n.getWorkflow(wf.id);
		setDryRun(false)(workflowData);
		const executionId = await n8n.runManually(workflowData, 'Every Night at 02:00');
		const waiting = await waitFor('the execution to wait for approval', 90_000, async () => {
			const execution = await n8n.getExecution(executionId);
			if (!['new', 'running', 'waiting'].includes(execution.status)) throw new Error(`execution ended ${execution.status}: ${N8n.executionError(execution)}`);
			// n8n 1.123 can show the status before the run data of the wait is saved.
			return execution.status === 'waiting' && execution.data?.resultData?.runData?.['Wait for Approval'] ? execution : undefined;
		});
		const held = (waiting.data.resultData.runData['Sync K2 Users'][0].data.main[1] ?? []).map((item: any) => item.json);
		assert.deepEqual(held.map((json: any) => [json.userName, json.action, json.deprovision]).sort(), leavers.map((name) => [name, 'held', 'deactivate']).sort());
		assert.match(held[0].reason, /^Held for approval: 3 K2 users would be deactivated, [\d.]+% of the \d+ users it could deprovision, more than the limit of 20% \(Max Deprovisions \(%\)\)$/);
		const [heldSummary] = N8n.nodeOutput(waiting, 'Summary');
		assert.match(heldSummary.message, /3 held for approval, nothing written for them/);
		for (const name of leavers) assert.equal((await userByName(name)).active, true, `${name} is not deactivated before the approval`);

		// While the approval waits, one held account is re-keyed in K2 (another person's now): the
		// approval names the person as held, so that account must not be deactivated.
		const rekeyed = leavers[2];
		const { id: rekeyedId } = await userByName(rekeyed);
		await scim().request('PATCH', `/Users/${rekeyedId}`, {
			schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
			Operations: [{ op: 'replace', path: 'externalId', value: 'E9002-rehired' }],
		});

		// The approval link as Approval Request sends it (n8n 2.41 adds a resume token to it).
		const [request] = N8n.nodeOutput(waiting, 'Approval Request');
		assert.equal(request.held, 3);
		assert.match(request.message, /left\.one@example\.com \(deactivate\)/);
		const approveUrl = new URL(request.approveUrl);
		assert.match(approveUrl.pathname, new RegExp(`/webhook-waiting/${executionId}$`));
		const resume = await fetch(`${n8n.baseUrl}${approveUrl.pathname}${approveUrl.search}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ approved: true }),
		});
		assert.ok(resume.status < 300, `resume: ${resume.status} ${await resume.text()}`);
		const approved = await n8n.waitForExecutionId(executionId, 90_000);
		assert.equal(approved.status, 'success', N8n.executionError(approved));
		const [applied] = N8n.nodeOutput(approved, 'Apply Approved Deprovisions');
		assert.equal(applied.counts['deprovision:deactivated'], 2, JSON.stringify(applied));
		assert.equal(applied.counts['deprovision:notDeprovisioned'], 1, JSON.stringify(applied));
		// Re-keyed, it is a user missing from the export that nobody approved: held again, not deactivated.
		assert.match(applied.report, /1 held for approval, nothing written for them/);
		assert.match(applied.report, /1 approved deprovision not applied: left\.three@example\.com \(its externalId changed in K2 since it was held/);
		assert.deepEqual(await Promise.all(leavers.map(async (name) => (await userByName(name)).active)), [false, false, true]);
	});

	test('#3 offboarding webhook: deactivates the user and removes it from both its groups', async () => {
		const leaver = await scim().createUser('leaver@example.com', { name: { givenName: 'Lee', familyName: 'Ver' } });
		const stayer = await scim().createUser('stayer@example.com');
		const sales = await scim().createGroup('Sales EMEA', [leaver.id, stayer.id]);
		const approvers = await scim().createGroup('Expense Approvers', [leaver.id]);
		const loner = await scim().createUser('no-groups@example.com');
		const wf = await n8n.createWorkflow(loadExample('03-offboarding-webhook.json', credential));
		await n8n.activateWorkflow(wf.id, wf.versionId);
		try {
			const { response, execution } = await callExample(wf.id, 'k2/offboard', { userName: 'leaver@example.com' });
			assert.equal(execution.status, 'success', N8n.executionError(execution));
			assert.equal(response.status, 200, response.text);
			assert.equal(response.body.id, leaver.id);
			assert.equal(response.body.active, false);
			assert.deepEqual([...response.body.removedFromGroups].sort(), ['Expense Approvers', 'Sales EMEA']);

			const user = await userByName('leaver@example.com');
			assert.equal(user.active, false, 'the user is inactive in K2');
			assert.deepEqual(user.groups ?? [], [], 'the user is in no group');
			assert.deepEqual((await groupById(sales.id)).members?.map((m: any) => m.value), [stayer.id], 'the other member stays');
			assert.deepEqual((await groupById(approvers.id)).members ?? [], []);
			assert.equal((await userByName('stayer@example.com')).active, true);

			// A user in no group: deactivated, nothing else to do.
			const single = await callExample(wf.id, 'k2/offboard', { userName: 'no-groups@example.com' });
			assert.equal(single.execution.status, 'success', N8n.executionError(single.execution));
			assert.deepEqual(single.response.body, { userName: 'no-groups@example.com', id: loner.id, active: false, removedFromGroups: [] });
			assert.equal((await userByName('no-groups@example.com')).active, false);

			// An unknown userName: 404, nothing changed.
			const unknown = await callExample(wf.id, 'k2/offboard', { userName: 'nobody@example.com' });
			assert.equal(unknown.response.status, 404, unknown.response.text);
			assert.match(String(unknown.response.body.error), /nobody@example\.com/);
			assert.ok(!N8n.executedNodes(unknown.execution).includes('Deactivate User'));
		} finally {
			await n8n.deactivateWorkflow(wf.id);
		}
	});

	test('#3 offboarding webhook: a failed K2 write answers 502 with the node\'s error, never 200; the same call after K2 recovers finishes the job', async () => {
		const leaver = await scim().createUser('failing.leaver@example.com');
		const group = await scim().createGroup('Offboarding Faults', [leaver.id]);
		const wf = await n8n.createWorkflow(loadExample('03-offboarding-webhook.json', credential));
		await n8n.activateWorkflow(wf.id, wf.versionId);
		const withFaults = async (only: string[] | undefined, body: unknown) => {
			sandbox.setFaults({ rate: 1, kinds: ['503'], retryAfterSeconds: 0, only });
			try {
				return await callExample(wf.id, 'k2/offboard', body);
			} finally {
				sandbox.setFaults({ rate: 0 });
			}
		};
		try {
			// The deactivate PATCH fails for good (K2 answers 503, retried, then given up): 502 with the
			// node's error; the user stays active and in its group (no removal was tried).
			const deactivate = await withFaults(['PATCH /Users/:id'], { userName: 'failing.leaver@example.com' });
			assert.equal(deactivate.response.status, 502, deactivate.response.text);
			assert.match(String(deactivate.response.body.error), /\S/, deactivate.response.text);
			assert.equal(deactivate.response.body.userName, 'failing.leaver@example.com');
			assert.equal(deactivate.response.body.id, leaver.id);
			assert.ok(!N8n.executedNodes(deactivate.execution).includes('Remove from Group'), N8n.executedNodes(deactivate.execution).join(', '));
			assert.equal((await userByName('failing.leaver@example.com')).active, true);
			assert.deepEqual((await groupById(group.id)).members?.map((m: any) => m.value), [leaver.id]);

			// The group removal fails for good: 502 naming the group; the user is deactivated by then.
			const removal = await withFaults(['PATCH /Groups/:id'], { userName: 'failing.leaver@example.com' });
			assert.equal(removal.response.status, 502, removal.response.text);
			assert.match(String(removal.response.body.error), /\S/, removal.response.text);
			assert.equal(removal.response.body.group, 'Offboarding Faults', removal.response.text);
			assert.equal((await userByName('failing.leaver@example.com')).active, false);
			assert.deepEqual((await groupById(group.id)).members?.map((m: any) => m.value), [leaver.id]);

			// K2 down altogether: the lookup fails, 502 with its error, nothing changed.
			const down = await withFaults(undefined, { userName: 'failing.leaver@example.com' });
			assert.equal(down.response.status, 502, down.response.text);
			assert.match(String(down.response.body.error), /\S/, down.response.text);
			assert.equal(down.response.body.userName, 'failing.leaver@example.com');
			assert.ok(!N8n.executedNodes(down.execution).includes('Deactivate User'));

			// K2 back: the same call finishes the job, 200.
			const ok = await callExample(wf.id, 'k2/offboard', { userName: 'failing.leaver@example.com' });
			assert.equal(ok.response.status, 200, ok.response.text);
			assert.deepEqual(ok.response.body, { userName: 'failing.leaver@example.com', id: leaver.id, active: false, removedFromGroups: ['Offboarding Faults'] });
			assert.deepEqual((await groupById(group.id)).members ?? [], []);
		} finally {
			await n8n.deactivateWorkflow(wf.id);
		}
	});

	// Where polls are a minute apart (n8n 2.41 refuses faster ones), test/e2e/trigger.e2e.test.ts
	// covers the trigger; this example's own logic runs on the lines that poll every 5 s.
	const pollsSlowly = TEST_POLL.periodMs >= 60_000;
	(pollsSlowly ? test.skip : test)('#5 change alerts: a change made outside the sync gives a report; a change to an HR-provisioned user is filtered out', async () => {
		const workflow = loadExample('05-k2-change-alerts.json', credential);
		// As shipped it polls every 5 minutes; the test polls every 5 seconds (n8n takes a list of
		// seconds, not '*/5'), or every minute on n8n 2.41, which refuses shorter poll intervals.
		const trigger = workflow.nodes.find((n) => n.name === 'K2 Changes')!;
		trigger.parameters.pollTimes = { item: [{ mode: 'custom', cronExpression: TEST_POLL.cronExpression }] };
		const executionWithinMs = TEST_POLL.periodMs + 30_000;
		const wf = await n8n.createWorkflow(workflow);
		await n8n.activateWorkflow(wf.id, wf.versionId);
		try {
			const seen = new Set((await n8n.listExecutions(wf.id)).map((e) => String(e.id)));
			const walkIn = await scim().createUser('walk.in@example.com', { name: { givenName: 'Walk', familyName: 'In' } });
			await scim().createUser('hr.person@example.com', { externalId: 'E9001' });
			// Both creations, in one poll or (rarely) two: every execution since activation, read together.
			const executions = await waitFor('executions with both new users', executionWithinMs, async () => {
				const finished = (await n8n.listExecutions(wf.id)).filter((e) => !seen.has(String(e.id)) && !['running', 'new', 'waiting'].includes(e.status));
				const all = await Promise.all(finished.map((e) => n8n.getExecution(String(e.id))));
				return all.flatMap((e) => N8n.nodeOutput(e, 'K2 Changes')).length >= 2 ? all : undefined;
			}, 1_000);
			for (const execution of executions) {
				seen.add(String(execution.id));
				assert.equal(execution.status, 'success', N8n.executionError(execution));
			}
			const events = executions.flatMap((e) => N8n.nodeOutput(e, 'K2 Changes')).map((e) => `${e.event} ${e.userName}`).sort();
			assert.deepEqual(events, ['userCreated hr.person@example.com', 'userCreated walk.in@example.com']);
			const reports = executions.flatMap((e) => N8n.nodeOutput(e, 'Build Report'));
			assert.equal(reports.length, 1, 'the HR-provisioned user was filtered out');
			const [created] = reports;
			assert.equal(created.subject, 'New K2 user: walk.in@example.com');
			assert.equal(created.k2Id, walkIn.id);
			assert.match(created.message, new RegExp(`^New K2 user: walk\\.in@example\\.com \\(K2 ID ${walkIn.id}\\), seen \\d{4}-`));

			const { status } = await scim().request('PATCH', `/Users/${walkIn.id}`, {
				schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
				Operations: [{ op: 'replace', path: 'title', value: 'Contractor' }],
			});
			assert.equal(status, 200);
			const second = await n8n.waitForExecution(wf.id, seen, executionWithinMs);
			assert.equal(second.status, 'success', N8n.executionError(second));
			const [changed] = N8n.nodeOutput(second, 'Build Report');
			assert.equal(changed.subject, 'K2 user changed: walk.in@example.com');
			assert.match(changed.message, /\ntitle: \(empty\) -> Contractor$/);
		} finally {
			await n8n.deactivateWorkflow(wf.id);
		}
	});

	test('#4 daily connection check: reconnect by 30 days after sign-in, no warning; 7 days left takes the warning branch', async () => {
		const wf = await n8n.createWorkflow(loadExample('04-daily-connection-check.json', credential));
		const execution = await runExample(wf.id, 'Every Morning at 07:00');
		assert.equal(execution.status, 'success', N8n.executionError(execution));
		const [check] = N8n.nodeOutput(execution, 'Check Connection');
		assert.equal(check.ok, true);
		const signedInAt = Date.parse(check.signedInAt);
		const reconnectBy = Date.parse(check.reconnectBy);
		// auth_time has second precision; the sign-in happened in beforeAll().
		assert.ok(Math.abs(signedInAt - connectedAt) < 120_000, `signedInAt ${check.signedInAt}, connected at ${new Date(connectedAt).toISOString()}`);
		assert.equal(reconnectBy - signedInAt, 30 * DAY_MS, `reconnectBy ${check.reconnectBy}`);
		assert.ok(check.daysUntilReconnect === 29 || check.daysUntilReconnect === 30, `daysUntilReconnect ${check.daysUntilReconnect}`);
		assert.equal(check.refreshTokenAgeDays, 0);
		// The n8n line the Check reports is the running n8n's (1.x lines only as "1.x").
		const line = N8N_UNDER_TEST.major < 2 ? `${N8N_UNDER_TEST.major}.x` : `${N8N_UNDER_TEST.major}.${N8N_UNDER_TEST.minor}`;
		assert.equal(check.platform.n8nVersion, line, `${N8N_UNDER_TEST.label}: ${JSON.stringify(check.platform)}`);
		// n8n 2.x blocks the environment in nodes by default (the mode is then unknown); 1.x does not,
		// and this n8n runs in regular mode.
		assert.equal(check.platform.executionMode, N8N_UNDER_TEST.major < 2 ? 'regular' : null, `${N8N_UNDER_TEST.label}: ${JSON.stringify(check.platform)}`);
		const ran = N8n.executedNodes(execution);
		assert.ok(ran.includes('No Warning Needed'), `ran: ${ran.join(', ')}`);
		assert.ok(!ran.includes('Send Warning'), `ran: ${ran.join(', ')}`);

		// The IF in real n8n, with the check's output pinned to 5 days left: the warning branch.
		const pinnedReconnectBy = new Date(Date.now() + 5 * DAY_MS + 3_600_000).toISOString();
		const warned = await runExample(wf.id, 'Every Morning at 07:00', (workflow) => {
			workflow.pinData = { 'Check Connection': [{ json: { ...check, reconnectBy: pinnedReconnectBy, daysUntilReconnect: 5 } }] };
		});
		assert.equal(warned.status, 'success', N8n.executionError(warned));
		const [warning] = N8n.nodeOutput(warned, 'Send Warning');
		assert.ok(warning, `ran: ${N8n.executedNodes(warned).join(', ')}`);
		assert.match(warning.subject, /5 day/);
		assert.match(warning.message, /Reconnect/);
		assert.ok(String(warning.message).includes(pinnedReconnectBy));
		assert.ok(!N8n.executedNodes(warned).includes('No Warning Needed'));
	});
});
