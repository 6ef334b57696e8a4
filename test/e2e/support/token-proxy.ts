// A recording pass-through in front of the IdP's token endpoint. Point a credential's
// "Access Token URL" at it to see exactly what n8n sends (grant type, code_verifier, client_id)
// while the real sandbox IdP still answers. Recorded values stay in memory; never print them.
import http from 'node:http';
import type net from 'node:net';

export interface TokenRequest {
	grantType: string;
	clientId?: string;
	codeVerifier?: string;
	hasClientSecret: boolean;
	hasBasicAuth: boolean;
	status: number;
	/** The IdP's OAuth error code, if it refused (e.g. invalid_grant). */
	error?: string;
}

export interface TokenProxy {
	url: string;
	requests: TokenRequest[];
	stop(): Promise<void>;
}

export async function startTokenProxy(target: string): Promise<TokenProxy> {
	const requests: TokenRequest[] = [];
	const sockets = new Set<net.Socket>();
	const server = http.createServer(async (req, res) => {
		try {
			const chunks: Buffer[] = [];
			for await (const c of req) chunks.push(c as Buffer);
			const body = Buffer.concat(chunks);
			const form = new URLSearchParams(body.toString('utf8'));
			const headers: Record<string, string> = {};
			for (const h of ['content-type', 'accept', 'authorization', 'user-agent'])
				if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
			const upstream = await fetch(target, {
				method: req.method,
				headers,
				body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
				signal: AbortSignal.timeout(15_000),
			});
			const text = await upstream.text();
			let error: string | undefined;
			try {
				error = (JSON.parse(text) as { error?: string }).error;
			} catch {}
			requests.push({
				grantType: form.get('grant_type') ?? '',
				clientId: form.get('client_id') ?? undefined,
				codeVerifier: form.get('code_verifier') ?? undefined,
				hasClientSecret: form.has('client_secret'),
				hasBasicAuth: /^basic /i.test(headers.authorization ?? ''),
				status: upstream.status,
				error,
			});
			res.writeHead(upstream.status, {
				'content-type': upstream.headers.get('content-type') ?? 'application/json',
				'cache-control': 'no-store',
			});
			res.end(text);
		} catch (e) {
			res.writeHead(502, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: 'proxy_error', error_description: (e as Error).message }));
		}
	});
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const { port } = server.address() as net.AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/connect/token`,
		requests,
		stop: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				for (const s of sockets) s.destroy();
			}),
	};
}
