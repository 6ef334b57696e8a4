import type { INodeProperties } from 'n8n-workflow';

import type { ResourceOperations } from '../types';
import * as getMany from './getMany.operation';

export const operations: ResourceOperations = { getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['user'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List K2 users, optionally filtered',
				action: 'Get many users',
			},
		],
		default: 'getMany',
	},
	...getMany.description,
];
