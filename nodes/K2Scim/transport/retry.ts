/** How many times a request is tried again after a throttle, a gateway error or a dropped connection. */
export const MAX_RETRIES = 5;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** A Retry-After longer than this is not waited for: the error is reported instead. */
export const MAX_RETRY_AFTER_MS = 120_000;

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNABORTED',
	'EPIPE',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EAI_AGAIN',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

export function isRetryableStatus(status: number | undefined): boolean {
	return status !== undefined && RETRYABLE_STATUSES.has(status);
}

/** A connection that broke before a response arrived: the request may or may not have been applied. */
export function isDroppedConnection(code: string | undefined, message: string | undefined): boolean {
	if (code && RETRYABLE_NETWORK_CODES.has(code)) return true;
	return /socket hang up|ECONNRESET/i.test(message ?? '');
}

/** Parses Retry-After as seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: unknown, now = Date.now()): number | undefined {
	if (typeof header !== 'string' && typeof header !== 'number') return undefined;
	const text = String(header).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const date = Date.parse(text);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}

/**
 * K2 writes reach its database through a staging database, so a create that did land may not be
 * readable yet. Before a lost create is sent again, its lookup is repeated after these waits
 * (2.5 s in all), and once more if the re-send collides (409) with it: long enough for a short
 * staging lag, short enough that a create that truly failed is re-sent within the same run.
 */
export const STAGING_WAITS_MS = [300, 700, 1500];

/** Exponential backoff with full jitter, unless the server said when to come back. */
export function retryDelayMs(attempt: number, retryAfterMs?: number, random = Math.random): number {
	if (retryAfterMs !== undefined) return retryAfterMs;
	const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
