// `npm run verify`: n8n's verification checks that run offline, on the tarball users would get.
// 1. `npm pack`, publish it to a loopback Verdaccio (test/e2e/support/registry.ts) and download it
//    back with `npm pack <name>@<version>`, as @n8n/scan-community-package does.
// 2. The scanner's own analysis (its exported analyzePackage and SOURCE_FILE_PATTERNS, the ESLint
//    config it builds: @n8n/eslint-plugin-community-nodes `recommended`, no-console, and
//    eslint-plugin-n8n-nodes-base's community/credentials/nodes rules) on both of its legs: the
//    source (this checkout: package.json, nodes/, credentials/) and the downloaded tarball
//    (**/*.js and package.json).
// 3. What the scanner cannot check offline, said plainly: its CLI reads registry.npmjs.org (fixed
//    in its code), requires npm provenance and fetches the attested source from GitHub. Provenance
//    comes from .github/workflows/publish.yml (`npm publish --provenance`); after a release run
//    `npx @n8n/scan-community-package n8n-nodes-k2-scim` for the full check.
// Also: no runtime dependencies in the published package.json. Exits non-zero on any finding.
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { REGISTRY_TOOLS_DIR, Registry, ensureRegistryTools, npmPack } from '../test/e2e/support/registry';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
	const started = Date.now();
	ensureRegistryTools();
	const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const work = mkdtempSync(path.join(os.tmpdir(), 'k2-verify-'));
	const registry = await Registry.start();
	let failed = false;
	try {
		const packed = npmPack(work);
		console.log(`npm pack: ${path.basename(packed.file)}, ${packed.files.length} files, ${(packed.size / 1000).toFixed(1)} kB (${(packed.unpackedSize / 1000).toFixed(1)} kB unpacked)`);
		registry.publish(packed.file);
		console.log(`published to the loopback registry ${registry.url}`);

		// The scanner's download step: npm pack <name>@<version> from the registry, then untar.
		const download = path.join(work, 'download');
		mkdirSync(download);
		const r = registry.npm(['-q', 'pack', `${pkg.name}@${pkg.version}`], download);
		if (r.status !== 0) throw new Error(`npm pack ${pkg.name}@${pkg.version} from the registry failed: ${r.stderr}`);
		const packageDir = path.join(download, 'package');
		const untar = spawnSync('tar', ['-xzf', r.stdout.trim(), '-C', download], { cwd: download, encoding: 'utf8' });
		if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);

		const published = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
		const deps = Object.keys(published.dependencies ?? {});
		if (deps.length) {
			failed = true;
			console.log(`❌ runtime dependencies in the published package.json: ${deps.join(', ')} (n8n verification allows none)`);
		} else {
			console.log(`✅ no runtime dependencies (peer: ${Object.keys(published.peerDependencies ?? {}).join(', ')})`);
		}

		const scannerDir = path.join(REGISTRY_TOOLS_DIR, 'node_modules', '@n8n', 'scan-community-package');
		const scannerVersion = JSON.parse(readFileSync(path.join(scannerDir, 'package.json'), 'utf8')).version;
		// The scanner makes a temp folder when it loads (tmp.dirSync): have tmp remove it at exit.
		const tmp = await import(pathToFileURL(require.resolve('tmp', { paths: [scannerDir] })).href);
		(tmp.default ?? tmp).setGracefulCleanup();
		const scanner = await import(pathToFileURL(path.join(scannerDir, 'scanner', 'scanner.mjs')).href);
		const provenance = await import(pathToFileURL(path.join(scannerDir, 'scanner', 'provenance.mjs')).href);
		const legs: Array<[string, string, string[]]> = [
			['source (this checkout)', ROOT, scanner.SOURCE_FILE_PATTERNS],
			[`tarball (${pkg.name}@${pkg.version} from the registry)`, packageDir, ['**/*.js', 'package.json']],
		];
		for (const [label, dir, patterns] of legs) {
			const result = await scanner.analyzePackage(dir, patterns);
			if (result.passed) {
				console.log(`✅ @n8n/scan-community-package ${scannerVersion} analysis, ${label}: clean${result.message ? ` (${result.message})` : ''}`);
			} else {
				failed = true;
				console.log(`❌ @n8n/scan-community-package ${scannerVersion} analysis, ${label}: ${result.message}`);
				if (result.details) console.log(result.details);
			}
		}

		const offline = provenance.checkPackageProvenance(await registry.packument(pkg.name), pkg.version);
		console.log(
			`ℹ️  provenance: not checkable offline (a local publish has no attestation: "${offline.message ?? 'passed'}"). ` +
				'.github/workflows/publish.yml publishes with --provenance; after a release run `npx @n8n/scan-community-package ' +
				`${pkg.name}\` for the scanner's full check.`,
		);
	} finally {
		await registry.stop();
		rmSync(work, { recursive: true, force: true });
	}
	console.log(`${failed ? 'verify: FAILED' : 'verify: clean'} (${Math.round((Date.now() - started) / 1000)} s)`);
	if (failed) process.exit(1);
}

main().catch((error) => {
	console.error(error.stack ?? error.message);
	process.exit(1);
});
