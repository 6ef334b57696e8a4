#!/usr/bin/env node
// The one installer for the folders this project installs on first use, each with its own
// package.json and package-lock.json so that they do not weigh on the package's own `npm ci`:
// e2e/n8n (n8n 2.8.4: npm test, npm start -- --n8n 2.8), the compatibility lines and the Node 24
// binary from the npm registry (e2e/compat/*, scripts/ensure-compat.mjs), the registry tools
// (e2e/registry), the n8n-workflow of each line (e2e/line-types, npm run typecheck:lines) and n8n's
// node CLI (tools/n8n-node-cli, npm run lint).
//
// ensureInstalled({ dir }) runs `npm ci` (npm install when there is no lockfile) only when the
// folder's node_modules is missing or its package.json / package-lock.json changed since the last
// install (their hash is kept in node_modules/.install-hash), prints progress every 10 s while npm
// works, then checks that the folder's native modules load in the Node that will run them and
// builds those that do not (the install scripts each package.json's allowScripts denies stay denied).
//
//   node scripts/ensure-install.mjs e2e/registry [more folders]   # folders without native modules
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const STAMP = '.install-hash';
/** Held while a process installs a folder (.ci/run installs n8n in the background while tests run). */
const LOCK = '.install-lock';
/**
 * The holder touches its lock this often; a lock nobody touched for STALE_MS has no holder, whatever
 * its pid file says: a dead holder's pid may have been given to another process (or to this one),
 * and a holder killed right after taking the lock wrote none. (`du` in run()'s progress blocks a few s.)
 */
const HEARTBEAT_MS = 5_000;
const STALE_MS = 60_000;

function alive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return err.code === 'EPERM';
	}
}

/**
 * Waits until no other process installs `dir`, then holds its lock until `release()`. A lock
 * whose process is gone (killed mid-install), or that nobody touched for a minute, is taken over.
 */
