#!/usr/bin/env node
// Installs the dev tools for the published tarball into e2e/registry (its own package.json and
// lockfile, like e2e/n8n, so neither weighs on the package's devDependencies): Verdaccio 6.8.0, a
// real npm registry that test/e2e/community-install.e2e.test.ts and `npm run verify` run on
// loopback, and n8n's community-package scanner (@n8n/scan-community-package). ~270 MB, ~50 s
// the first time; reused afterwards (scripts/ensure-install.mjs).
import { ensureInstalled } from './ensure-install.mjs';

try {
	await ensureInstalled({ dir: 'e2e/registry', label: "Verdaccio and n8n's scanner", about: '~270 MB, about a minute' });
} catch (err) {
	console.error(err.message);
	process.exit(1);
}
