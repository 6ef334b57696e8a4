/**
 * Which hosts may be reached over plain http://: loopback only (a local stand-in or tunnel),
 * where nothing sent leaves the machine. One definition for the node's check before its first
 * request (connection.ts) and the credential's check before n8n signs in (the credential builds
 * its n8n expression from this pattern). Dependency-free: the credential loads it at runtime.
 */

/**
 * localhost, 127.0.0.0/8 in dotted decimal, and [::1], as a RegExp source (no anchors, no flags).
 * WHATWG URL writes every loopback form this way (127.1 and 0x7f.0.0.1 become 127.0.0.1).
 */
export const LOOPBACK_HOST_PATTERN = String.raw`localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]`;

const LOOPBACK_HOST = new RegExp(`^(?:${LOOPBACK_HOST_PATTERN})$`, 'i');

/** Whether a URL's hostname (as `new URL(...).hostname` gives it) is a loopback host. */
export function isLoopbackHost(hostname: string): boolean {
	return LOOPBACK_HOST.test(hostname);
}
