// A SCIM server that misbehaves on purpose, on loopback: HTML bodies, lying totals, empty pages,
// trickling bodies, redirects, error bodies echoing the token. A test scripts each answer and
// reads back every request it received (method, path, headers, body).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
	method: string;
	/** Path and query as sent, e.g. /tokens/<token>/scim/v2/Users?startIndex=1&count=100. */
	url: string;
	/** The path after /scim/v2 (the part the node names), e.g. /Users or /Users/123. */
	scimPath: string;
	query: URLSearchParams;
	headers: http.IncomingHttpHeaders;
	body: string;
}

export type Reply =
	| { status?: number; headers?: Record<string, string>; body?: string | object }
	/** Sends headers, then one byte every `intervalMs`, never ending. */
	| { trickle: { intervalMs: number; contentType?: string } }
	/** Closes the connection without an answer. */
	| { hangUp: true };

export type Handler = (request: ReceivedRequest) => Reply;

export interface HostileServer {
	/** http://127.0.0.1:<port> */
	url: string;
	port: number;
	requests: ReceivedRequest[];
	/** How every following request is answered. */
	answer(handler: Handler): void;
	/** Forgets the requests received so far. */
	reset(): void;
	close(): Promise<void>;
}

const SCIM_JSON = 'application/scim+json';

/** A default answer: 200 with an empty SCIM ListResponse for collections, a user otherwise. */
export const defaultHandler: Handler = (request) => {
	if (/^\/(Users|Groups)\/?$/.test(request.scimPath) && request.method === 'GET') return listResponse([], 0);
	if (request.method === 'DELETE') return { status: 204 };
	return scimJson({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u-1', userName: 'someone@example.com' });
};

export function scimJson(body: object, status = 200, headers: Record<string, string> = {}): Reply {
	return { status, headers: { 'content-type': SCIM_JSON, ...headers }, body };
}

export function listResponse(resources: object[], totalResults: number, startIndex = 1): Reply {
	return scimJson({
		schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
		totalResults,
		startIndex,
		itemsPerPage: resources.length,
		Resources: resources,
	});
}

export function html(status = 200, text = 'Sign in to continue'): Reply {
	return {
		status,
		headers: { 'content-type': 'text/html; charset=utf-8' },
		body: `<!DOCTYPE html><html><head><title>Login</title></head><body><h1>${text}</h1></body></html>`,
	};
}

export function redirect(status: number, location: string): Reply {
	return { status, headers: { location, 'content-type': 'text/plain' }, body: `Redirecting to ${location}` };
}

export function scimError(status: number, detail: string, scimType?: string): Reply {
	return scimJson(
		{ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail, ...(scimType ? { scimType } : {}) },
		status,
	);
}

export async function startHostileServer(): Promise<HostileServer> {
	let handler: Handler = defaultHandler;
	const requests: ReceivedRequest[] = [];
	const timers = new Set<NodeJS.Timeout>();
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
			const scimPath = parsed.pathname.replace(/^.*\/scim\/v2/, '');
			const request: ReceivedRequest = {
				method: req.method ?? 'GET',
				url: req.url ?? '/',
				scimPath,
				query: parsed.searchParams,
				headers: req.headers,
				body: Buffer.concat(chunks).toString('utf8'),
			};
			requests.push(request);
			const reply = handler(request);
			if ('hangUp' in reply) {
				req.socket.destroy();
				return;
			}
			if ('trickle' in reply) {
				res.writeHead(200, { 'content-type': reply.trickle.contentType ?? SCIM_JSON });
				res.write('{');
				const timer = setInterval(() => res.write(' '), reply.trickle.intervalMs);
				timers.add(timer);
				res.on('close', () => {
					clearInterval(timer);
					timers.delete(timer);
				});
				return;
			}
			const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
			res.writeHead(reply.status ?? 200, reply.headers ?? {});
			res.end(body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		requests,
		answer: (next) => {
			handler = next;
		},
		reset: () => {
			requests.length = 0;
		},
		close: async () => {
			for (const timer of timers) clearInterval(timer);
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
