import './env';
import path from 'node:path';

import { Container } from '@n8n/di';
import { ExecutionLifecycleHooks, PackageDirectoryLoader, PollContext, WorkflowExecute } from 'n8n-core';
// Not re-exported by n8n-core's index; n8n itself stops it on shutdown.
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';
import { createDeferredPromise, createRunExecutionData, Workflow } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	IRun,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { InMemoryCredentialsHelper } from './credentials-store';
import { OAuth2Api } from './oauth2-api.credential';

export const PACKAGE_DIR = path.resolve(__dirname, '../..');
export const NODE_TYPE = 'n8n-nodes-k2-scim.k2Scim';
export const TRIGGER_TYPE = 'n8n-nodes-k2-scim.k2ScimTrigger';
export const CREDENTIAL_TYPE = 'k2ScimOAuth2Api';

/** A start node that emits the items a test gives it, standing in for a trigger. */
class ItemsTrigger implements INodeType {
	description = {
		displayName: 'Test Items',
		name: 'testItems',
		group: ['trigger'],
		version: 1,
		description: 'Emits the items of its "items" parameter',
		defaults: { name: 'Test Items' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
	} as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getNodeParameter('items', 0) as unknown;
		const list = (typeof items === 'string' ? JSON.parse(items) : items) as IDataObject[];
		return [list.map((json) => ({ json }))];
	}
}

export interface Harness {
	nodeTypes: INodeTypes;
	credentials: InMemoryCredentialsHelper;
	/** The package's types as n8n loaded them from package.json's n8n section. */
	loadedNodeTypes: string[];
	loadedCredentialTypes: string[];
}

/** Loads the built package exactly as n8n loads a community package directory. */
export async function createHarness(): Promise<Harness> {
	sshClientsManager(); // built now, so that its exit listener is known (see above)
	const loader = new PackageDirectoryLoader(PACKAGE_DIR);
	await loader.loadAll();
	const nodeTypeMap = new Map<string, INodeType | IVersionedNodeType>();
	for (const [name, { type }] of Object.entries(loader.nodeTypes)) {
		nodeTypeMap.set(`${loader.packageName}.${name}`, type);
	}
	nodeTypeMap.set('harness.testItems', new ItemsTrigger());
	const nodeTypes: INodeTypes = {
		getByName: (type) => nodeTypeMap.get(type)!,
		getByNameAndVersion: (type) => nodeTypeMap.get(type) as INodeType,
		getKnownTypes: () => ({}),
	};
	const credentialTypeMap = new Map<string, ICredentialType>([['oAuth2Api', new OAuth2Api()]]);
	for (const [name, { type }] of Object.entries(loader.credentialTypes)) {
		credentialTypeMap.set(name, type);
	}
	return {
		nodeTypes,
		credentials: new InMemoryCredentialsHelper(credentialTypeMap, nodeTypes),
		loadedNodeTypes: Object.keys(loader.nodeTypes).map((name) => `${loader.packageName}.${name}`),
		loadedCredentialTypes: Object.keys(loader.credentialTypes),
	};
}

export interface RunOptions {
	/** The K2 SCIM node's parameters (resource, operation, fields). */
	parameters: INodeParameters | Record<string, unknown>;
	/** The items the trigger emits into the node; one empty item by default. */
	items?: Array<Record<string, unknown>>;
	credentialId: string;
	continueOnFail?: boolean;
	/** The node version the workflow was saved with; 1 unless given (what older tests were written for). */
	typeVersion?: number;
	/** The workflow's static data, carried from run to run as n8n saves it after production runs. */
	staticData?: IDataObject;
}

export interface RunResult {
	/** The node's output items (json and pairedItem), or undefined when it failed. */
	output?: INodeExecutionData[];
	/** Every output of the node (Sync's Held for Approval is the second), or undefined when it failed. */
	outputs?: INodeExecutionData[][];
	/** The error the node ended with, as n8n records it. */
	error?: Error & { description?: string; httpCode?: string; context?: IDataObject };
	run: IRun;
}

