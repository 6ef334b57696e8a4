// scripts/ensure-install.mjs locks a folder while it installs it (.ci/run installs n8n in the
// background while npm test may ask for the same folder). A lock nobody holds any more must not
// make the next install wait forever, whatever its pid file says.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, beforeEach, test } from '@jest/globals';

/**
 * The script's ensureInstalled(), run in a worker thread: the script is an ES module, which jest's
 * module registry loads only with --experimental-vm-modules; a worker loads it with Node's own loader
 * and shares this process and its pid.
 */
function ensureInstalled(options: { dir: string }): Promise<{ steps: string[]; seconds: number }> {
	const url = pathToFileURL(path.resolve(__dirname, '../../scripts/ensure-install.mjs')).href;
	const code = `const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url).then((m) => m.ensureInstalled(workerData.options)).then((result) => parentPort.postMessage(result));`;
	return new Promise((resolve, reject) => {
		const worker = new Worker(code, { eval: true, workerData: { url, options } });
		worker.once('message', resolve);
		worker.once('error', reject);
		worker.once('exit', (code) => reject(new Error(`the installer's worker exited (code ${code}) without an answer`)));
	});
}
let dir: string;
const lock = () => path.join(dir, '.install-lock');
/** A process that is alive but installs nothing (a pid the system gave again after the holder died). */
const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });

beforeAll(() => {
	// A folder whose install is current (no dependencies, node_modules present): no npm runs.
	dir = mkdtempSync(path.join(tmpdir(), 'ensure-install-'));
	writeFileSync(path.join(dir, 'package.json'), '{"name":"lock-test","private":true}\n');
	writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
	mkdirSync(path.join(dir, 'node_modules'));
});
beforeEach(() => rmSync(lock(), { recursive: true, force: true }));
afterAll(() => {
	unrelated.kill();
	rmSync(dir, { recursive: true, force: true });
});

/** A lock as a holder left it `ageMs` ago, with this pid file content (undefined: no file). */
function leaveLock(pid: string | undefined, ageMs: number) {
	mkdirSync(lock());
	if (pid !== undefined) writeFileSync(path.join(lock(), 'pid'), pid);
	const then = new Date(Date.now() - ageMs);
	utimesSync(lock(), then, then);
}

const within = async <T>(ms: number, promise: Promise<T>): Promise<T | 'timed out'> =>
	await Promise.race([promise, new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms).unref())]);

test('a live holder is waited for, then its folder is installed', async () => {
	leaveLock(String(unrelated.pid), 0);
	const waiting = ensureInstalled({ dir });
	assert.equal(await within(2500, waiting), 'timed out', 'waits while the lock is held');
	rmSync(lock(), { recursive: true });
	assert.notEqual(await within(5000, waiting), 'timed out');
	assert.equal(existsSync(lock()), false, 'released');
});

for (const [what, pid] of [
	['the pid of a live process that does not hold it (the dead holder\'s pid, given again)', () => String(unrelated.pid)],
	["this process's own pid", () => String(process.pid)],
	['no pid (the holder died between taking the lock and writing its pid)', () => undefined],
	['an empty pid file', () => ''],
] as const) {
	test(`a lock left long ago with ${what} is taken over`, async () => {
		leaveLock(pid(), 10 * 60_000);
		assert.notEqual(await within(5000, ensureInstalled({ dir })), 'timed out', 'installs instead of waiting forever');
		assert.equal(existsSync(lock()), false, 'released');
	});
}
