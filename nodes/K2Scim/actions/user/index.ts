import type { INodeProperties } from 'n8n-workflow';

import { requestsInFlightOptions } from '../common.fields';
import type { ResourceOperations } from '../types';
import * as create from './create.operation';
import * as createOrUpdate from './createOrUpdate.operation';
import * as deactivate from './deactivate.operation';
import * as deleteUser from './delete.operation';
import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as reactivate from './reactivate.operation';
import * as replace from './replace.operation';
import * as sync from './sync.operation';
import * as update from './update.operation';

export const operations: ResourceOperations = {
	create,
	createOrUpdate,
	deactivate,
	delete: deleteUser,
	get,
	getMany,
	reactivate,
	replace,
	sync,
	update,
};

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['user'] } },
		options: [
			{ name: 'Create', value: 'create', description: 'Create a K2 user', action: 'Create a user' },
			{
				name: 'Create or Update',
				value: 'createOrUpdate',
				description: 'Create the user, or update only what differs when it exists',
				action: 'Create or update a user',
			},
			{
				name: 'Deactivate',
				value: 'deactivate',
				description: 'Set the user inactive so they can no longer sign in (offboarding)',
				action: 'Deactivate a user',
			},
			{ name: 'Delete', value: 'delete', description: 'Delete a K2 user', action: 'Delete a user' },
			{ name: 'Get', value: 'get', description: 'Get a K2 user', action: 'Get a user' },
			{ name: 'Get Many', value: 'getMany', description: 'List K2 users, optionally filtered', action: 'Get many users' },
			{ name: 'Reactivate', value: 'reactivate', description: 'Set the user active again', action: 'Reactivate a user' },
			{
				name: 'Replace',
				value: 'replace',
				description: 'Replace the whole user (PUT)',
				action: 'Replace a user',
			},
			{
				name: 'Sync',
				value: 'sync',
				description: 'Make K2 users (and their groups) match the input items, with a dry run',
				action: 'Sync users',
			},
			{ name: 'Update', value: 'update', description: 'Change only the fields given', action: 'Update a user' },
		],
		default: 'create',
	},
	...create.description,
	...createOrUpdate.description,
	...deactivate.description,
	...deleteUser.description,
	...get.description,
	...getMany.description,
	...reactivate.description,
	...replace.description,
	...sync.description,
	...update.description,
	requestsInFlightOptions('user', ['create', 'createOrUpdate', 'deactivate', 'delete', 'get', 'reactivate', 'replace', 'update']),
];
