import { jsonParse, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { describeReference, MANAGER_PATH, namesItself, readManager } from '../../scim/managerRef';
import { getByPath } from '../../scim/path';
import { normalizeUserFields, TEXT_FIELDS, toScimUser, USER_FIELD_LABELS, validateUserFields } from '../../scim/user';
import type { ScimUser } from '../../scim/schemas';
import type { FieldProblem, UserFields } from '../../scim/user';

/**
 * The user attributes an n8n user fills in, shared by Create, Update, Replace, Create or Update.
 * `byReference`: the operations that look a manager up by username or employee number (Sync,
 * Create or Update) offer Manager and Manager Is besides Manager ID.
 */
function attributeFields(emptyMeansClear: boolean, byReference = false): INodeProperties[] {
	// Every text field is checked before any request: no control characters, at most 1024 characters.
	const clear = `${emptyMeansClear ? ' Leave empty to clear it in K2.' : ''} At most 1024 characters.`;
	return [
		{
			displayName: 'Active',
			name: 'active',
			type: 'boolean',
			default: true,
			description:
				'Whether the user can sign in to K2. Leave it out to leave K2\'s value alone (Create or Update); Sync makes every user in its input active unless this is set.',
		},
		{
			displayName: 'Additional Attributes (JSON)',
			name: 'additionalAttributes',
			type: 'json',
			default: '{}',
			description:
				'Any other SCIM attributes, in SCIM resource shape, e.g. {"nickName": "Bob"} or {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": "4130"}}. Not allowed: the ID, meta, schemas, userName (use Username), the keys __proto__, constructor and prototype, and text values over 1024 characters or with control characters other than tabs and line breaks.',
		},
		{ displayName: 'Department', name: 'department', type: 'string', default: '', description: `Enterprise extension department.${clear}` },
		{ displayName: 'Display Name', name: 'displayName', type: 'string', default: '', description: `Name shown in K2.${clear}` },
		{
			displayName: 'Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@example.com',
			default: '',
			description: `Primary work email address.${clear.replace('1024', '254')}`,
		},
		{
			displayName: 'Employee Number',
			name: 'employeeNumber',
			type: 'string',
			default: '',
			description: `Enterprise extension employee number.${clear}`,
		},
		{
			displayName: 'External ID',
			name: 'externalId',
			type: 'string',
			default: '',
			description: `The user's ID in your source system (HR system, identity provider).${clear}`,
		},
		{ displayName: 'Family Name', name: 'familyName', type: 'string', default: '', description: `Last name.${clear}` },
		{ displayName: 'Given Name', name: 'givenName', type: 'string', default: '', description: `First name.${clear}` },
		...(byReference
			? [
					{
						displayName: 'Manager',
						name: 'manager',
						type: 'string',
						default: '',
						placeholder: 'e.g. jane.doe@example.com',
						description:
							'The user\'s manager as your source names them: a Username (the default), an Employee Number or a K2 ID (add Manager Is to say which). The node looks the manager up and writes their K2 ID; a manager it cannot find (or finds twice) is an error on this item, never a guess.',
					} as INodeProperties,
				]
			: []),
		{
			displayName: 'Manager ID',
			name: 'managerId',
			type: 'string',
			default: '',
			description: `The K2 SCIM ID of the user's manager (enterprise extension).${clear.replace('1024', '256')}`,
		},
		...(byReference
			? [
					{
						displayName: 'Manager Is',
						name: 'managerIs',
						type: 'options',
						options: [
							{ name: 'Username', value: 'userName', description: 'The manager\'s K2 username' },
							{ name: 'Employee Number', value: 'employeeNumber', description: 'The manager\'s employee number (enterprise extension)' },
							{ name: 'K2 ID', value: 'id', description: 'The manager\'s K2 SCIM ID, used as given' },
						],
						default: 'userName',
						description: 'What the Manager field holds',
					} as INodeProperties,
				]
			: []),
		{ displayName: 'Phone Number', name: 'phoneNumber', type: 'string', default: '', description: `Work phone.${clear}` },
		{ displayName: 'Job Title', name: 'title', type: 'string', default: '', description: `Job title.${clear}` },
	];
}

export function additionalFieldsCollection(operations: string[], options: { managerByReference?: boolean } = {}): INodeProperties {
	return {
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: { resource: ['user'], operation: operations } },
		options: attributeFields(false, options.managerByReference),
	};
}

export function updateFieldsCollection(operations: string[]): INodeProperties {
	return {
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: { resource: ['user'], operation: operations } },
		options: [
			...attributeFields(true),
			{ displayName: 'Username', name: 'userName', type: 'string', default: '', description: 'A new userName. At most 256 characters.' },
		],
	};
}

/**
 * Match On, for Sync and Create or Update. Version 2 matches by External ID, then Username, as
 * the provisioning engines do (a rename stays one account). n8n saves only the parameters that
 * differ from their default, so a workflow saved on version 1 without a Match On keeps matching
 * on Username: the default depends on the version the node was saved with.
 */
