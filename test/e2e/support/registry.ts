// A real npm registry on loopback for the published-tarball tests: Verdaccio 6.8.0 from
// e2e/registry (scripts/ensure-registry.mjs installs it), run by the system Node in a child
// process with its storage in a temp folder, no uplinks (it serves only what is published to it,
// and never forwards a request off this machine), one user to publish with. Also `npm pack` of
// this repository, the way `npm publish` builds the tarball.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const REGISTRY_TOOLS_DIR = path.join(ROOT, 'e2e', 'registry');
const VERDACCIO_BIN = path.join(REGISTRY_TOOLS_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio');

/** Install Verdaccio and the scanner into e2e/registry when they are not there yet. */
export function ensureRegistryTools(): void {
	const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-registry.mjs')], { stdio: 'inherit' });
	if (r.status !== 0) throw new Error('scripts/ensure-registry.mjs failed');
}

export interface PackResult {
	/** Absolute path of the .tgz. */
	file: string;
	/** Paths inside the package, sorted. */
	files: string[];
	size: number;
	unpackedSize: number;
}

/** `npm pack` of the repository (dist must be built) into `destination`. */
export function npmPack(destination: string, cwd = ROOT): PackResult {
	const r = spawnSync('npm', ['pack', '--json', '--pack-destination', destination], { cwd, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
	const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Array<{ filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> }>;
	return {
		file: path.join(destination, info.filename),
		files: info.files.map((f) => f.path).sort(),
		size: info.size,
		unpackedSize: info.unpackedSize,
	};
}

async function freePort(): Promise<number> {
	const net = await import('node:net');
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as import('node:net').AddressInfo;
			srv.close(() => resolve(port));
		});
	});
}

export class Registry {
	private log = '';
	private constructor(
		readonly url: string,
		/** An npm user config with this registry and the publishing user's token. */
		readonly npmrc: string,
		private readonly dir: string,
		private readonly child: ChildProcess,
	) {}

	static async start(): Promise<Registry> {
		if (!existsSync(VERDACCIO_BIN)) throw new Error(`Verdaccio is not installed: run "node scripts/ensure-registry.mjs" (missing ${VERDACCIO_BIN})`);
		const dir = mkdtempSync(path.join(os.tmpdir(), 'k2-registry-'));
		const port = await freePort();
		const url = `http://127.0.0.1:${port}`;
		writeFileSync(
			path.join(dir, 'config.yaml'),
			[
				`storage: ${path.join(dir, 'storage')}`,
				'auth:',
				'  htpasswd:',
				`    file: ${path.join(dir, 'htpasswd')}`,
				'    max_users: 10',
				// No uplinks: nothing is fetched from (or forwarded to) another registry.
				'uplinks: {}',
				'packages:',
				"  '**':",
				'    access: $all',
				'    publish: $authenticated',
				'    unpublish: $authenticated',
				'web:',
				'  enable: false',
				'log: { type: stdout, format: pretty, level: warn }',
				'',
			].join('\n'),
		);
		const child = spawn(process.execPath, [VERDACCIO_BIN, '--config', path.join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
			cwd: dir,
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, NODE_NO_WARNINGS: '1' },
		});
		const registry = new Registry(url, path.join(dir, 'npmrc'), dir, child);
		const keep = (c: Buffer) => (registry.log = (registry.log + c.toString()).slice(-20_000));
		child.stdout!.on('data', keep);
		child.stderr!.on('data', keep);
		running.add(registry);
		try {
			const deadline = Date.now() + 30_000;
			for (;;) {
				if (child.exitCode !== null) throw new Error(`Verdaccio exited (code ${child.exitCode})`);
				const res = await fetch(`${url}/-/ping`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
				if (res?.ok) break;
				if (Date.now() > deadline) throw new Error('Verdaccio did not answer /-/ping within 30 s');
				await new Promise((r) => setTimeout(r, 200));
			}
			// npm adduser's request: Verdaccio's htpasswd plugin creates the user and returns a token.
			const res = await fetch(`${url}/-/user/org.couchdb.user:k2-publisher`, {
				method: 'PUT',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ name: 'k2-publisher', password: 'k2-registry-only-password' }),
				signal: AbortSignal.timeout(10_000),
			});
			const body = (await res.json()) as { token?: string };
			if (!res.ok || !body.token) throw new Error(`Verdaccio did not create the publishing user: HTTP ${res.status} ${JSON.stringify(body)}`);
			writeFileSync(registry.npmrc, `registry=${url}/\n//127.0.0.1:${port}/:_authToken=${body.token}\n`);
		} catch (error) {
			await registry.stop();
			throw new Error(`${(error as Error).message}\n--- Verdaccio output ---\n${registry.log}`);
		}
		return registry;
	}

	/** Verdaccio's output so far. */
	output(): string {
		return this.log;
	}

	/** npm, with this registry and the publisher's token (and nothing from the caller's npm config). */
	npm(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
		const env: Record<string, string> = {};
		// Not the npm_config_* of an `npm test` that runs this: only this registry's settings.
		for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && v !== undefined) env[k] = v;
		const r = spawnSync('npm', [...args, `--registry=${this.url}/`, `--userconfig=${this.npmrc}`], { cwd, encoding: 'utf8', env });
		return { status: r.status, stdout: r.stdout, stderr: r.stderr };
	}

	/** `npm publish <tarball>` to this registry (no provenance: that needs a CI's OIDC identity). */
	publish(tarball: string): void {
		const r = this.npm(['publish', tarball, '--access', 'public'], path.dirname(tarball));
		if (r.status !== 0) throw new Error(`npm publish failed (exit ${r.status}): ${r.stderr}\n${r.stdout}`);
	}

	/** The registry's document for a package (what npm and n8n read). */
	async packument(name: string): Promise<any> {
		const res = await fetch(`${this.url}/${encodeURIComponent(name)}`, { signal: AbortSignal.timeout(10_000) });
		if (!res.ok) throw new Error(`GET ${name} from the registry -> HTTP ${res.status}`);
		return res.json();
	}

	async stop(): Promise<void> {
		running.delete(this);
		if (this.child.exitCode === null && this.child.signalCode === null) {
			const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
			this.child.kill('SIGTERM');
			const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
			await exited;
			clearTimeout(timer);
		}
		rmSync(this.dir, { recursive: true, force: true });
	}
}

/** Read a tarball's package.json without extracting it (tar is on every CI machine). */
export function tarballPackageJson(tarball: string): any {
	const r = spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
	return JSON.parse(r.stdout);
}

const running = new Set<Registry>();
/** Kills every registry this module started that is still running (a file's last resort, and the process's). */
export function killLeftoverRegistries(): void {
	for (const r of running) {
		try {
			(r as unknown as { child: ChildProcess }).child.kill('SIGKILL');
		} catch {}
	}
}
process.once('exit', killLeftoverRegistries);

