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
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Create, update, deactivate and reconcile K2 Cloud users and groups over SCIM 2.0',
		defaults: { name: 'K2 SCIM' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
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
