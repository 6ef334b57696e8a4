#!/usr/bin/env node
// Installs the real n8n used by npm test and the e2e tests: the matrix's line 2.8 (n8n 2.8.4 in
// e2e/n8n, its own package.json and lockfile, so the package itself stays light), through
// scripts/ensure-compat.mjs and scripts/ensure-install.mjs: npm ci only when missing or the lockfile
// changed (first install: ~2 GB, 4-6 minutes, progress every 10 s), then checks that sqlite3 loads.
import { ensureLine, selectLines } from './ensure-compat.mjs';

try {
	await ensureLine(selectLines(['2.8'])[0]);
} catch (err) {
	console.error(err.message);
	process.exit(1);
}
