import type { INodeProperties } from 'n8n-workflow';

export const MEMBERS_READ_CAP_NOTE =
	'K2 returns at most 100 members when a group is read: for larger groups the list is cut and "membersTruncated" is true';

/** The group an operation works on: picked from a list, by K2 ID, or by display name (looked up). */
export function groupLocator(operations: string[], description = 'The group to use'): INodeProperties {
	return {
		displayName: 'Group',
		name: 'group',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description,
		displayOptions: { show: { resource: ['group'], operation: operations } },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a group...',
				typeOptions: { searchListMethod: 'searchGroups', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 2819c223-7f76-453a-919d-413861904646',
				validation: [
					{
						type: 'regex',
						properties: { regex: '^\\S+$', errorMessage: 'Not a valid K2 group ID' },
					},
				],
			},
			{
				displayName: 'By Display Name',
				name: 'displayName',
				type: 'string',
				placeholder: 'e.g. Finance Approvers',
			},
		],
	};
}

/** How the members of the Members field are given. */
export function memberReferenceField(operations: string[]): INodeProperties {
	return {
		displayName: 'Identify Members By',
		name: 'memberReference',
		type: 'options',
		options: [
			{
				name: 'User ID',
				value: 'id',
				description: 'The K2 SCIM IDs of the users',
			},
			{
				name: 'Username',
				value: 'userName',
				description: 'The userNames of the users, looked up in K2 before any change is made',
			},
		],
		default: 'id',
		displayOptions: { show: { resource: ['group'], operation: operations } },
	};
}

export const MEMBERS_DESCRIPTION =
	'User IDs, or userNames when Identify Members By is Username: a comma-separated list, or an expression that returns an array. Items that target the same group are sent together, at most 100 members per request.';

export function membersField(operations: string[], required: boolean): INodeProperties {
	return {
		displayName: 'Members',
		name: 'members',
		type: 'string',
		default: '',
		required,
		placeholder: 'e.g. 2819c223-7f76-453a-919d-413861904646, 902c246b-6245-4190-8e05-00816be7344a',
		description: MEMBERS_DESCRIPTION,
		displayOptions: { show: { resource: ['group'], operation: operations } },
	};
}

export const GROUP_REQUESTS_IN_FLIGHT =
	'How many requests to K2 run at the same time (lookups, and writes to different groups). Writes to one group are always sent one after another.';
