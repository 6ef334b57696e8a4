/**
 * A total deadline per request. n8n's `timeout` is axios's socket idle timeout: a server that
 * sends a byte now and then keeps a request alive forever. So each attempt races a timer.
 */
import * as n8nWorkflow from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

type AbortableSleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * n8n-workflow's `sleep`, settled early (rejected) when `signal` aborts. Its timer runs out on its
 * own: the fallback for an n8n-workflow without `sleepWithAbort`.
 */
export function sleepUntilAborted(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise<void>((resolve, reject) => {
		if (signal?.aborted) return reject(new Error('Aborted'));
		const onAbort = () => reject(new Error('Aborted'));
		signal?.addEventListener('abort', onAbort, { once: true });
		void sleep(ms).then(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		});
	});
}

/**
 * The node runs on the n8n-workflow of the n8n that loads it (a peer dependency). Up to 2.8 it
 * exports `sleepWithAbort`, whose timer is cleared on abort; n8n 2.41's does not (found by
 * installing the packed package through n8n 2.41's Community Nodes installer: every request failed
 * with "sleepWithAbort is not a function"), so there the fallback waits.
 */
const sleepWithAbort: AbortableSleep =
	(n8nWorkflow as unknown as { sleepWithAbort?: AbortableSleep }).sleepWithAbort ?? sleepUntilAborted;

/** How long one request may take, answer included, unless the credential's Request Timeout says otherwise. */
export const DEFAULT_TIMEOUT_MS = 120_000;

export const TIMED_OUT = Symbol('timed out');

/**
 * Runs `task` with a signal that aborts at the deadline, and gives up waiting for it then: a late
 * answer is ignored (its promise is left to settle on its own). The timer is cleared as soon as
 * the task settles, so nothing outlives a request.
 */
export async function withDeadline<T>(ms: number, task: (signal: AbortSignal) => Promise<T>): Promise<T | typeof TIMED_OUT> {
	const controller = new AbortController();
	const timedOut = (): typeof TIMED_OUT => TIMED_OUT;
	// Rejected when cleared after the task settled: the race is already decided then.
	const timer = sleepWithAbort(ms, controller.signal).then(timedOut, timedOut);
	try {
		return await Promise.race([task(controller.signal), timer]);
	} finally {
		controller.abort();
	}
}

/** A whole number of milliseconds ≥ 1, or the default. */
export function timeoutMs(value: unknown): number {
	const ms = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof ms === 'number' && Number.isFinite(ms) && ms >= 1 ? Math.floor(ms) : DEFAULT_TIMEOUT_MS;
}
