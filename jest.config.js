// The tests run under jest, in three projects: `fast` (npm run test:fast: unit, sandbox, integration,
// identity, hostile and fault tests; two files at a time, with coverage), `e2e` (real n8n: npm test,
// test:e2e, test:compat, always --runInBand, one file at a time) and `faults` (the large fault runs:
// npm run test:faults). The scripts select the project; a bare `npx jest` would run e2e beside the rest.
// What keeps the tests what they were under node:test:
// - One realm: jest's default environment gives each file its own vm context, so objects from
//   Node's structuredClone and fetch fail n8n's plain-object checks and node:assert's deep
//   equality. Each file runs in the process's own context (test/support/jest-environment.js, on
//   jest-environment-node-single-context) with a fresh module registry (its own n8n-core, its own
//   module state); that environment also fails a file that leaves errors, servers or child processes
//   behind once its tests ended, as node:test did.
// - TypeScript is compiled by @swc/jest (no type check here: `npm run lint` runs tsc over the tests).
// - The package's code is what ships: tests that import nodes/ or credentials/ get dist/ (tsc's build,
//   untransformed), as n8n-core does; coverage maps it back to the .ts files through tsc's source maps.
//   So `npm run build` comes first (the npm scripts do it).

/** The sandbox's and the sign-in helper's ES-module-only dependencies, made CommonJS like the tests. */
const ESM_ONLY = ['oauth4webapi', 'openid-client', 'oidc-provider', 'jose', 'scimmy-routers'];

const shared = {
	rootDir: __dirname,
	testEnvironment: '<rootDir>/test/support/jest-environment.js',
	transform: {
		'^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
		'^.+\\.m?js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
	},
	transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`, '<rootDir>/dist/', '<rootDir>/e2e/', '<rootDir>/tools/'],
	// The n8n installs and the node-cli folder hold package.json files of their own.
	modulePathIgnorePatterns: ['<rootDir>/e2e/', '<rootDir>/tools/'],
	// Relative imports of the package's own folders only (a dependency may have a nodes/ of its own).
	moduleNameMapper: { '^(?:\\.\\./)+((?:nodes|credentials)/K2Scim.*)$': '<rootDir>/dist/$1' },
	setupFiles: ['<rootDir>/test/support/jest-setup.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
	projects: [
		{ ...shared, displayName: 'fast', testMatch: ['<rootDir>/test/{unit,sandbox,integration,identity,hostile,faults}/*.test.ts'] },
		{
			...shared,
			displayName: 'e2e',
			testMatch: ['<rootDir>/test/e2e/*.test.ts'],
			setupFilesAfterEnv: ['<rootDir>/test/e2e/support/jest-after-file.ts'],
		},
		{ ...shared, displayName: 'faults', testMatch: ['<rootDir>/test/faults/*.faults.ts'] },
	],
	// jest's default is 5 s. The slowest integration tests take a minute on a loaded machine. Each e2e
	// file sets its own with jest.setTimeout (under node:test it was the whole file's budget; here it
	// bounds each test and each hook).
	testTimeout: 600_000,
	// A file that leaves a server or a child process behind fails (test/support/jest-environment.js);
	// the run then ends instead of waiting for it (jest says "Force exiting Jest" after every run).
	forceExit: true,
	coverageProvider: 'v8',
	collectCoverageFrom: ['dist/nodes/**/*.js', 'dist/credentials/**/*.js'],
	coverageReporters: ['text', 'text-summary'],
};
