import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { userFilter } from '../../scim/filter';
import { rawFilterProblem } from '../../scim/filterParser';
import { MAX_LENGTH, readBoolean, readText } from '../../scim/validate';
import { simplifyUser } from '../../scim/user';
import { users } from '../../transport/resources';
import { readReturnLimit, returnAllAndLimit, simplifyField } from '../common.fields';
import { inputError, valueOrThrow } from '../inputError';

const show = { resource: ['user'], operation: ['getMany'] };

export const description: INodeProperties[] = [
	...returnAllAndLimit('user', 'getMany'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Active',
				name: 'active',
				type: 'boolean',
				default: true,
				description:
					'Whether to return only active users (on) or only deactivated users (off). From an expression: true, false, or the text "true" / "false".',
			},
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@example.com',
				default: '',
				description: 'Users with this email address',
			},
			{
				displayName: 'External ID',
				name: 'externalId',
				type: 'string',
				default: '',
				description: 'The user with this ID from your source system (HR system, IdP)',
			},
			{
				displayName: 'SCIM Filter',
				name: 'raw',
				type: 'string',
				placeholder: 'title eq "Engineer" and active eq true',
				default: '',
				description:
					'A SCIM filter expression (RFC 7644 section 3.4.2.2), combined with the other filters using "and". It is checked before it is sent: one that does not parse on its own (unbalanced parentheses, a missing value) is refused.',
			},
			{
				displayName: 'Username',
				name: 'userName',
				type: 'string',
				default: '',
				description: 'The user with exactly this userName (not case-sensitive in SCIM)',
			},
		],
	},
	simplifyField('user', ['getMany']),
];

const FILTER_LABELS = { userName: 'Username', email: 'Email', externalId: 'External ID', raw: 'SCIM Filter', active: 'Active' };

/** The Filters collection of one item, each value checked: a wrong type is an error, never dropped. */
function readFilters(ctx: IExecuteFunctions, itemIndex: number) {
	const filters = ctx.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const text = (name: 'userName' | 'email' | 'externalId'): string | undefined => {
		const value = filters[name];
		if (value === undefined || value === '') return undefined;
		const max = name === 'userName' ? MAX_LENGTH.name : name === 'email' ? MAX_LENGTH.email : MAX_LENGTH.text;
		return valueOrThrow(ctx, itemIndex, `Filters > ${FILTER_LABELS[name]}`, readText(value, max));
	};
	const raw = filters.raw === undefined || (typeof filters.raw === 'string' && filters.raw.trim() === '') ? undefined : filters.raw;
	const rawProblem = raw === undefined ? undefined : rawFilterProblem(raw);
	if (rawProblem) throw inputError(ctx, itemIndex, `Filters > ${FILTER_LABELS.raw}`, rawProblem);
	return {
		userName: text('userName'),
		email: text('email'),
		externalId: text('externalId'),
		active: filters.active === undefined ? undefined : valueOrThrow(ctx, itemIndex, 'Filters > Active', readBoolean(filters.active)),
		raw: raw as string | undefined,
	};
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const limit = readReturnLimit(this, itemIndex);
	const filter = userFilter(readFilters(this, itemIndex));
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;

	const listed = await users.list(this, { filter, limit }, { context: { resource: 'user', operation: 'getMany' }, itemIndex });
	return listed.map((user) => ({ json: simplify ? simplifyUser(user) : user }));
}
