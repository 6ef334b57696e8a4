// Bench-only entry: the K2 sandbox in its own process, so its CPU does not compete with the node's
// on the benchmark's event loop (real K2 is remote). Spawned by bench/k2.ts; not for manual use.
//
// Protocol: on start it prints ONE line of JSON on stdout, {"ready": {...sandbox config}} or
// {"error": "..."}. Then it reads lines on stdin: "usage" answers one JSON line with this
// process's CPU and memory. Stats, resets and latency go through the /_sandbox/ HTTP endpoints.
// With --rtt <ms>, the SCIM service is reached through a round-trip model (a TCP proxy that delays
// every flight, handshakes included: test/support/round-trip-proxy.ts), in this process so that
// its CPU is not the node's: `scimBaseUrl` is the proxy's, `directScimBaseUrl` the service's own
// (for the control endpoints). The IdentityToken service is reached directly.
// It stops (data flushed, temp folder removed) on SIGTERM / SIGINT or when stdin closes, i.e.
// when the benchmark process goes away for any reason.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import { startSandbox } from '../sandbox';
import { startRoundTripProxy } from '../test/support/round-trip-proxy';

function send(message: unknown): void {
	process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
	const latencyArg = process.argv.indexOf('--latency');
	const latencyMs = latencyArg > 0 ? Number(process.argv[latencyArg + 1]) : 0;
	const dataDir = mkdtempSync(path.join(os.tmpdir(), 'k2-bench-'));
	const tlsArg = process.argv.indexOf('--https');
	const tlsDataDir = tlsArg > 0 ? process.argv[tlsArg + 1] : undefined;
	const sb = await startSandbox({ dataDir, quiet: true, latencyMs, idpPort: 0, scimPort: 0, https: tlsDataDir !== undefined, tlsDataDir });
	const rttArg = process.argv.indexOf('--rtt');
	const scim = new URL(sb.scimBaseUrl);
	const proxy = rttArg > 0 ? await startRoundTripProxy({ target: { host: scim.hostname, port: Number(scim.port) }, roundTripMs: Number(process.argv[rttArg + 1]) }) : undefined;

	let stopping = false;
	const stop = (why: string) => {
		if (stopping) return;
		stopping = true;
		const hardExit = setTimeout(() => process.exit(0), 5_000);
		hardExit.unref();
		void Promise.all([proxy?.close(), sb.stop()])
			.catch((error) => process.stderr.write(`sandbox stop (${why}): ${(error as Error).message}\n`))
			.finally(() => {
				rmSync(dataDir, { recursive: true, force: true });
				process.exit(0);
			});
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));

	const lines = readline.createInterface({ input: process.stdin });
	lines.on('line', (line) => {
		if (line.trim() === 'usage') {
			const cpu = process.cpuUsage();
			const mem = process.memoryUsage();
			send({ usage: { cpuUserMicros: cpu.user, cpuSystemMicros: cpu.system, rss: mem.rss, heapUsed: mem.heapUsed } });
		}
	});
	lines.on('close', () => stop('stdin closed'));

	send({
		ready: {
			pid: process.pid,
			authority: sb.authority,
			idpUrl: sb.idpUrl,
			scimBaseUrl: proxy ? `${scim.protocol}//${proxy.host}:${proxy.port}` : sb.scimBaseUrl,
			directScimBaseUrl: sb.scimBaseUrl,
			roundTripMs: proxy?.roundTripMs,
			scimToken: sb.scimToken,
			tenantId: sb.tenantId,
			pkceClientId: sb.pkceClientId,
			ccClientId: sb.ccClientId,
			ccClientSecret: sb.ccClientSecret,
			redirectUris: sb.redirectUris,
			scope: sb.scope,
			ccScope: sb.ccScope,
			dataDir: sb.dataDir,
		},
	});
}

main().catch((error) => {
	send({ error: (error as Error).message });
	process.exit(1);
});
