#!/usr/bin/env node
// npm run typecheck:lines: nodes/ and credentials/ typechecked against the n8n-workflow of every
// n8n line the package supports, so that an API a line lacks is caught at build time, not by an
// e2e run. The root's n8n-workflow (2.8.0, n8n 2.8.4) is checked by npm run build / typecheck; the
// other lines' copies (1.120.31 from n8n 1.123.81, 2.41.0 from n8n 2.41.1) are installed on first
// use into e2e/line-types, whose tsconfig.<line>.json maps `n8n-workflow` to that line's copy.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureInstalled, root } from './ensure-install.mjs';

const LINES = ['1.123', '2.41'];
const dir = path.join(root, 'e2e', 'line-types');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

try {
	await ensureInstalled({ dir, label: 'the n8n-workflow of n8n 1.123 and 2.41', about: '~180 MB, about a minute' });
} catch (err) {
	console.error(err.message);
	process.exit(1);
}
const failed = [];
for (const line of LINES) {
	const started = Date.now();
	const r = spawnSync(process.execPath, [tsc, '-p', path.join(dir, `tsconfig.${line}.json`)], { cwd: root, stdio: 'inherit' });
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	const { version } = JSON.parse(readFileSync(path.join(dir, 'node_modules', `n8n-workflow-${line}`, 'package.json'), 'utf8'));
	console.log(`n8n ${line} (n8n-workflow ${version}): ${r.status === 0 ? 'types OK' : 'TYPE ERRORS'} (${seconds}s)`);
	if (r.status !== 0) failed.push(line);
}
if (failed.length) {
	console.error(`nodes/ and credentials/ do not typecheck against the n8n-workflow of n8n ${failed.join(', ')}`);
	process.exit(1);
}
