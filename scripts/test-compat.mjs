#!/usr/bin/env node
// npm run test:compat: the real-n8n e2e suite (test/e2e/*.e2e.test.ts) once per n8n line of the
// matrix (e2e/compat/matrix.json: 1.123.x on Node 20 and on Node 24, 2.8.4, the newest 2.x that
// installs here), each from
// its own install (scripts/ensure-compat.mjs installs what is missing) and run by the Node it needs.
// The tests pick the n8n with K2_E2E_N8N (test/e2e/support/n8n-version.ts). Prints how long each
// line took to install and to test, and exits non-zero when a line fails.
//
//   npm run test:compat                 # every line
//   npm run test:compat -- 2.41         # one line (or several: 1.123 1.123-node24 2.8 2.41 2.41-ssrf)
//   npm run test:compat -- --install-only
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ensureLine, root, selectLines } from './ensure-compat.mjs';

const args = process.argv.slice(2);
const installOnly = args.includes('--install-only');
const files = readdirSync(path.join(root, 'test', 'e2e'))
	.filter((f) => f.endsWith('.e2e.test.ts'))
	.sort()
	.map((f) => path.join('test', 'e2e', f));

/** The e2e files a line runs: all, or the matrix entry's `e2e` list (a variant of a line tested in full). */
function filesOf(entry) {
	if (!entry.e2e) return files;
	const chosen = entry.e2e.map((name) => path.join('test', 'e2e', name));
	const unknown = chosen.filter((file) => !files.includes(file));
	if (unknown.length) throw new Error(`e2e/compat/matrix.json: n8n ${entry.line} names e2e files that do not exist: ${unknown.join(', ')}`);
	return chosen;
}

function runTests(entry) {
	return new Promise((resolve) => {
		const started = Date.now();
		const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
		const child = spawn(process.execPath, [jest, '--selectProjects', 'e2e', '--runInBand', '--runTestsByPath', ...filesOf(entry)], {
			cwd: root,
			stdio: 'inherit',
			env: { ...process.env, K2_E2E_N8N: entry.dir, K2_E2E_LINE: entry.line },
		});
		child.on('close', (code) => resolve({ ok: code === 0, seconds: Math.round((Date.now() - started) / 1000) }));
	});
}

async function main() {
	const lines = selectLines(args);
	const results = [];
	for (const entry of lines) {
		console.log(`\n=== n8n ${entry.line} (${entry.dir}, Node: ${entry.node}) ===`);
		const row = { line: entry.line, version: '?', install: 'failed', installSeconds: 0, e2e: 'not run', e2eSeconds: 0 };
		results.push(row);
		try {
			const installed = await ensureLine(entry);
			row.version = installed.version;
			row.install = installed.steps.length ? 'installed' : 'reused';
			row.installSeconds = installed.seconds;
		} catch (error) {
			console.error(`n8n ${entry.line}: ${error.message}`);
			continue;
		}
		if (installOnly) continue;
		console.log(`Running ${filesOf(entry).length} e2e files against n8n ${row.version}...`);
		const tested = await runTests(entry);
		row.e2e = tested.ok ? 'pass' : 'FAIL';
		row.e2eSeconds = tested.seconds;
	}
	console.log('\nn8n compatibility matrix:');
	console.log('  line          version   install            e2e');
	for (const r of results) {
		console.log(
			`  ${r.line.padEnd(13)} ${String(r.version).padEnd(9)} ${`${r.install} (${r.installSeconds}s)`.padEnd(18)} ${installOnly ? '-' : `${r.e2e} (${r.e2eSeconds}s)`}`,
		);
	}
	const failed = results.filter((r) => r.install === 'failed' || (!installOnly && r.e2e !== 'pass'));
	if (failed.length) {
		console.error(`\nFailed: ${failed.map((r) => `n8n ${r.line}`).join(', ')}`);
		process.exit(1);
	}
}

main().catch((err) => {
	console.error(err.stack ?? err.message);
	process.exit(1);
});
