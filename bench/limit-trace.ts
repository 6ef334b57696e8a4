// How Auto's limit moved in a run: the node type's execute is wrapped, for one run, to read the
// run's request gate after the node ran (the built package's transport, the one the harness
// loaded). Fixed runs have a FixedLimit, which records no changes: undefined.
import path from 'node:path';

import type { IExecuteFunctions, INodeType } from 'n8n-workflow';

import type { requestGateOf as RequestGateOf } from '../nodes/K2Scim/transport';
import type { AdaptiveLimit } from '../nodes/K2Scim/utils/adaptiveConcurrency';
import { PACKAGE_DIR } from '../test/harness/run-workflow';
import { withExecute } from './measure';

export interface LimitTrace {
	/** The limit's changes, "ms:limit(why)" from the first change. */
	text: string;
	changes: Array<{ at: number; limit: number; why: string }>;
}

export async function withLimitTrace<T>(nodeType: INodeType, run: () => Promise<T>): Promise<{ result: T; trace?: LimitTrace }> {
	let trace: LimitTrace | undefined;
	const traced = (original: NonNullable<INodeType['execute']>) => async function (this: IExecuteFunctions) {
		try {
			return await original.call(this);
		} finally {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const { requestGateOf } = require(path.join(PACKAGE_DIR, 'dist/nodes/K2Scim/transport')) as { requestGateOf: typeof RequestGateOf };
			const gate = requestGateOf(this);
			const changes = gate ? (gate.adaptive as Partial<AdaptiveLimit>).changes : undefined;
			if (changes) {
				const t0 = changes[0]?.at ?? 0;
				trace = {
					changes: changes.map((c) => ({ ...c, at: c.at - t0 })),
					text: changes.map((c) => `${Math.round(c.at - t0)}ms:${c.limit}${c.why === 'raise' ? '' : `(${c.why})`}`).join(' '),
				};
			}
		}
	};
	const result = await withExecute(nodeType, traced, run);
	return { result, trace };
}
