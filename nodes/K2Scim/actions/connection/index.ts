import type { INodeProperties } from 'n8n-workflow';

import type { ResourceOperations } from '../types';
import * as check from './check.operation';

export const operations: ResourceOperations = { check };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['connection'] } },
		options: [
			{
				name: 'Check',
				value: 'check',
				description:
					'Check that K2 accepts the credential, get the server capabilities and the date by which to sign in again',
				action: 'Check the connection to K2',
			},
		],
		default: 'check',
	},
	...check.description,
];
