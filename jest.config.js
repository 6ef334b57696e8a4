// The tests run under jest, in three sets: `fast` (npm run test:fast: unit, sandbox, integration,
// identity, hostile, fault tests; two files at a time, with coverage), `e2e` (real n8n, one file at
// a time: npm test, test:e2e, test:compat) and `faults` (npm run test:faults). Two choices keep them
// what they were under node:test:
// - One realm: jest's default environment gives each file its own vm context, so objects from
//   Node's structuredClone and fetch fail n8n's plain-object checks and node:assert's deep
//   equality. jest-environment-node-single-context runs each file in the process's own context;
//   every file still gets a fresh module registry (its own n8n-core, its own module state).
// - TypeScript is compiled by @swc/jest (no type check here: `npm run lint` runs tsc over the tests).
//   dist/ is what n8n loads and what ships: it runs as built, untransformed; coverage maps it back
//   to nodes/ and credentials/ through tsc's source maps.

/** The sandbox's and the sign-in helper's ES-module-only dependencies, made CommonJS like the tests. */
const ESM_ONLY = ['oauth4webapi', 'openid-client', 'oidc-provider', 'jose', 'scimmy-routers'];

const shared = {
	rootDir: __dirname,
	testEnvironment: 'jest-environment-node-single-context',
	transform: {
		'^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
		'^.+\\.m?js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
	},
	transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`, '<rootDir>/dist/', '<rootDir>/e2e/', '<rootDir>/tools/'],
	// The n8n installs and the node-cli folder hold package.json files of their own.
	modulePathIgnorePatterns: ['<rootDir>/e2e/', '<rootDir>/tools/'],
	setupFiles: ['<rootDir>/test/support/jest-setup.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
	projects: [
		{ ...shared, displayName: 'fast', testMatch: ['<rootDir>/test/{unit,sandbox,integration,identity,hostile,faults}/*.test.ts'] },
		{ ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/*.test.ts'] },
		{ ...shared, displayName: 'faults', testMatch: ['<rootDir>/test/faults/*.test.ts', '<rootDir>/test/faults/*.faults.ts'] },
	],
	// node:test had no time limit; jest's is 5 s. The slowest integration tests take a minute on a loaded
	// machine; e2e files set their own (jest.setTimeout), and the others get this one.
	testTimeout: 600_000,
	coverageProvider: 'v8',
	collectCoverageFrom: ['nodes/**/*.ts', 'credentials/**/*.ts', 'dist/nodes/**/*.js', 'dist/credentials/**/*.js'],
	coverageReporters: ['text', 'text-summary'],
};
