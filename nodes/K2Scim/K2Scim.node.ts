import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { router } from './actions/router';
import * as connection from './actions/connection';
import * as group from './actions/group';
import * as user from './actions/user';
import { listSearch } from './methods/listSearch';

export class K2Scim implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'K2 SCIM',
		name: 'k2Scim',
		icon: { light: 'file:k2.svg', dark: 'file:k2.dark.svg' },
		group: ['transform'],
		// n8n adds a "Custom API Call" option to the newest version of every node whose credential
		// extends oAuth2Api. It leads to an HTTP Request node, which cannot put the SCIM token into
		// K2's URLs, so users would paste that secret into a URL. n8n skips nodes whose version is
		// not their defaultVersion (injectCustomApiCallOptions in n8n's load-nodes-and-credentials).
		// Version 2: Match On defaults to "External ID, Then Username" (actions/user/fields.ts);
		// workflows saved on version 1 keep matching on Username.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Create, update, deactivate and reconcile K2 Cloud users and groups over SCIM 2.0',
		defaults: { name: 'K2 SCIM' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		// User > Sync with Options > Over the Limit "Hold for Approval" has a second output for the
		// deprovisions held above its limits (n8n appends the error output after it).
		outputs: `={{ $parameter.resource === "user" && $parameter.operation === "sync" && ($parameter.syncOptions || {}).overLimit === "hold" ? [{ type: "${NodeConnectionTypes.Main}", displayName: "Done" }, { type: "${NodeConnectionTypes.Main}", displayName: "Held for Approval" }] : ["${NodeConnectionTypes.Main}"] }}`,
		credentials: [{ name: 'k2ScimOAuth2Api', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Connection', value: 'connection' },
					{ name: 'Group', value: 'group' },
					{ name: 'User', value: 'user' },
				],
				default: 'user',
			},
			...user.description,
			...group.description,
			...connection.description,
		],
	};

	methods = { listSearch };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
