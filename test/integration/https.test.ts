import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from '@jest/globals';

import { ensureTls } from '../../sandbox/tls';
import { assertNoSecrets } from '../hostile/support';

// K2 is HTTPS only. The node, n8n's OAuth2 refresh and the sign-in run against a sandbox that
// serves both services over TLS, in a child process that trusts the sandbox's CA the way a user's
// n8n would (NODE_EXTRA_CA_CERTS, certificate checks on): https-child.ts.
describe('over HTTPS, as K2 serves it', () => {
	let root: string;
	let result: Record<string, any>;
	beforeAll(() => {
		root = mkdtempSync(path.join(tmpdir(), 'k2-https-'));
		const trusted = path.join(root, 'trusted');
		const untrusted = path.join(root, 'untrusted');
		// The CA must exist when the child starts: Node reads NODE_EXTRA_CA_CERTS once.
		const { caPath } = ensureTls(trusted);
		ensureTls(untrusted);
		const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'https-child.ts'), trusted, untrusted, path.join(root, 'untrusted-data'), path.join(root, 'k2-data')], {
			cwd: path.resolve(__dirname, '../..'),
			env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath, NODE_OPTIONS: '' },
			encoding: 'utf8',
			timeout: 120_000,
		});
		const line = child.stdout.trim().split('\n').pop() ?? '';
		try {
			result = JSON.parse(line);
		} catch {
			throw new Error(`https-child printed no result (status ${child.status}, signal ${child.signal}): ${child.stdout.slice(-2000)} ${child.stderr.slice(-2000)}`);
		}
		if (result.failed) throw new Error(`https-child failed: ${result.failed}`);
	});
	afterAll(() => rmSync(root, { recursive: true, force: true }));

	test('both services are served over https on loopback', () => {
		assert.match(result.scimBaseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
		assert.match(result.authority, /^https:\/\/127\.0\.0\.1:\d+\//);
	});

	test('Create and a Sync of 30 users work over HTTPS with certificate checks on', () => {
		assert.equal(result.create.error, undefined);
		assert.equal(result.create.output[0].userName, 'tls.first@corp.example');
		assert.equal(result.sync.error, undefined);
		const perUser = result.sync.output.filter((item: any) => item.action === 'created');
		assert.equal(perUser.length, 30, JSON.stringify(result.sync.output.slice(0, 3)));
	});

	test('an expired access token is refreshed at the IdentityToken service over HTTPS', () => {
		assert.equal(result.afterExpiry.error, undefined);
		assert.equal(result.afterExpiry.users, 31);
		assert.equal(result.afterExpiry.refreshed, 1);
	});

	test('a certificate no trusted CA signed is refused before any request: the error says so and carries no secret', () => {
		assert.equal(result.refused.output, undefined);
		assert.equal(result.untrustedRequests, 0, 'the untrusted host received no HTTP request, so no token');
		assert.match(result.refused.error, /TLS certificate was not accepted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
		const description = String(result.refused.description);
		assert.ok(description.includes(`of ${new URL(result.untrustedUrl).host}`), description);
		assert.match(description, /nothing was sent to it/);
		assert.match(description, /NODE_EXTRA_CA_CERTS/);
		assert.doesNotMatch(description, /retried/, 'a certificate problem is not retried');
		assertNoSecrets(result.refused, result.secrets, 'the certificate error');
	});
});
