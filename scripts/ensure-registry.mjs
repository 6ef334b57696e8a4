#!/usr/bin/env node
// Installs the dev tools for the published tarball into e2e/registry (its own package.json and
// lockfile, like e2e/n8n, so neither weighs on the package's devDependencies): Verdaccio 6.8.0, a
// real npm registry that test/e2e/community-install.e2e.test.ts and `npm run verify` run on
// loopback, and n8n's community-package scanner (@n8n/scan-community-package). ~270 MB, ~50 s
// the first time; reused afterwards.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'e2e', 'registry');
const wanted = ['verdaccio', path.join('@n8n', 'scan-community-package')];

if (!wanted.every((name) => existsSync(path.join(dir, 'node_modules', name, 'package.json')))) {
	const ci = existsSync(path.join(dir, 'package-lock.json'));
	console.log(`Installing Verdaccio and n8n's scanner into e2e/registry (first time only: ~270 MB, about a minute)...`);
	const started = Date.now();
	const r = spawnSync('npm', [ci ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
	if (r.status !== 0) {
		console.error(`npm ${ci ? 'ci' : 'install'} in e2e/registry failed (exit ${r.status})`);
		process.exit(1);
	}
	console.log(`  e2e/registry: done in ${Math.round((Date.now() - started) / 1000)}s`);
}
