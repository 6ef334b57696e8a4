import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';

import { EVENTS, compare, loadSnapshot, sampleEvent, storeSnapshot } from './diff';
import type { Detected, EventName } from './diff';
import { readK2 } from './listing';
import { isOwnChange } from '../K2Scim/transport/ownWrites';

/** How many events a manual test ("Fetch Test Event") shows at most. */
const MANUAL_EVENTS = 10;

const EVENT_OPTIONS: Array<{ name: string; value: EventName; description: string }> = [
	{ name: 'Group Changed', value: 'groupChanged', description: 'A group was renamed or its external ID or other attributes changed' },
	{ name: 'Group Created', value: 'groupCreated', description: 'A new group appeared in K2' },
	{ name: 'Group Deleted', value: 'groupDeleted', description: 'A group is gone from K2' },
	{ name: 'Membership Added', value: 'membershipAdded', description: 'A user joined a group' },
	{ name: 'Membership Removed', value: 'membershipRemoved', description: 'A user left a group (not reported for deleted users)' },
	{ name: 'User Changed', value: 'userChanged', description: 'Attributes of a user changed; the event lists each with its old and new value' },
	{ name: 'User Created', value: 'userCreated', description: 'A new user appeared in K2' },
	{ name: 'User Deactivated', value: 'userDeactivated', description: 'A user became inactive' },
	{ name: 'User Deleted', value: 'userDeleted', description: 'A user is gone from K2' },
	{ name: 'User Reactivated', value: 'userReactivated', description: 'An inactive user became active again' },
];

export class K2ScimTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'K2 SCIM Trigger',
		name: 'k2ScimTrigger',
		icon: { light: 'file:k2.svg', dark: 'file:k2.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].length + " event(s)"}}',
		description: 'Starts the workflow when users, groups or memberships change in K2 Cloud, from any source',
		defaults: { name: 'K2 SCIM Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'k2ScimOAuth2Api', required: true }],
		properties: [
			{
				displayName:
					'Each poll lists K2\'s users and groups and compares them with the previous poll. The first poll after activation records K2 as it is and starts no workflow.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: EVENT_OPTIONS,
				default: [...EVENTS],
				description: 'The changes that start the workflow, one item per change',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Ignore Own Changes (Minutes)',
						name: 'ignoreOwnChangesMinutes',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 1440 },
						default: 60,
						description:
							'Leave out changes to users and groups that a K2 SCIM node wrote in the last this many minutes, so that a sync does not trigger this workflow. Works when the K2 SCIM node runs in the same n8n process as this trigger (regular mode), not on queue-mode workers. 0 reports every change.',
					},
				],
			},
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const events = this.getNodeParameter('events', []) as EventName[];
		if (!Array.isArray(events) || events.length === 0) {
			throw new NodeOperationError(this.getNode(), 'No event selected', { description: 'Choose at least one event under Events.' });
		}
		const options = this.getNodeParameter('options', {}) as { ignoreOwnChangesMinutes?: number };
		const ignoreOwnMs = Math.max(0, Number(options.ignoreOwnChangesMinutes ?? 0)) * 60_000;
		const manual = this.getMode() === 'manual';
		const state = this.getWorkflowStaticData('node');
		const previous = loadSnapshot(state.snapshot);

		const k2 = await readK2(this, previous);
		if (!k2) return null; // the listing changed while it was read: compared again next poll
		const detectedAt = new Date().toISOString();
		const wanted = new Set<string>(events);

		if (!previous) {
			if (!manual) {
				// The baseline: K2 as it is now. Nothing before it is reported.
				state.snapshot = storeSnapshot(k2.snapshot);
				return null;
			}
			return sample(events, k2.snapshot, detectedAt);
		}

		const detected = compare(previous, k2.snapshot, detectedAt);
		// n8n keeps static data only for active workflows: a manual test changes nothing.
		if (!manual) state.snapshot = storeSnapshot(k2.snapshot);
		const own = (event: Detected) => {
			if (ignoreOwnMs === 0) return false;
			const lastModified = (event.subject.resource === 'user' ? k2.userModified : k2.groupModified).get(event.subject.id);
			return isOwnChange(event.subject.resource, event.subject.id, lastModified, ignoreOwnMs);
		};
		const items = detected.filter((event) => wanted.has(String(event.json.event)) && !own(event)).map((event) => ({ json: event.json }));
		if (manual) return items.length ? [items.slice(0, MANUAL_EVENTS)] : sample(events, k2.snapshot, detectedAt);
		return items.length ? [items] : null;
	}
}

/** A manual test with nothing to report: one sample event per selected kind that K2's data allows. */
function sample(events: EventName[], snapshot: Parameters<typeof sampleEvent>[1], detectedAt: string): INodeExecutionData[][] | null {
	const items: IDataObject[] = [];
	for (const event of events) {
		const made = sampleEvent(event, snapshot, detectedAt);
		if (made) items.push(made);
	}
	return items.length ? [items.map((json) => ({ json }))] : null;
}
