#!/usr/bin/env node
// Installs the real n8n used by the end-to-end tests and `npm start` into e2e/n8n (its own
// package.json and lockfile, so the package itself stays light) when it is not there yet.
// First install: ~2 GB, 4-6 minutes; this prints progress while npm works.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'e2e', 'n8n');
const bin = path.join(dir, 'node_modules', '.bin', 'n8n');
const quiet = process.argv.includes('--quiet');

/** n8n's native modules, which must load (a skipped install script leaves them unbuilt). */
const NATIVE = ['sqlite3'];

function nativeOk() {
	const bad = [];
	for (const name of NATIVE) {
		const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(name)})`], {
			cwd: path.join(dir, 'node_modules', 'n8n'),
			encoding: 'utf8',
		});
		if (r.status !== 0) bad.push(name);
	}
	return bad;
}

function run(cmd, args, label) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
		let tail = '';
		const keep = (chunk) => {
			tail = (tail + chunk.toString()).slice(-8000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		const tick = setInterval(() => {
			let count = 0;
			try {
				count = readdirSync(path.join(dir, 'node_modules')).length;
			} catch {}
			const s = Math.round((Date.now() - started) / 1000);
			process.stdout.write(`  ${label}: ${s}s, ${count} top-level packages in e2e/n8n/node_modules\n`);
		}, 10_000);
		child.on('error', reject);
		child.on('close', (code) => {
			clearInterval(tick);
			const s = Math.round((Date.now() - started) / 1000);
			if (code === 0) {
				console.log(`  ${label}: done in ${s}s`);
				resolve();
			} else {
				process.stderr.write(tail);
				reject(new Error(`${label} failed (exit ${code}) after ${s}s`));
			}
		});
	});
}

async function main() {
	if (!existsSync(bin)) {
		const hasLock = existsSync(path.join(dir, 'package-lock.json'));
		console.log(
			`Installing n8n into e2e/n8n (first time only: about 2 GB, 4-6 minutes; progress every 10 s)...`,
		);
		await run('npm', [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund'], `npm ${hasLock ? 'ci' : 'install'}`);
	}
	let bad = nativeOk();
	if (bad.length) {
		console.log(`Building n8n's native modules: ${bad.join(', ')}...`);
		await run('npm', ['rebuild', ...bad], 'npm rebuild');
		bad = nativeOk();
		if (bad.length) throw new Error(`n8n's native modules still do not load: ${bad.join(', ')}`);
	}
	if (!quiet) console.log(`n8n is installed: ${path.relative(root, bin)}`);
}

main().catch((err) => {
	console.error(err.message);
	process.exit(1);
});
