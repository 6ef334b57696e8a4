// End to end, installed as users install it: `npm pack` of this repository (what `npm publish`
// uploads), published to a real npm registry on loopback (Verdaccio 6.8.0 from e2e/registry),
// then installed by real n8n (2.8.4, or the line K2_E2E_N8N names), started WITHOUT the package,
// through its own Community Nodes installer: POST /rest/community-packages, as the Settings >
// Community Nodes screen does, with n8n pointed at that registry (N8N_COMMUNITY_PACKAGES_REGISTRY).
// n8n runs `npm pack` + `npm install` in its nodes folder and loads the package; then the
// credential is connected through n8n's OAuth2 PKCE flow and example 1 runs against the sandbox.
// This proves the published tarball: "files", dist, icons, codex, no missing runtime dependency.
//
// Two test-only settings, both n8n's own: a registry other than registry.npmjs.org is a licensed
// feature, turned on with n8n's end-to-end test hook (E2E_TESTS=true, PATCH /rest/e2e/feature);
// and HTTPS_PROXY points at a closed loopback port, so n8n's package-status call to its own
// backend (api.n8n.io) fails on this machine instead of leaving it (n8n then allows the install).
// n8n's list of installed packages runs `npm outdated` with npm's own registry setting (not n8n's),
// so npm_config_registry names the loopback registry too.
// Prerequisites (npm test does them): npm run build, node scripts/ensure-n8n.mjs; Verdaccio is
// installed into e2e/registry on first use (scripts/ensure-registry.mjs).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, jest, test } from '@jest/globals';
import { startSandbox, type Sandbox } from '../../sandbox';
import { followAuthorization } from '../support/oidc-login';
import { ScimClient } from '../support/scim-client';
import { CREDENTIAL_TYPE, N8N_UNDER_TEST, N8n, NODE_TYPE, PACKAGE_NAME, ROOT, freePort, sandboxCredentialData, type WorkflowJson } from './support/n8n';
import { Registry, ensureRegistryTools, npmPack, tarballPackageJson, type PackResult } from './support/registry';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Every file under `dir` (relative, sorted). */
function filesUnder(dir: string, base = dir): string[] {
	return readdirSync(dir)
		.flatMap((name) => {
			const full = path.join(dir, name);
			return statSync(full).isDirectory() ? filesUnder(full, base) : [path.relative(base, full)];
		})
		.sort();
}

jest.setTimeout(600_000);

