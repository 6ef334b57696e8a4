/**
 * What Connection > Check can tell about the n8n it runs in, and whether K2's one-time refresh
 * token is safe there. A node cannot read n8n's own version or configuration (no `process`, no
 * n8n internals); what it can read:
 * - the version of `n8n-workflow`, which n8n lends the package (n8n strips a community package's
 *   peer dependencies and resolves `n8n-workflow` to its own copy). From 2.0 on n8n releases it
 *   with its own major.minor (n8n 2.8.4: 2.8.0; 2.30.0: 2.30.0; 2.41.1: 2.41.0); on 1.x not
 *   (n8n 1.123: 1.120), so there only "1.x" is told.
 * - the execution mode (queue or regular), only through `$env` when the n8n admin allows
 *   expressions to read the environment (N8N_BLOCK_ENV_ACCESS_IN_NODE=false; blocked by default).
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { version as n8nWorkflowVersion } from 'n8n-workflow/package.json';

/** The first n8n that coordinates OAuth2 refreshes across processes (n8n-core 2.30.0, "Serialize OAuth2 credential refresh"). */
export const COORDINATED_FROM = { major: 2, minor: 30 };

export type ExecutionMode = 'regular' | 'queue';

/** The n8n line behind an n8n-workflow version: "2.8" for 2.8.0, "1.x" for any 1.x; undefined if unreadable. */
export function n8nLineOf(workflowVersion: unknown): { line: string; major: number; minor?: number } | undefined {
	const match = typeof workflowVersion === 'string' ? /^(\d+)\.(\d+)\.\d+/.exec(workflowVersion) : null;
	if (!match) return undefined;
	const major = Number(match[1]);
	const minor = Number(match[2]);
	if (major < 2) return { line: `${major}.x`, major };
	return { line: `${major}.${minor}`, major, minor };
}

/** queue or regular from `$env.EXECUTIONS_MODE`; undefined when n8n does not let expressions read the environment. */
export function executionModeOf(ctx: IExecuteFunctions, itemIndex: number): ExecutionMode | undefined {
	try {
		const value: unknown = ctx.getWorkflowDataProxy(itemIndex).$env.EXECUTIONS_MODE;
		// Unset means n8n's default, regular.
		return value === 'queue' ? 'queue' : value === undefined || value === '' || value === 'regular' ? 'regular' : undefined;
	} catch {
		return undefined; // "access to env vars denied": n8n's default.
	}
}

const RULE =
	'If this n8n runs in queue mode with several workers, upgrade n8n to 2.30 or later, or run a single worker: before 2.30 n8n does not coordinate token refreshes across processes, so two workers can spend K2\'s one-time refresh token twice and the second refresh fails (or the identity server revokes the sign-in).';

/**
 * The `platform` part of the Check's output, and a warning when the K2 credential's refresh token
 * can be spent twice (queue mode on n8n < 2.30, a sign-in with a refresh token).
 */
export function platformReport(workflowVersion: unknown, executionMode: ExecutionMode | undefined, grantType: string): { platform: IDataObject; warning?: string } {
	const line = n8nLineOf(workflowVersion);
	const platform: IDataObject = {
		n8nVersion: line?.line ?? null,
		n8nWorkflowVersion: typeof workflowVersion === 'string' ? workflowVersion : null,
		executionMode: executionMode ?? null,
	};
	if (executionMode === undefined) {
		platform.executionModeNote = 'n8n does not tell a node whether it runs in queue mode (it does when the admin sets N8N_BLOCK_ENV_ACCESS_IN_NODE=false)';
	}
	if (grantType === 'clientCredentials') {
		platform.refreshAcrossWorkers = 'not needed';
		platform.refreshNote = 'Client credentials: no refresh token, so nothing can be spent twice.';
		return { platform };
	}
	const coordinated =
		line === undefined
			? undefined
			: line.major > COORDINATED_FROM.major || (line.major === COORDINATED_FROM.major && (line.minor ?? 0) >= COORDINATED_FROM.minor);
	if (coordinated === true) {
		platform.refreshAcrossWorkers = 'coordinated';
		platform.refreshNote = `n8n ${line!.line} coordinates token refreshes across processes (through Redis in queue mode): several workers are safe.`;
		return { platform };
	}
	if (coordinated === undefined) {
		platform.refreshAcrossWorkers = null;
		platform.refreshNote = `The n8n version is not known. ${RULE}`;
		return { platform };
	}
	platform.refreshAcrossWorkers = 'not coordinated';
	if (executionMode === 'queue') {
		const warning = `n8n ${line!.line} runs in queue mode and does not coordinate token refreshes across workers: two workers can spend K2's one-time refresh token twice, and the second refresh fails (or the identity server revokes the sign-in). Upgrade n8n to 2.30 or later, or run a single worker.`;
		platform.refreshNote = warning;
		return { platform, warning };
	}
	platform.refreshNote =
		executionMode === 'regular'
			? `n8n ${line!.line} runs in one process, where the node lets one request at a time refresh: safe. Before moving to queue mode with several workers, upgrade n8n to 2.30 or later.`
			: `n8n ${line!.line}. ${RULE}`;
	return { platform };
}

/** The platform report of the n8n running this node. */
export function platformOf(ctx: IExecuteFunctions, itemIndex: number, grantType: string): { platform: IDataObject; warning?: string } {
	return platformReport(n8nWorkflowVersion, executionModeOf(ctx, itemIndex), grantType);
}
