#!/usr/bin/env node
// Installs n8n's node CLI (@n8n/node-cli: `n8n-node lint`, the linter n8n's verification asks
// for) into tools/n8n-node-cli, with its own package.json and lockfile (scripts/ensure-install.mjs),
// so its ~700 MB do not weigh on the package's `npm ci`. Runs the first time and whenever the pinned
// version changes; importing this module installs it. Install scripts are skipped: the only ones in
// its tree are eslint-plugin-n8n-nodes-base's preinstall (`npx only-allow pnpm`, which fails under
// npm) and isolated-vm's native build (Node 24 only; lint does not load it).
import path from 'node:path';
import { ensureInstalled, root } from './ensure-install.mjs';

export const NODE_CLI_DIR = path.join(root, 'tools', 'n8n-node-cli');

try {
	await ensureInstalled({ dir: NODE_CLI_DIR, label: "n8n's node CLI", about: '~700 MB, a few minutes', ignoreScripts: true });
} catch (err) {
	console.error(err.message);
	process.exit(1);
}
