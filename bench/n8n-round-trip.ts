// R_n8n: the round trip of one SCIM request through n8n's own request path, the way the node
// sends (helpers.httpRequestWithAuthentication in an Execute context: credential read and
// expression resolution, n8n-core 2.8's new HTTP agent, so a new TCP connection, per request,
// axios). The node type's execute is swapped, for one run, for a loop of single requests, one
// at a time; nothing else in the workflow changes. One request cannot come back faster than this.
// measureN8nPathAlone (below) is the other bound: C of them at once, with no node code around them.
import type { IDataObject, IExecuteFunctions, INodeParameters, INodeType } from 'n8n-workflow';

import { toScimUser, type UserFields } from '../nodes/K2Scim/scim/user';
import { CREDENTIAL_TYPE } from '../test/harness/run-workflow';
import { benchUsers } from './data';
import type { BenchK2 } from './k2';
import { median } from './measure';

export interface RoundTrip {
	medianMs: number;
	minMs: number;
	maxMs: number;
	samples: number;
}

const WARM_UPS = 5;
const SAMPLES = 40;

/** `parameters`: any valid parameters of the node (n8n checks them before the run); they are not read. */
export async function measureN8nRoundTrip(k2: BenchK2, nodeType: INodeType, parameters: INodeParameters): Promise<RoundTrip> {
	const url = `${k2.sandbox.scimBaseUrl}/tokens/${k2.sandbox.scimToken}/scim/v2/Users`;
	const original = nodeType.execute!;
	nodeType.execute = async function (this: IExecuteFunctions) {
		const times: number[] = [];
		for (let i = 0; i < WARM_UPS + SAMPLES; i++) {
			const t0 = performance.now();
			// The options the transport sends for a lookup (transport/index.ts).
			const response = (await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, {
				method: 'GET',
				url,
				qs: { count: 2, filter: 'userName eq "nobody@corp.example"' },
				json: true,
				headers: { Accept: 'application/scim+json, application/json' },
				disableFollowRedirect: true,
				sendCredentialsOnCrossOriginRedirect: false,
				timeout: 60_000,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
			})) as { statusCode: number };
			if (response.statusCode !== 200) throw new Error(`R_n8n GET: HTTP ${response.statusCode}`);
			if (i >= WARM_UPS) times.push(performance.now() - t0);
		}
		return [[{ json: { times } }]];
	};
	try {
		const result = await k2.run(parameters, [{}]);
		if (result.error) throw result.error;
		const times = result.output?.[0]?.json.times as number[];
		return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), samples: times.length };
	} finally {
		nodeType.execute = original;
	}
}

export interface PathAlone {
	creates: number;
	wallMs: number;
	createdPerSecond: number;
}

/**
 * n8n's request path alone at C in flight: `inFlight` loops sending creates (the transport's
 * options for a POST /Users, bodies built beforehand) through httpRequestWithAuthentication, with
 * no node code at all: no parameter or expression reading, no planning, no output. It is the most
 * any node can reach through n8n's helper at that C on this machine: n8n-core's CPU per request
 * (credential read and expression resolution, a new agent and TCP connection, axios) runs on the
 * one event loop, so with C in flight the answers wait for each other's CPU, and the sandbox
 * shares the machine's cores. The users it creates stay in the tenant: reset it after.
 */
export async function measureN8nPathAlone(k2: BenchK2, nodeType: INodeType, parameters: INodeParameters, inFlight: number, creates: number): Promise<PathAlone> {
	const url = `${k2.sandbox.scimBaseUrl}/tokens/${k2.sandbox.scimToken}/scim/v2/Users`;
	// Names no scenario uses.
	const bodies = benchUsers(8_000_000, 8_000_000 + creates).map((user) => toScimUser(user as UserFields) as unknown as IDataObject);
	const original = nodeType.execute!;
	nodeType.execute = async function (this: IExecuteFunctions) {
		let next = 0;
		const t0 = performance.now();
		const sender = async () => {
			while (next < bodies.length) {
				const body = bodies[next++];
				const response = (await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, {
					method: 'POST',
					url,
					body,
					json: true,
					headers: { Accept: 'application/scim+json, application/json', 'Content-Type': 'application/scim+json' },
					disableFollowRedirect: true,
					sendCredentialsOnCrossOriginRedirect: false,
					timeout: 60_000,
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
				})) as { statusCode: number };
				if (response.statusCode !== 201) throw new Error(`n8n's path alone: POST /Users answered HTTP ${response.statusCode}`);
			}
		};
		await Promise.all(Array.from({ length: inFlight }, sender));
		return [[{ json: { wallMs: performance.now() - t0 } }]];
	};
	try {
		const result = await k2.run(parameters, [{}]);
		if (result.error) throw result.error;
		const wallMs = result.output?.[0]?.json.wallMs as number;
		return { creates, wallMs, createdPerSecond: (creates / wallMs) * 1000 };
	} finally {
		nodeType.execute = original;
	}
}