describe(`${PACKAGE_NAME} packed, published to a loopback registry and installed by ${N8N_UNDER_TEST.label}'s Community Nodes installer`, () => {
	let work: string;
	let packed: PackResult;
	let registry: Registry;
	let sandbox: Sandbox;
	let n8n: N8n;

	beforeAll(async () => {
		ensureRegistryTools();
		work = mkdtempSync(path.join(os.tmpdir(), 'k2-community-install-'));
		packed = npmPack(work);
		registry = await Registry.start();
		registry.publish(packed.file);
		const port = await freePort();
		sandbox = await startSandbox({ quiet: true, redirectUris: [`http://127.0.0.1:${port}/rest/oauth2-credential/callback`] });
		n8n = await N8n.start({
			port,
			install: 'none',
			secrets: [sandbox.scimToken],
			env: {
				N8N_COMMUNITY_PACKAGES_REGISTRY: registry.url,
				// The Community Nodes list's update check (`npm outdated`) uses npm's own registry
				// setting, not n8n's: without this it would wait on registry.npmjs.org.
				npm_config_registry: `${registry.url}/`,
				E2E_TESTS: 'true',
				HTTPS_PROXY: `http://127.0.0.1:${await freePort()}`,
				NO_PROXY: '127.0.0.1,localhost',
			},
		});
		await n8n.setupOwner();
		await n8n.enableLicenseFeatureForTests('feat:communityNodes:customRegistry');
	});

	afterAll(async () => {
		await n8n?.stop();
		await sandbox?.stop();
		await registry?.stop();
		if (work) rmSync(work, { recursive: true, force: true });
	});

	test('the tarball ships only what n8n loads and a user reads', () => {
		const distJs = filesUnder(path.join(ROOT, 'dist'))
			.filter((f) => f.endsWith('.js'))
			.map((f) => `dist/${f}`);
		const expected = [
			'CHANGELOG.md',
			'LICENSE',
			'README.md',
			'dist/nodes/K2Scim/K2Scim.node.json',
			'dist/nodes/K2Scim/k2.dark.svg',
			'dist/nodes/K2Scim/k2.svg',
			'dist/nodes/K2ScimTrigger/K2ScimTrigger.node.json',
			'dist/nodes/K2ScimTrigger/k2.dark.svg',
			'dist/nodes/K2ScimTrigger/k2.svg',
			'index.js',
			'package.json',
			...distJs,
		].sort();
		assert.deepEqual(packed.files, expected);
		for (const f of packed.files) assert.doesNotMatch(f, /\.(map|d\.ts|tsbuildinfo|ts)$|^dist\/package\.json$|^(sandbox|test|examples|scripts|bench|e2e)\//, f);
		// What package.json points n8n at is in the tarball.
		for (const f of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) assert.ok(packed.files.includes(f), `${f} is shipped`);
		const shipped = tarballPackageJson(packed.file);
		assert.deepEqual(shipped.dependencies ?? {}, {}, 'no runtime dependencies');
		assert.deepEqual(Object.keys(shipped.peerDependencies ?? {}), ['n8n-workflow']);
		// A guard against shipping tests, sources or node_modules: the package itself is ~106 kB packed (Dec 2026).
		assert.ok(packed.size < 150_000, `packed size ${packed.size} B`);
	});

	test('installed through POST /rest/community-packages from the registry: the node and credential load under their community type names', async () => {
		assert.ok(!(await n8n.nodeTypes()).some((t) => t.name === NODE_TYPE), 'n8n started without the package');
		const installed = await n8n.installCommunityPackage(PACKAGE_NAME);
		assert.equal(installed.packageName, PACKAGE_NAME);
		assert.equal(installed.installedVersion, pkg.version);
		assert.deepEqual(
			installed.installedNodes.map((n) => n.type).sort(),
			[NODE_TYPE, `${PACKAGE_NAME}.k2ScimTrigger`],
		);
		const listed = await n8n.listCommunityPackages();
		assert.deepEqual(
			listed.map((p) => [p.packageName, p.installedVersion]),
			[[PACKAGE_NAME, pkg.version]],
		);

		// On disk, what n8n extracted from the registry's tarball (plus npm install's lockfile).
		const dir = path.join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
		const onDisk = filesUnder(dir).filter((f) => f !== 'package-lock.json');
		assert.deepEqual(onDisk, packed.files);
		assert.ok(!existsSync(path.join(dir, 'node_modules')) || readdirSync(path.join(dir, 'node_modules')).filter((f) => !f.startsWith('.')).length === 0, 'npm install added no dependency');

		const type = (await n8n.nodeTypes()).find((t) => t.name === NODE_TYPE);
		assert.ok(type, `${NODE_TYPE} is loaded`);
		assert.equal(type.displayName, 'K2 SCIM');
		const credential = (await n8n.credentialTypes()).find((t) => t.name === CREDENTIAL_TYPE);
		assert.ok(credential, `${CREDENTIAL_TYPE} is loaded`);
		assert.deepEqual(credential.extends, ['oAuth2Api']);
		// The icons n8n serves from the installed package (the editor's <img> URLs).
		for (const icon of ['k2.svg', 'k2.dark.svg']) {
			const res = await n8n.request('GET', `/icons/${PACKAGE_NAME}/dist/nodes/K2Scim/${icon}`, undefined, { accept: 'image/svg+xml' });
			assert.equal(res.status, 200, icon);
			assert.match(await res.text(), /<svg/, icon);
		}
	});

	test('the installed package runs example 1 against the K2 sandbox: 200 with the new K2 user ID', async () => {
		const credential = await n8n.createCredential('K2 SCIM account', CREDENTIAL_TYPE, sandboxCredentialData(sandbox));
		await n8n.connectOAuth2(credential.id, (url, redirectUri) => followAuthorization(url, redirectUri));
		const workflow = JSON.parse(readFileSync(path.join(ROOT, 'examples', '01-hr-webhook-create-or-update.json'), 'utf8')) as WorkflowJson;
		for (const node of workflow.nodes) if (node.type === NODE_TYPE) node.credentials = { [CREDENTIAL_TYPE]: credential };
		const wf = await n8n.createWorkflow(workflow);
		await n8n.activateWorkflow(wf.id, wf.versionId);
		try {
			const response = await n8n.callWebhook('k2/hr-user', { userName: 'installed.user@example.com', email: 'installed.user@example.com', givenName: 'Ina' });
			assert.equal(response.status, 200, response.text);
			assert.equal(response.body.action, 'created', response.text);
			const user = await new ScimClient(sandbox).findUser('installed.user@example.com');
			assert.ok(user, 'the user exists in K2');
			assert.equal(response.body.id, user.id);
		} finally {
			await n8n.deactivateWorkflow(wf.id);
		}
	});
});
