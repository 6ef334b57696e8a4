// R_n8n: the round trip of one SCIM request through n8n's own request path, the way the node
// sends (helpers.httpRequestWithAuthentication in an Execute context: credential read and
// expression resolution, n8n-core 2.8's new HTTP agent, so a new TCP connection, per request,
// axios). The node type's execute is swapped, for one run, for a loop of single requests, one
// at a time; nothing else in the workflow changes. A node cannot send faster than this.
import type { IExecuteFunctions, INodeParameters, INodeType } from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../test/harness/run-workflow';
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
