// Runs before each test file (jest.config.js: setupFiles).
import { builtinPrototypeProps } from './prototypes';

// jest sets NODE_ENV=test when it is unset; n8n does not start with it (and n8n-core reads it too),
// while under node:test and in production it is unset.
if (process.env.NODE_ENV === 'test') delete process.env.NODE_ENV;

// Files share the process's global object (one realm), where jest.setTimeout() keeps its value: a
// file that sets its own must not pass it on to the next file run in the same process.
delete (globalThis as Record<symbol, unknown>)[Symbol.for('TEST_TIMEOUT_SYMBOL')];

// The built-in prototypes as they are before the process's first test file (test/hostile checks them).
builtinPrototypeProps();
