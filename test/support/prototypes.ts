// What test/hostile compares the built-in prototypes with.

const BUILTIN_PROPS_KEY = Symbol.for('n8n-nodes-k2-scim.test.builtinPrototypeProps');

/**
 * Taken once per process, before its first test file: jest runs several files in one process (one
 * realm), so a baseline taken per file would accept what an earlier file left on a prototype.
 */
export function builtinPrototypeProps(): Map<object, string[]> {
	const store = globalThis as Record<symbol, Map<object, string[]> | undefined>;
	store[BUILTIN_PROPS_KEY] ??= new Map<object, string[]>(
		[Object.prototype, Array.prototype, Function.prototype, String.prototype].map((proto) => [proto, Object.getOwnPropertyNames(proto).sort()]),
	);
	return store[BUILTIN_PROPS_KEY];
}

