// Workflows the queue-mode e2e test and the queue Sync benchmark build (the example files in
// examples/ are loaded with loadExample, the way `npm start` imports them).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CREDENTIAL_TYPE, NODE_TYPE, ROOT, type WorkflowJson } from './n8n';

type CredentialRef = { id: string; name: string };

/** An example file as `npm start` imports it: every K2 node uses the given credential. */
export function loadExample(file: string, credential: CredentialRef): WorkflowJson {
	const workflow = JSON.parse(readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as WorkflowJson;
	for (const node of workflow.nodes) {
		if (node.type === NODE_TYPE || node.credentials?.[CREDENTIAL_TYPE]) {
			node.credentials = { ...node.credentials, [CREDENTIAL_TYPE]: credential };
		}
	}
	const { id: _id, active: _active, versionId: _v, ...body } = workflow as WorkflowJson & { id?: string; active?: boolean; versionId?: string };
	return body as WorkflowJson;
}

/** Webhook -> K2 SCIM User > Create or Update; answers with the node's output once it finished. */
export function createOrUpdateWebhook(webhookPath: string, credential: CredentialRef): WorkflowJson {
	return {
		name: `e2e webhook ${webhookPath} ${randomUUID().slice(0, 8)}`,
		nodes: [
			{
				name: 'HR Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'lastNode', options: {} },
				webhookId: randomUUID(),
			},
			{
				name: 'K2 SCIM',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [240, 0],
				parameters: {
					resource: 'user',
					operation: 'createOrUpdate',
					matchOn: 'userName',
					userName: '={{ $json.body.userName }}',
					additionalFields: { department: '={{ $json.body.department }}' },
				},
				credentials: { [CREDENTIAL_TYPE]: credential },
			},
		],
		connections: { 'HR Webhook': { main: [[{ node: 'K2 SCIM', type: 'main', index: 0 }]] } },
	};
}

/** Manual trigger -> Code (`users` people named <prefix><i>@example.com) -> K2 SCIM User > Sync, one summary item. */
/** `syncOptions`: more of the Sync's Options (e.g. Requests in Flight), beside deprovision and output. */
export function syncWorkflow(users: number, prefix: string, credential: CredentialRef, syncOptions: Record<string, unknown> = {}): WorkflowJson {
	return {
		name: `e2e sync ${users} ${prefix} ${randomUUID().slice(0, 8)}`,
		nodes: [
			{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				name: 'HR Export',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 0],
				parameters: {
					jsCode: `return Array.from({ length: ${users} }, (_, i) => ({ json: { userName: ${JSON.stringify(prefix)} + i + '@example.com' } }));`,
				},
			},
			{
				name: 'K2 SCIM Sync',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					resource: 'user',
					operation: 'sync',
					matchOn: 'userName',
					userName: '={{ $json.userName }}',
					syncOptions: { deprovision: 'none', output: 'summary', ...syncOptions },
				},
				credentials: { [CREDENTIAL_TYPE]: credential },
			},
		],
		connections: {
			Start: { main: [[{ node: 'HR Export', type: 'main', index: 0 }]] },
			'HR Export': { main: [[{ node: 'K2 SCIM Sync', type: 'main', index: 0 }]] },
		},
	};
}

/** n8n's own start/stop times of an execution (GET /rest/executions/:id), in ms. */
export function executionMs(execution: { startedAt?: string; stoppedAt?: string }): number | undefined {
	if (!execution.startedAt || !execution.stoppedAt) return undefined;
	return Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt);
}