/** Runs trigger -> K2 SCIM through n8n-core's WorkflowExecute, the way n8n runs a workflow. */
export async function runNode(harness: Harness, options: RunOptions): Promise<RunResult> {
	const credentialName = harness.credentials.nameOf(options.credentialId);
	const nodes: INode[] = [
		{
			id: 'trigger',
			name: 'Test Items',
			type: 'harness.testItems',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify(options.items ?? [{}]) },
		},
		{
			id: 'k2',
			name: 'K2 SCIM',
			type: NODE_TYPE,
			typeVersion: options.typeVersion ?? 1,
			position: [200, 0],
			parameters: options.parameters as INodeParameters,
			continueOnFail: options.continueOnFail ?? false,
			credentials: {
				[CREDENTIAL_TYPE]: { id: options.credentialId, name: credentialName },
			},
		},
	];
	const workflow = new Workflow({
		id: 'harness',
		nodes,
		connections: {
			'Test Items': { main: [[{ node: 'K2 SCIM', type: 'main', index: 0 }]] },
		},
		active: false,
		nodeTypes: harness.nodeTypes,
		settings: { executionOrder: 'v1' },
		staticData: options.staticData,
	});

	const hooks = new ExecutionLifecycleHooks('manual', 'harness-execution', {
		id: 'harness',
		name: 'harness',
		active: false,
		nodes,
		connections: workflow.connectionsBySourceNode,
		createdAt: new Date(),
		updatedAt: new Date(),
	} as never);
	const finished = createDeferredPromise<IRun>();
	hooks.addHandler('workflowExecuteAfter', (run) => finished.resolve(run));

	const additionalData = additionalDataFor(harness, hooks);

	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node: workflow.getNode('Test Items')!, data: { main: [[{ json: {} }]] }, source: null },
			],
		},
	});

	const execute = new WorkflowExecute(additionalData, 'manual', runExecutionData);
	await execute.processRunExecutionData(workflow);
	const run = await finished.promise;
	const task = run.data.resultData.runData['K2 SCIM']?.[0];
	return {
		output: task?.data?.main?.[0] ?? undefined,
		outputs: task?.data?.main?.map((items) => items ?? []),
		error: (task?.error ?? run.data.resultData.error) as RunResult['error'],
		run,
	};
}

/** What n8n gives a run besides the workflow: the credentials and URLs (no database, no queue). */
function additionalDataFor(harness: Harness, hooks?: ExecutionLifecycleHooks): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: harness.credentials,
		hooks,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678/',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		variables: {},
		executeWorkflow: async () => {
			throw new Error('not supported in the harness');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('not supported in the harness');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

export interface PollOptions {
	/** The K2 SCIM Trigger's parameters (events, options). */
	parameters: INodeParameters | Record<string, unknown>;
	credentialId: string;
	/** The workflow's static data: pass the same object to every poll, as an active workflow keeps it. */
	staticData: IDataObject;
	/** 'trigger' as an active workflow polls; 'manual' as the editor's "Fetch Test Event". */
	mode?: 'trigger' | 'manual';
}

/** One poll of the K2 SCIM Trigger, the way n8n's ActiveWorkflows calls it (a PollContext, then poll()). */
export async function pollTrigger(harness: Harness, options: PollOptions): Promise<INodeExecutionData[][] | null> {
	const node: INode = {
		id: 'k2-trigger',
		name: 'K2 SCIM Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters as INodeParameters,
		credentials: { [CREDENTIAL_TYPE]: { id: options.credentialId, name: harness.credentials.nameOf(options.credentialId) } },
	};
	const workflow = new Workflow({
		id: 'harness-poll',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: harness.nodeTypes,
		settings: { executionOrder: 'v1' },
		staticData: options.staticData,
	});
	const mode = options.mode ?? 'trigger';
	const context = new PollContext(workflow, workflow.getNode(node.name)!, additionalDataFor(harness), mode, mode === 'manual' ? 'manual' : 'activate');
	const nodeType = harness.nodeTypes.getByNameAndVersion(TRIGGER_TYPE, 1);
	const result = await nodeType.poll!.call(context);
	// n8n's Workflow wraps static data in an observer; hand the plain data back for the next poll.
	Object.assign(options.staticData, JSON.parse(JSON.stringify(workflow.staticData)));
	return result;
}

/**
 * The process 'exit' listeners n8n-core's SSH client manager added when it was built. n8n never removes
 * them; jest's workers run many files in one process, each with its own n8n-core: removed on shutdown.
 */
const sshManagerExitListeners: NodeJS.ExitListener[] = [];

function sshClientsManager(): SSHClientsManager {
	const before = new Set(process.listeners('exit'));
	const manager = Container.get(SSHClientsManager);
	sshManagerExitListeners.push(...process.listeners('exit').filter((listener) => !before.has(listener)));
	return manager;
}

/** Stops what n8n-core starts for a run and n8n stops on shutdown (the SSH tunnel sweeper's interval). */
export function shutdownHarness(): void {
	sshClientsManager().onShutdown();
	for (const listener of sshManagerExitListeners.splice(0)) process.off('exit', listener);
}

/** A K2 credential as n8n stores it after "Connect": the user's fields plus oauthTokenData. */
export function k2Credential(fields: {
	authority: string;
	clientId: string;
	clientSecret?: string;
	scimBaseUrl: string;
	scimToken: string;
	grantType?: 'pkce' | 'clientCredentials';
	scope?: string;
	oauthTokenData?: Record<string, unknown>;
}): ICredentialDataDecryptedObject {
	const data: ICredentialDataDecryptedObject = {
		grantType: fields.grantType ?? 'pkce',
		authority: fields.authority,
		clientId: fields.clientId,
		clientSecret: fields.clientSecret ?? '',
		scimBaseUrl: fields.scimBaseUrl,
		scimToken: fields.scimToken,
	};
	if (fields.scope) data.scope = fields.scope;
	if (fields.oauthTokenData) data.oauthTokenData = fields.oauthTokenData as IDataObject;
	return data;
}
