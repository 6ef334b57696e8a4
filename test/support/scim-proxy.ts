// A forwarding proxy on loopback in front of the sandbox's SCIM service, and a credential that
// reaches K2 through it: a test acts at an exact point of a run (changes K2 before a request is
// forwarded, holds it, answers it itself, or lets K2 apply it and then cuts the connection so the
// answer is lost). The sandbox still counts every request that is forwarded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { normalizePath } from '../../sandbox/faults';
import type { K2Fixture } from './fixture';

export interface ProxiedRequest {
	method: string;
	/** The path and query as the node sent them. */
	url: string;
}

/**
 * What the hook decides for a request: nothing (forward it), an answer of the proxy's own (K2 never
 * sees the request), or 'drop' (forward it, let K2 apply it, then cut the connection unanswered).
 */
export type ProxyAction = void | 'drop' | { status: number; headers?: Record<string, string>; body: string };

export interface ScimProxy {
	/** Stands in for the sandbox's scimBaseUrl. */
	url: string;
	/** Called with the route ("PATCH /Groups/:id") of each request before it is forwarded. */
	before: (route: string, request: ProxiedRequest) => Promise<ProxyAction> | ProxyAction;
	close(): Promise<void>;
}

/** A proxy to `target` (a sandbox's scimBaseUrl) on a free loopback port; `before` forwards everything until a test sets it. */
export async function startScimProxy(target: string): Promise<ScimProxy> {
	const proxy: ScimProxy = { url: '', before: () => undefined, close: async () => undefined };
	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', async () => {
			try {
				const method = request.method ?? 'GET';
				const url = request.url ?? '/';
				const action = await proxy.before(`${method} ${normalizePath(url)}`, { method, url });
				if (action && action !== 'drop') {
					response.writeHead(action.status, action.headers ?? {}).end(action.body);
					return;
				}
				const headers = { ...request.headers };
				delete headers.host;
				delete headers.connection;
				const upstream = await fetch(`${target}${url}`, {
					method,
					headers: headers as Record<string, string>,
					body: chunks.length ? Buffer.concat(chunks) : undefined,
				});
				const body = Buffer.from(await upstream.arrayBuffer());
				if (action === 'drop') {
					request.socket.destroy();
					return;
				}
				const out: Record<string, string> = {};
				upstream.headers.forEach((value, key) => {
					if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(key)) out[key] = value;
				});
				response.writeHead(upstream.status, out).end(body);
			} catch (error) {
				response.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${(error as Error).message}`);
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	proxy.close = () =>
		new Promise((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections?.();
		});
	return proxy;
}

/** Adds a credential `id` whose SCIM base URL is the proxy (signed in through a real PKCE flow). */
export async function connectThrough(k2: K2Fixture, proxy: ScimProxy, id: string, name = `K2 via proxy ${id}`): Promise<void> {
	await k2.connect(id, name, proxy.url);
}
