import type { INodeProperties } from 'n8n-workflow';

import type { ResourceOperations } from '../types';
import * as addMembers from './addMembers.operation';
import * as create from './create.operation';
import * as createOrUpdate from './createOrUpdate.operation';
import * as deleteGroup from './delete.operation';
import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as removeMembers from './removeMembers.operation';
import * as rename from './rename.operation';

export const operations: ResourceOperations = {
	create,
	get,
	getMany,
	rename,
	addMembers,
	removeMembers,
	delete: deleteGroup,
	createOrUpdate,
};

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['group'] } },
		options: [
			{
				name: 'Add Members',
				value: 'addMembers',
				description: 'Add users to a group; items for the same group are sent together',
				action: 'Add members to a group',
			},
			{
				name: 'Create',
				value: 'create',
				description: 'Create a group',
				action: 'Create a group',
			},
			{
				name: 'Create or Update',
				value: 'createOrUpdate',
				description: 'Create a group by display name, or update its external ID and add members',
				action: 'Create or update a group',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete a group',
				action: 'Delete a group',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Get a group and up to 100 of its members',
				action: 'Get a group',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List groups, optionally filtered',
				action: 'Get many groups',
			},
			{
				name: 'Remove Members',
				value: 'removeMembers',
				description: 'Remove users from a group; items for the same group are sent together',
				action: 'Remove members from a group',
			},
			{
				name: 'Rename',
				value: 'rename',
				description: 'Change the display name of a group',
				action: 'Rename a group',
			},
		],
		default: 'getMany',
	},
	...create.description,
	...get.description,
	...getMany.description,
	...rename.description,
	...addMembers.description,
	...removeMembers.description,
	...deleteGroup.description,
	...createOrUpdate.description,
];
