#!/usr/bin/env node
// Installs n8n's node CLI (@n8n/node-cli: `n8n-node lint`, the linter n8n's verification asks
// for) into tools/n8n-node-cli, with its own package.json and lockfile like e2e/registry, so its
// ~700 MB do not weigh on the package's `npm ci`. Runs the first time and whenever the pinned
// version changes. Install scripts are skipped: the only ones in its tree are
// eslint-plugin-n8n-nodes-base's preinstall (`npx only-allow pnpm`, which fails under npm) and
// isolated-vm's native build (Node 24 only; lint does not load it).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const NODE_CLI_DIR = path.join(root, 'tools', 'n8n-node-cli');
const manifest = path.join(NODE_CLI_DIR, 'node_modules', '@n8n', 'node-cli', 'package.json');
const wanted = JSON.parse(readFileSync(path.join(NODE_CLI_DIR, 'package.json'), 'utf8')).dependencies['@n8n/node-cli'];
const installedVersion = () => (existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined);

if (installedVersion() !== wanted) {
	console.log(`Installing @n8n/node-cli ${wanted} into tools/n8n-node-cli (first time only: ~700 MB, a few minutes)...`);
	const started = Date.now();
	const r = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: NODE_CLI_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
	if (r.status !== 0 || installedVersion() !== wanted) {
		console.error(`npm ci in tools/n8n-node-cli failed (exit ${r.status})`);
		process.exit(1);
	}
	console.log(`  tools/n8n-node-cli: done in ${Math.round((Date.now() - started) / 1000)}s`);
}
