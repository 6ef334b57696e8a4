// The benchmark's round-trip model (test/support/round-trip-proxy.ts) in front of the HTTPS
// sandbox: a request on a new connection pays the TCP and TLS handshakes plus the exchange, about
// 3 round trips, as across the internet; a request on a kept connection about 1. The assertions
// are ratios to a round trip of 100 ms, long against the machine's scheduling noise.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, test } from '@jest/globals';

import { startSandbox, type Sandbox } from '../../sandbox';
import { startRoundTripProxy, type RoundTripProxy } from '../support/round-trip-proxy';

const RTT_MS = 100;

let root: string;
let sandbox: Sandbox;
let proxy: RoundTripProxy;
let ca: Buffer;

beforeAll(async () => {
	root = mkdtempSync(path.join(tmpdir(), 'k2-rtt-'));
	sandbox = await startSandbox({ https: true, dataDir: root, quiet: true });
	ca = readFileSync(path.join(root, 'tls', 'ca.pem'));
	const { hostname, port } = new URL(sandbox.scimBaseUrl);
	proxy = await startRoundTripProxy({ target: { host: hostname, port: Number(port) }, roundTripMs: RTT_MS });
});

afterAll(async () => {
	await proxy?.close();
	await sandbox?.stop();
	rmSync(root, { recursive: true, force: true });
});

/**
 * GET /scim/v2/ServiceProviderConfig through the proxy, without a bearer token (this process
 * cannot sign in: it does not trust the sandbox's CA for fetch): the sandbox answers 401 with a
 * SCIM error. The time, the answer and whether the socket was reused.
 */
function get(agent: https.Agent): Promise<{ ms: number; status: number; body: string; reusedSocket: boolean }> {
	const t0 = performance.now();
	return new Promise((resolve, reject) => {
		const request = https.get(`https://127.0.0.1:${proxy.port}/scim/v2/ServiceProviderConfig`, { agent, ca, timeout: 10_000 }, (response) => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', (chunk: string) => (body += chunk));
			response.on('end', () => resolve({ ms: performance.now() - t0, status: response.statusCode ?? 0, body, reusedSocket: request.reusedSocket }));
		});
		request.on('timeout', () => request.destroy(new Error('timed out')));
		request.on('error', reject);
	});
}

test('through the proxy, a request on a new HTTPS connection costs about 3 round trips and one on a kept connection about 1', async () => {
	const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
	try {
		const connectionsBefore = proxy.connections;
		const fresh = await get(agent);
		const kept = await get(agent);
		assert.equal(fresh.status, 401);
		assert.equal(kept.status, 401);
		assert.deepEqual(JSON.parse(kept.body).schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], 'the bytes arrive whole and in order (TLS checks them)');
		assert.equal(fresh.reusedSocket, false);
		assert.equal(kept.reusedSocket, true);
		assert.equal(proxy.connections - connectionsBefore, 1);
		const rtts = (ms: number) => Math.round((ms / RTT_MS) * 100) / 100;
		assert.ok(fresh.ms >= 2.5 * RTT_MS, `new connection: ${rtts(fresh.ms)} round trips, expected about 3 (TCP + TLS 1.3 handshakes + the exchange)`);
		assert.ok(kept.ms >= 0.9 * RTT_MS && kept.ms <= 1.5 * RTT_MS, `kept connection: ${rtts(kept.ms)} round trips, expected about 1`);
	} finally {
		agent.destroy();
	}
});

test('a new connection per request, as n8n sends them, pays the handshakes every time', async () => {
	for (let i = 0; i < 2; i++) {
		const agent = new https.Agent({ keepAlive: false });
		try {
			const r = await get(agent);
			assert.equal(r.status, 401);
			assert.ok(r.ms >= 2.5 * RTT_MS, `request ${i + 1}: ${Math.round(r.ms)} ms for a ${RTT_MS} ms round trip, expected about 3 round trips`);
		} finally {
			agent.destroy();
		}
	}
});

test('the round trip can change between requests: half the round trip, half the time', async () => {
	const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
	try {
		await get(agent);
		const long = await get(agent);
		proxy.roundTripMs = RTT_MS / 2;
		const short = await get(agent);
		assert.equal(short.reusedSocket, true);
		assert.ok(short.ms <= 0.75 * long.ms, `${Math.round(short.ms)} ms at ${RTT_MS / 2} ms against ${Math.round(long.ms)} ms at ${RTT_MS} ms`);
	} finally {
		proxy.roundTripMs = RTT_MS;
		agent.destroy();
	}
});
