// R_n8n: the round trip of one SCIM request through n8n's own request path, the way the node
// sends (helpers.httpRequestWithAuthentication in an Execute context: credential read and
// expression resolution, n8n-core 2.8's new HTTP agent, so a new TCP connection, per request,
// axios). The node type's execute is swapped, for one run, for a loop of single requests, one
// at a time; nothing else in the workflow changes. One request cannot come back faster than this.
// measureN8nPathAlone (below) is the other bound: C of them at once, with no node code around them.
// measureKeepAliveRoundTrip: the same lookup from a plain keep-alive client, for context.
import type { IDataObject, IExecuteFunctions, INodeParameters, INodeType } from 'n8n-workflow';

import { toScimUser, type UserFields } from '../nodes/K2Scim/scim/user';
import { mapConcurrent } from '../nodes/K2Scim/utils/concurrency';
import { CREDENTIAL_TYPE } from '../test/harness/run-workflow';
import { clientCredentialsToken } from '../test/support/oidc-login';
import { benchUsers } from './data';
import type { BenchK2 } from './k2';
import { timeRepeated, withExecute, withTimeout, type Timing } from './measure';

export type RoundTrip = Timing;

const WARM_UPS = 5;
const SAMPLES = 40;

/** The options the transport sends (transport/index.ts), through n8n's helper; the answer's status. */
async function sendAsTheTransport(ctx: IExecuteFunctions, request: { method: 'GET' | 'POST'; url: string; qs?: IDataObject; body?: IDataObject }): Promise<number> {
	const response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
		...request,
		json: true,
		headers: { Accept: 'application/scim+json, application/json', ...(request.body ? { 'Content-Type': 'application/scim+json' } : {}) },
		disableFollowRedirect: true,
		sendCredentialsOnCrossOriginRedirect: false,
		timeout: 60_000,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	})) as { statusCode: number };
	return response.statusCode;
}

/**
 * One run of the workflow with the node type's execute swapped for `measure` (nothing else in the
 * workflow changes); the json it returns. `parameters`: any valid parameters of the node (n8n
 * checks them before the run); they are not read.
 */
async function runInstead(k2: BenchK2, nodeType: INodeType, parameters: INodeParameters, measure: (ctx: IExecuteFunctions) => Promise<IDataObject>, items: IDataObject[] = [{}]): Promise<IDataObject> {
	const result = await withExecute(
		nodeType,
		() =>
			async function (this: IExecuteFunctions) {
				return [[{ json: await measure(this) }]];
			},
		() => k2.run(parameters, items),
	);
	if (result.error) throw result.error;
	return result.output?.[0]?.json ?? {};
}

function usersUrl(k2: BenchK2): string {
	return `${k2.sandbox.scimBaseUrl}/tokens/${k2.sandbox.scimToken}/scim/v2/Users`;
}

/**
 * R: the plain round trip of a SCIM GET (filter by userName, as the baseline sends) from a
 * keep-alive client, median of `samples` (40) after 5 warm-ups. The benchmark measures it again
 * right before each first sync: a cold sandbox answers slower, and a higher R would flatter C/R.
 */
export async function measureKeepAliveRoundTrip(k2: BenchK2, samples = SAMPLES): Promise<RoundTrip> {
	const token = (await clientCredentialsToken(k2.sandbox)).access_token as string;
	const url = `${usersUrl(k2)}?count=2&filter=${encodeURIComponent('userName eq "nobody@corp.example"')}`;
	const headers = { authorization: `Bearer ${token}`, accept: 'application/scim+json' };
	return await timeRepeated(
		async () => {
			const response = await withTimeout(fetch(url, { headers }), 10_000, 'round-trip GET');
			await response.arrayBuffer();
			if (response.status !== 200) throw new Error(`round-trip GET: HTTP ${response.status}`);
		},
		samples,
		WARM_UPS,
	);
}

/** R_n8n: median of `samples` (40) lookups through n8n's helper, one at a time, after 5 warm-ups. */
export async function measureN8nRoundTrip(k2: BenchK2, nodeType: INodeType, parameters: INodeParameters, samples = SAMPLES): Promise<RoundTrip> {
	const url = usersUrl(k2);
	return (await runInstead(k2, nodeType, parameters, async (ctx) =>
		timeRepeated(
			async () => {
				// A lookup, as the transport sends it.
				const status = await sendAsTheTransport(ctx, { method: 'GET', url, qs: { count: 2, filter: 'userName eq "nobody@corp.example"' } });
				if (status !== 200) throw new Error(`R_n8n GET: HTTP ${status}`);
			},
			samples,
			WARM_UPS,
		),
	)) as RoundTrip;
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
	const url = usersUrl(k2);
	// Names no scenario uses.
	const bodies = benchUsers(8_000_000, 8_000_000 + creates).map((user) => toScimUser(user as UserFields) as unknown as IDataObject);
	const { wallMs } = (await runInstead(k2, nodeType, parameters, async (ctx) => {
		const t0 = performance.now();
		await mapConcurrent(bodies, inFlight, async (body) => {
			const status = await sendAsTheTransport(ctx, { method: 'POST', url, body });
			if (status !== 201) throw new Error(`n8n's path alone: POST /Users answered HTTP ${status}`);
		});
		return { wallMs: performance.now() - t0 };
	})) as { wallMs: number };
	return { creates, wallMs, createdPerSecond: (creates / wallMs) * 1000 };
}

/**
 * n8n's request path with the workflow's field mapping: as measureN8nPathAlone, but each create
 * first reads its item's mapped fields through `getNodeParameter`, one expression at a time, as any
 * node must (Username, then each Additional Field), and builds its body from them. Each of n8n's
 * expressions costs ~0.1 ms of CPU on the one event loop (a data proxy and its `$now` per
 * evaluation: bench/README.md), so this is the floor for a node mapping these fields through n8n;
 * the node's own share (matching, planning, checks, output) is measured against it. `users`: the
 * input items (names no scenario uses), one create each.
 */
export async function measureN8nPathWithMapping(k2: BenchK2, nodeType: INodeType, parameters: INodeParameters, inFlight: number, users: IDataObject[]): Promise<PathAlone> {
	const url = usersUrl(k2);
	const fieldNames = Object.keys((parameters.additionalFields ?? {}) as IDataObject);
	const { wallMs } = (await runInstead(
		k2,
		nodeType,
		parameters,
		async (ctx) => {
			const t0 = performance.now();
			const indexes = ctx.getInputData().map((_, index) => index);
			await mapConcurrent(indexes, inFlight, async (itemIndex) => {
				const fields: IDataObject = { userName: ctx.getNodeParameter('userName', itemIndex) };
				for (const name of fieldNames) fields[name] = ctx.getNodeParameter(`additionalFields.${name}`, itemIndex);
				const status = await sendAsTheTransport(ctx, { method: 'POST', url, body: toScimUser(fields as UserFields) as unknown as IDataObject });
				if (status !== 201) throw new Error(`n8n's path with the mapping: POST /Users answered HTTP ${status}`);
			});
			return { wallMs: performance.now() - t0 };
		},
		users,
	)) as { wallMs: number };
	return { creates: users.length, wallMs, createdPerSecond: (users.length / wallMs) * 1000 };
}
