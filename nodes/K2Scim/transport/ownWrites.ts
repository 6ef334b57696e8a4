/**
 * The writes this package sent to K2, remembered in this n8n process for a day, so that the K2 SCIM
 * Trigger can leave out the changes its own workflows made ("Ignore Own Changes"). K2 records no
 * author per change, and n8n gives nodes no store shared across workflows or processes: this
 * journal is per process. It sees the K2 SCIM node's writes when they run in the process that
 * polls the trigger (n8n's regular mode), not those of queue-mode workers, nor those from before a
 * restart.
 */

export type WrittenResource = 'user' | 'group';

export interface OwnWrite {
	/** When the write's answer came back (this process's clock). */
	at: number;
	/** The resource's meta.lastModified in K2's answer to the write, when K2 sent the resource. */
	lastModified?: string;
}

/** Long enough for the trigger's longest window (Ignore Own Changes accepts at most a day). */
export const KEEP_MS = 24 * 60 * 60 * 1000;
/** Bounds the memory a long sync can take (about 100 bytes an entry). */
const MAX_ENTRIES = 200_000;

const writes = new Map<string, OwnWrite>();

const keyOf = (resource: WrittenResource, id: string) => `${resource}:${id}`;

/** Remembers a write (create, replace, patch, delete) the package sent and K2 accepted. */
export function noteOwnWrite(resource: WrittenResource, id: string | undefined, lastModified?: unknown, now = Date.now()): void {
	if (typeof id !== 'string' || id === '') return;
	const key = keyOf(resource, id);
	// Re-inserted so that the Map's order stays oldest first: pruning then stops at the first young one.
	writes.delete(key);
	writes.set(key, { at: now, lastModified: typeof lastModified === 'string' ? lastModified : undefined });
	if (writes.size > MAX_ENTRIES) prune(now, true);
}

function prune(now: number, overCap = false): void {
	for (const [key, write] of writes) {
		if (now - write.at < KEEP_MS && !(overCap && writes.size > MAX_ENTRIES)) break;
		writes.delete(key);
	}
}

/** The package's last write to this resource within the last `withinMs`, if any. */
export function ownWriteOf(resource: WrittenResource, id: string, withinMs: number, now = Date.now()): OwnWrite | undefined {
	prune(now);
	const write = writes.get(keyOf(resource, id));
	return write && now - write.at <= withinMs ? write : undefined;
}

/**
 * Whether a change seen now on a resource is the package's own: it wrote the resource within
 * `withinMs`, and when both K2's answer to that write and the resource now carry
 * meta.lastModified, they are equal (nobody changed it since). Without lastModified on either
 * side, the time window alone decides.
 */
export function isOwnChange(resource: WrittenResource, id: string, lastModifiedNow: unknown, withinMs: number, now = Date.now()): boolean {
	const write = ownWriteOf(resource, id, withinMs, now);
	if (!write) return false;
	if (write.lastModified === undefined || typeof lastModifiedNow !== 'string') return true;
	return write.lastModified === lastModifiedNow;
}

/** For tests: forget every write. */
export function clearOwnWrites(): void {
	writes.clear();
}