async function lockFolder(dir, label) {
	const lock = path.join(dir, LOCK);
	let told = false;
	for (;;) {
		let taken = false;
		try {
			mkdirSync(lock);
			taken = true;
			writeFileSync(path.join(lock, 'pid'), String(process.pid));
			const beat = setInterval(() => {
				try {
					const now = new Date();
					utimesSync(lock, now, now);
				} catch {}
			}, HEARTBEAT_MS);
			beat.unref();
			return () => {
				clearInterval(beat);
				rmSync(lock, { recursive: true, force: true });
			};
		} catch (err) {
			if (taken) rmSync(lock, { recursive: true, force: true });
			if (err.code !== 'EEXIST') throw err;
		}
		let pid = NaN;
		try {
			pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
		} catch {}
		let ageMs;
		try {
			ageMs = Date.now() - statSync(lock).mtimeMs;
		} catch {
			continue; // released meanwhile
		}
		// No pid yet: the holder is between mkdir and write; a pid that is gone: a dead holder; an
		// untouched lock: no holder at all.
		if ((Number.isInteger(pid) && pid > 0 && !alive(pid)) || ageMs > STALE_MS) {
			rmSync(lock, { recursive: true, force: true });
			continue;
		}
		if (!told) console.log(`${label}: another process (pid ${Number.isNaN(pid) ? '?' : pid}) is installing it; waiting...`);
		told = true;
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}

/** Hash of what npm installs from: package.json (overrides, allowScripts) and the lockfile. */
function manifestHash(dir) {
	const hash = createHash('sha256');
	for (const name of ['package.json', 'package-lock.json']) {
		const file = path.join(dir, name);
		hash.update(`${name}\0${existsSync(file) ? readFileSync(file) : ''}\0`);
	}
	return hash.digest('hex');
}

/**
 * An install made before the hash was kept: adopted when every dependency in package.json is
 * installed at the lockfile's version (so an existing 2 GB install is not redone for nothing).
 */
function matchesLockfile(dir) {
	const lockFile = path.join(dir, 'package-lock.json');
	if (!existsSync(lockFile)) return false;
	const { packages = {} } = JSON.parse(readFileSync(lockFile, 'utf8'));
	const { dependencies = {} } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
	return Object.keys(dependencies).every((name) => {
		const installed = path.join(dir, 'node_modules', name, 'package.json');
		return existsSync(installed) && JSON.parse(readFileSync(installed, 'utf8')).version === packages[`node_modules/${name}`]?.version;
	});
}

function installState(dir) {
	const modules = path.join(dir, 'node_modules');
	if (!existsSync(modules)) return 'missing';
	const stamp = path.join(modules, STAMP);
	if (existsSync(stamp)) return readFileSync(stamp, 'utf8').trim() === manifestHash(dir) ? 'current' : 'changed';
	if (matchesLockfile(dir)) {
		writeFileSync(stamp, `${manifestHash(dir)}\n`);
		return 'current';
	}
	return 'changed';
}

function du(dir) {
	const r = spawnSync('du', ['-sm', dir], { encoding: 'utf8' });
	return r.status === 0 ? `${r.stdout.split('\t')[0]} MB` : '? MB';
}

/** Run a command in `cwd`, printing progress every 10 s and npm's output only when it fails. Resolves to seconds. */
export function run(cmd, args, { cwd, label, env = process.env }) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
		let tail = '';
		const keep = (chunk) => {
			tail = (tail + chunk.toString()).slice(-8000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		const modules = path.join(cwd, 'node_modules');
		const tick = setInterval(() => {
			let count = 0;
			try {
				count = readdirSync(modules).length;
			} catch {}
			const s = Math.round((Date.now() - started) / 1000);
			process.stdout.write(`  ${label}: ${s}s, ${count} top-level packages, ${du(modules)} in ${path.relative(root, modules)}\n`);
		}, 10_000);
		child.on('error', (err) => {
			clearInterval(tick);
			reject(err);
		});
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

/** The native modules that do not load in `node` (required from node_modules/<from>). */
function nativeBroken(dir, native, node, from) {
	return native.filter((name) => {
		const r = spawnSync(node, ['-e', `require(${JSON.stringify(name)})`], { cwd: path.join(dir, 'node_modules', from), encoding: 'utf8' });
		return r.status !== 0;
	});
}

/** Build a native module for `node` with its own install script (denied by allowScripts when it cannot build for the system Node). */
async function buildNative(dir, name, node, from, label) {
	const moduleDir = [path.join(dir, 'node_modules', name), path.join(dir, 'node_modules', from, 'node_modules', name)].find((d) =>
		existsSync(path.join(d, 'package.json')),
	);
	if (!moduleDir) throw new Error(`${label}: native module ${name} is not installed`);
	const script = JSON.parse(readFileSync(path.join(moduleDir, 'package.json'), 'utf8')).scripts?.install ?? 'node-gyp rebuild';
	const env = { ...process.env, PATH: [path.dirname(node), path.join(dir, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter) };
	// A Node from the npm registry carries its headers (include/node): node-gyp builds offline.
	if (node !== process.execPath) env.npm_config_nodedir = path.dirname(path.dirname(node));
	await run('sh', ['-c', script], { cwd: moduleDir, label: `${label}: build ${name}`, env });
}

/**
 * Make a folder's install ready; returns what was done and how long it took.
 *
 * @param {object} options
 * @param {string} options.dir folder with package.json (and package-lock.json), absolute or relative to the repository
 * @param {string} [options.label] name in the messages (default: the folder)
 * @param {string} [options.about] the first install's cost, told before it starts (e.g. "about 2 GB, 4-6 minutes")
 * @param {string[]} [options.native] native modules that must load in `node`
 * @param {string} [options.node] the Node binary that runs what is installed (default: this one)
 * @param {string} [options.nativeFrom] the package the native modules are required from (default: the folder itself)
 * @returns {Promise<{ steps: string[], seconds: number }>}
 */
export async function ensureInstalled({ dir, label, about, native = [], node = process.execPath, nativeFrom = '', ignoreScripts = false }) {
	const started = Date.now();
	dir = path.resolve(root, dir);
	const rel = path.relative(root, dir);
	label ??= rel;
	if (!existsSync(path.join(dir, 'package.json'))) throw new Error(`${rel}/package.json is missing`);
	const release = await lockFolder(dir, label);
	try {
		return await install(dir, rel, { label, about, native, node, nativeFrom, ignoreScripts, started });
	} finally {
		release();
	}
}

async function install(dir, rel, { label, about, native, node, nativeFrom, ignoreScripts, started }) {
	const steps = [];
	const state = installState(dir);
	if (state !== 'current') {
		const ci = existsSync(path.join(dir, 'package-lock.json'));
		const why = state === 'missing' ? 'first time only' : 'package.json or package-lock.json changed';
		console.log(`Installing ${label === rel ? rel : `${label} into ${rel}`} (${why}${about ? `: ${about}` : ''}; progress every 10 s)...`);
		try {
			await run('npm', [ci ? 'ci' : 'install', '--no-audit', '--no-fund', ...(ignoreScripts ? ['--ignore-scripts'] : [])], { cwd: dir, label: `${label}: npm ${ci ? 'ci' : 'install'}` });
		} catch (err) {
			// A half-done install must not pass for an old complete one next time.
			if (existsSync(path.join(dir, 'node_modules'))) writeFileSync(path.join(dir, 'node_modules', STAMP), 'incomplete\n');
			throw err;
		}
		writeFileSync(path.join(dir, 'node_modules', STAMP), `${manifestHash(dir)}\n`);
		steps.push(state === 'missing' ? 'installed' : 'reinstalled');
	}
	const broken = nativeBroken(dir, native, node, nativeFrom);
	if (broken.length) {
		console.log(`Building ${label}'s native modules for ${node === process.execPath ? 'this Node' : node}: ${broken.join(', ')}...`);
		for (const name of broken) await buildNative(dir, name, node, nativeFrom, label);
		const still = nativeBroken(dir, broken, node, nativeFrom);
		if (still.length) throw new Error(`${label}'s native modules still do not load: ${still.join(', ')}`);
		steps.push('native modules built');
	}
	return { steps, seconds: Math.round((Date.now() - started) / 1000) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	(async () => {
		const dirs = process.argv.slice(2);
		if (!dirs.length) throw new Error('usage: node scripts/ensure-install.mjs <folder with package.json>...');
		for (const dir of dirs) {
			const { steps, seconds } = await ensureInstalled({ dir });
			console.log(`${dir}: ${steps.length ? `${steps.join(', ')} (${seconds}s)` : 'already installed'}`);
		}
	})().catch((err) => {
		console.error(err.message);
		process.exit(1);
	});
}
