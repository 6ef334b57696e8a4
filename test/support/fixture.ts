import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { startSandbox } from '../../sandbox';
import type { Sandbox, SandboxOptions } from '../../sandbox';
import { createHarness, k2Credential, pollTrigger, runNode, shutdownHarness } from '../harness/run-workflow';
import type { Harness, RunResult } from '../harness/run-workflow';
import { signInWithPkce } from './oidc-login';
import { ScimClient } from './scim-client';

export interface K2Fixture {
	sandbox: Sandbox;
	harness: Harness;
	/** Direct SCIM access to seed and check data, outside the node. */
	scim: ScimClient;
	/** The tokens the default credential ("k2") was connected with. */
	tokens: Record<string, unknown>;
	/**
	 * Adds a credential connected through a real PKCE sign-in; returns the tokens it holds.
	 * `scimBaseUrl` sends its SCIM requests elsewhere (a proxy in front of the sandbox: scim-proxy.ts).
	 */
	connect(id: string, name?: string, scimBaseUrl?: string): Promise<Record<string, unknown>>;
	/** Runs the K2 SCIM node with the default credential ("k2"). */
	run(
		parameters: INodeParameters | Record<string, unknown>,
		items?: Array<Record<string, unknown>>,
		options?: { continueOnFail?: boolean; credentialId?: string; typeVersion?: number; staticData?: IDataObject },
	): Promise<RunResult>;
	/** One poll of the K2 SCIM Trigger with the default credential; pass the same staticData each time. */
	poll(
		parameters: INodeParameters | Record<string, unknown>,
		staticData: IDataObject,
		options?: { mode?: 'trigger' | 'manual'; credentialId?: string },
	): Promise<INodeExecutionData[][] | null>;
	stop(): Promise<void>;
}

/** A sandbox on free ports, the package loaded as n8n loads it, and one connected credential. */
export async function startK2(options: SandboxOptions = {}): Promise<K2Fixture> {
	const sandbox = await startSandbox({
		dataDir: mkdtempSync(path.join(tmpdir(), 'k2-test-')),
		quiet: true,
		...options,
	});
	const harness = await createHarness();
	const connect = async (id: string, name = 'K2 Sandbox', scimBaseUrl = sandbox.scimBaseUrl) => {
		const tokens = (await signInWithPkce(sandbox)) as unknown as Record<string, unknown>;
		harness.credentials.add({
			id,
			name,
			type: 'k2ScimOAuth2Api',
			data: k2Credential({
				authority: sandbox.authority,
				clientId: sandbox.pkceClientId,
				scimBaseUrl,
				scimToken: sandbox.scimToken,
				oauthTokenData: tokens,
			}),
		});
		return tokens;
	};
	const tokens = await connect('k2');
	return {
		sandbox,
		tokens,
		harness,
		scim: new ScimClient(sandbox),
		connect,
		run: async (parameters, items, runOptions = {}) =>
			await runNode(harness, {
				parameters,
				items,
				credentialId: runOptions.credentialId ?? 'k2',
				continueOnFail: runOptions.continueOnFail,
				typeVersion: runOptions.typeVersion,
				staticData: runOptions.staticData,
			}),
		poll: async (parameters, staticData, pollOptions = {}) =>
			await pollTrigger(harness, { parameters, staticData, credentialId: pollOptions.credentialId ?? 'k2', mode: pollOptions.mode }),
		stop: async () => {
			shutdownHarness();
			await sandbox.stop();
		},
	};
}

export interface UseK2Options extends SandboxOptions {
	/** Before each test: 'data' empties K2 and zeroes the request counts, 'stats' zeroes the counts only. Default 'none'. */
	reset?: 'data' | 'stats' | 'none';
}

/**
 * startK2() for the enclosing describe (or the file, at top level): started in a beforeAll() hook,
 * stopped in an afterAll() hook, reset before each test as `reset` says. The fixture it returns forwards
 * to the started one, so it can be held in a const. jest runs hooks of a kind in the order they
 * are registered: the file's own beforeAll() and beforeEach() run after these (seed data, set knobs),
 * and its own afterAll() runs once the sandbox has stopped.
 */
export function useK2({ reset = 'none', ...options }: UseK2Options = {}): K2Fixture {
	// Loaded here, not at the top: test/integration/https-child.ts runs startK2() in a plain Node
	// process, where @jest/globals refuses to load.
	const { afterAll, beforeAll, beforeEach } = require('@jest/globals') as typeof import('@jest/globals');
	let fixture: K2Fixture | undefined;
	// jest runs the file's later beforeAll hooks even when this one failed: they get its error, not a second one.
	let startError: unknown;
	const started = (): K2Fixture => {
		if (startError) throw startError;
		if (!fixture) throw new Error('useK2(): the sandbox starts in a beforeAll() hook; use it in a test or in a hook registered after useK2()');
		return fixture;
	};
	beforeAll(async () => {
		try {
			fixture = await startK2(options);
		} catch (error) {
			startError = error;
			throw error;
		}
	});
	afterAll(async () => fixture?.stop());
	if (reset !== 'none') {
		beforeEach(async () => {
			if (reset === 'data') await started().sandbox.reset();
			started().sandbox.resetStats();
		});
	}
	return {
		get sandbox() {
			return started().sandbox;
		},
		get harness() {
			return started().harness;
		},
		get scim() {
			return started().scim;
		},
		get tokens() {
			return started().tokens;
		},
		connect: (...args) => started().connect(...args),
		run: (...args) => started().run(...args),
		poll: (...args) => started().poll(...args),
		stop: () => started().stop(),
	};
}

/** Requests the sandbox counted for one route since the last resetStats(), e.g. "POST /Users". */
export function count(sandbox: Sandbox, route: string): number {
	return sandbox.stats().byRoute[route] ?? 0;
}

/** Writes (POST, PUT, PATCH, DELETE) the sandbox counted since the last resetStats(). */
export function writes(sandbox: Sandbox): number {
	const byMethod = sandbox.stats().byMethod;
	return ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((sum, method) => sum + (byMethod[method] ?? 0), 0);
}
