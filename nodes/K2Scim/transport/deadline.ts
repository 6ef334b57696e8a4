/**
 * A total deadline per request. n8n's `timeout` is axios's socket idle timeout: a server that
 * sends a byte now and then keeps a request alive forever. So each attempt races a timer.
 */
import { sleepWithAbort } from 'n8n-workflow';

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
