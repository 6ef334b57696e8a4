// Small persistence helpers shared by the IdP adapter and the SCIM store.
// Writes are atomic (temp file + rename) so a crash mid-write never leaves half a JSON file,
// and debounced so a burst of requests costs one write, not one per request.
import { promises as fsp, readFileSync, writeFileSync, renameSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export function readJson<T>(file: string): T | undefined {
	if (!existsSync(file)) return undefined;
	try {
		return JSON.parse(readFileSync(file, 'utf8')) as T;
	} catch {
		// A corrupt snapshot must not stop the sandbox from starting; start empty instead.
		return undefined;
	}
}

export function writeJsonSync(file: string, data: unknown): void {
	mkdirSync(path.dirname(file), { recursive: true });
	const tmp = `${file}.${process.pid}.tmp`;
	writeFileSync(tmp, JSON.stringify(data));
	renameSync(tmp, file);
}

/**
 * Debounced snapshot writer. `schedule()` is cheap and can be called on every mutation;
 * the snapshot is serialised at most once per window. The window grows with the cost of
 * serialising (10x the last stringify time) so a 10k-user file does not eat the event loop.
 */
export class DebouncedWriter {
	private timer: NodeJS.Timeout | undefined;
	private dirty = false;
	private writing: Promise<void> = Promise.resolve();
	private lastCostMs = 0;

	constructor(
		private readonly file: string,
		private readonly snapshot: () => unknown,
		private readonly baseDelayMs = 200,
	) {}

	schedule(): void {
		this.dirty = true;
		if (this.timer) return;
		const delay = Math.min(5000, Math.max(this.baseDelayMs, this.lastCostMs * 10));
		this.timer = setTimeout(() => {
			this.timer = undefined;
			void this.write();
		}, delay);
		// A pending snapshot must not keep a test process alive; stop() flushes explicitly.
		this.timer.unref();
	}

	private async write(): Promise<void> {
		if (!this.dirty) return;
		this.dirty = false;
		const started = performance.now();
		const text = JSON.stringify(this.snapshot());
		this.lastCostMs = performance.now() - started;
		const tmp = `${this.file}.${process.pid}.tmp`;
		const prev = this.writing;
		this.writing = (async () => {
			await prev.catch(() => undefined);
			await fsp.mkdir(path.dirname(this.file), { recursive: true });
			await fsp.writeFile(tmp, text);
			await fsp.rename(tmp, this.file);
		})();
		await this.writing.catch(() => undefined);
	}

	/** Write now (if anything changed) and wait for all in-flight writes. */
	async flush(): Promise<void> {
		if (this.timer) {
			clearTimeout(this.timer);
			this.timer = undefined;
		}
		await this.writing.catch(() => undefined);
		if (this.dirty) {
			this.dirty = false;
			writeJsonSync(this.file, this.snapshot());
		}
	}
}
