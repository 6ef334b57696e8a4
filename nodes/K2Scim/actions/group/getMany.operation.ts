import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { and, eq } from '../../scim/filter';
import { rawFilterProblem } from '../../scim/filterParser';
import { simplifyGroup } from '../../scim/group';
import { MAX_LENGTH, readText } from '../../scim/validate';
import { groups } from '../../transport/resources';
import { readReturnLimit, returnAllAndLimit, simplifyField } from '../common.fields';
import { inputError, valueOrThrow } from '../inputError';
import { MEMBERS_READ_CAP_NOTE } from './fields';

const show = { resource: ['group'], operation: ['getMany'] };

export const description: INodeProperties[] = [
	...returnAllAndLimit('group', 'getMany'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Display Name',
				name: 'displayName',
				type: 'string',
				default: '',
				description: 'The group with exactly this name (not case-sensitive in SCIM)',
			},
			{
				displayName: 'External ID',
				name: 'externalId',
				type: 'string',
				default: '',
				description: 'The group with this ID from your source system',
			},
			{
				displayName: 'SCIM Filter',
				name: 'raw',
				type: 'string',
				placeholder: 'displayName sw "Finance"',
				default: '',
				description:
					'A SCIM filter expression (RFC 7644 section 3.4.2.2), combined with the other filters using "and". It is checked before it is sent: one that does not parse on its own is refused.',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Include Members',
				name: 'includeMembers',
				type: 'boolean',
				default: true,
				description: `Whether to return the members of each group. ${MEMBERS_READ_CAP_NOTE}. Turn off for faster lists of names.`,
			},
		],
	},
	simplifyField('group', ['getMany']),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const limit = readReturnLimit(this, itemIndex);
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const text = (name: string, label: string, max: number) =>
		filters[name] === undefined || filters[name] === '' ? undefined : valueOrThrow(this, itemIndex, `Filters > ${label}`, readText(filters[name], max));
	const displayName = text('displayName', 'Display Name', MAX_LENGTH.name);
	const externalId = text('externalId', 'External ID', MAX_LENGTH.text);
	const rawProblem = filters.raw === undefined || (typeof filters.raw === 'string' && filters.raw.trim() === '') ? undefined : rawFilterProblem(filters.raw);
	if (rawProblem) throw inputError(this, itemIndex, 'Filters > SCIM Filter', rawProblem);
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;

	const filter = and(
		displayName !== undefined ? eq('displayName', displayName) : undefined,
		externalId !== undefined ? eq('externalId', externalId) : undefined,
		(filters.raw as string) || undefined,
	);
	const listed = await groups.list(
		this,
		{ filter: filter || undefined, limit, excludedAttributes: options.includeMembers === false ? 'members' : undefined },
		{ context: { resource: 'group', operation: 'getMany' }, itemIndex },
	);
	return listed.map((group) => {
		if (!simplify) return { json: group };
		const simple = simplifyGroup(group);
		if (options.includeMembers === false) {
			delete simple.members;
			delete simple.memberCount;
			delete simple.membersTruncated;
		}
		return { json: simple };
	});
}