export function matchOnFields(operations: string[]): INodeProperties[] {
	const field = (version: number, defaultValue: string): INodeProperties => ({
		displayName: 'Match On',
		name: 'matchOn',
		type: 'options',
		options: [
			{
				name: 'External ID, Then Username',
				value: 'externalIdThenUserName',
				description:
					'The K2 user with the item\'s External ID; if none has it, the one with its Username. A renamed person stays one account.',
			},
			{ name: 'Username', value: 'userName', description: 'The K2 user with the same userName' },
			{ name: 'External ID', value: 'externalId', description: 'The K2 user with the same External ID (set External ID under Additional Fields)' },
		],
		default: defaultValue,
		description: 'How an input item finds its K2 user. Identifiers compare trimmed, in Unicode NFC; usernames without case.',
		displayOptions: { show: { resource: ['user'], operation: operations, '@version': [version] } },
	});
	return [field(1, 'userName'), field(2, 'externalIdThenUserName')];
}

export function userNameField(operations: string[]): INodeProperties {
	return {
		displayName: 'Username',
		name: 'userName',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'jane.doe@example.com',
		description: 'The unique K2 sign-in name, usually the user principal name or email. At most 256 characters, no control characters.',
		displayOptions: { show: { resource: ['user'], operation: operations } },
	};
}


/**
 * Turns the parameters of one item into UserFields and checks them before any request.
 * `emptyMeansClear`: in Update an empty field clears the attribute; elsewhere it is left out.
 */
export function readUserFields(
	ctx: IExecuteFunctions,
	itemIndex: number,
	collection: IDataObject,
	options: { userName?: unknown; emptyMeansClear: boolean; requireUserName: boolean },
): UserFields {
	const fields: UserFields = {};
	const raw: Record<string, unknown> = { ...collection };
	if (options.userName !== undefined) raw.userName = options.userName;
	for (const key of TEXT_FIELDS) {
		const value = raw[key];
		if (value === undefined) continue;
		if (typeof value === 'string' && value.trim() === '') {
			if (options.emptyMeansClear) fields[key] = null;
			continue;
		}
		(fields as Record<string, unknown>)[key] = typeof value === 'string' ? value.trim() : value;
	}
	if (raw.userName !== undefined && raw.userName !== '') {
		fields.userName = typeof raw.userName === 'string' ? raw.userName.trim() : (raw.userName as string);
	}
	if (raw.active !== undefined) fields.active = raw.active as boolean;
	if (raw.additionalAttributes !== undefined) {
		const value = raw.additionalAttributes;
		const parsed =
			typeof value === 'string'
				? jsonParse<unknown>(value.trim() || '{}', {
						errorMessage: 'Additional Attributes (JSON) is not valid JSON',
					})
				: value;
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length === 0) {
			// An empty object is the field's default: nothing to send.
		} else {
			fields.additionalAttributes = parsed as Record<string, unknown>;
		}
	}
	const problems = validateUserFields(fields, { requireUserName: options.requireUserName });
	if (raw.manager !== undefined) problems.push(...readManagerField(fields, raw.manager, raw.managerIs ?? 'userName'));
	if (!problems.length) return normalizeUserFields(fields);
	throw new NodeOperationError(ctx.getNode(), problems.map((p) => p.message).join('; '), {
		itemIndex,
		description: `Fix the field${problems.length > 1 ? 's' : ''} ${problems
			.map((p) => `"${p.field}"`)
			.join(', ')} of input item ${itemIndex} and run again. Nothing was sent to K2 for this item.`,
	});
}

/**
 * Manager (with Manager Is) into `fields`: a K2 ID becomes `managerId`, a username or employee
 * number `managerReference`. One source per attribute, and no user is their own manager.
 */
function readManagerField(fields: UserFields, value: unknown, managerIs: unknown): FieldProblem[] {
	const read = readManager(value, managerIs);
	if (read === undefined) return [];
	if ('problem' in read) return [{ field: 'manager', message: `Manager ${read.problem}` }];
	const elsewhere =
		fields.managerId !== undefined
			? USER_FIELD_LABELS.managerId
			: fields.additionalAttributes !== undefined && getByPath(fields.additionalAttributes, MANAGER_PATH) !== undefined
				? USER_FIELD_LABELS.additionalAttributes
				: undefined;
	if (elsewhere) return [{ field: 'manager', message: `Manager and ${elsewhere} both set the manager: set it in one place` }];
	if ('managerId' in read) {
		fields.managerId = read.managerId;
		return [];
	}
	if (namesItself(read.reference, { userName: fields.userName, employeeNumber: fields.employeeNumber })) {
		return [{ field: 'manager', message: `Manager is this user's own ${describeReference(read.reference)}: a user cannot be their own manager` }];
	}
	fields.managerReference = read.reference;
	return [];
}

/** Username plus Additional Fields, as Create, Replace and Create or Update read them. */
export function readNewUserFields(ctx: IExecuteFunctions, itemIndex: number): UserFields {
	return readUserFields(ctx, itemIndex, ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject, {
		userName: ctx.getNodeParameter('userName', itemIndex),
		emptyMeansClear: false,
		requireUserName: true,
	});
}

/** The SCIM user to POST or PUT: a user is active unless the item says otherwise. */
export function userResource(fields: UserFields): ScimUser {
	const resource = toScimUser(fields);
	if (resource.active === undefined) resource.active = true;
	return resource;
}
