// Review findings (adversarial review of issues 9 and 12): each test proves one defect.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, test } from '@jest/globals';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { createHarness, k2Credential, runNode, shutdownHarness } from '../harness/run-workflow';
import type { Harness } from '../harness/run-workflow';
import { assertNoSecrets, captureLogs } from './support';

const SCIM_TOKEN = '9F1c2D3e-4B5a-4c6D-8e7F-0a1B2c3D4e5F';
const OLD_ACCESS = 'old-access-token-AAAAAAAAAAAA';
const OLD_REFRESH = 'old-refresh-token-BBBBBBBBBBBB';
const NEW_ACCESS = 'new-access-token-CCCCCCCCCCCC';
const NEW_REFRESH = 'new-refresh-token-DDDDDDDDDDDD';

interface Scripted {
	url: string;
	port: number;
	requests: Array<{ method: string; url: string; auth?: string }>;
	/** Sockets opened and not yet closed. */
	open: () => number;
	handle: (handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) => void;
	close: () => Promise<void>;
}

async function scripted(): Promise<Scripted> {
	let handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void = (_req, res) => res.end();
	const requests: Scripted['requests'] = [];
	const sockets = new Set<import('node:net').Socket>();
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			requests.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization });
			handler(req, res, Buffer.concat(chunks).toString('utf8'));
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		requests,
		open: () => sockets.size,
		handle: (next) => {
			handler = next;
		},
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

let harness: Harness;
let k2: Scripted;
let credentialCount = 0;

function addCredential(fields: Record<string, unknown> = {}): string {
	const id = `review-${++credentialCount}`;
	const data = k2Credential({
		authority: `${k2.url}/tenant`,
		clientId: 'n8n-client',
		scimBaseUrl: k2.url,
		scimToken: SCIM_TOKEN,
		oauthTokenData: { access_token: OLD_ACCESS, refresh_token: OLD_REFRESH, token_type: 'Bearer', expires_in: 3600 },
	});
	harness.credentials.add({ id, name: 'K2 Review', type: 'k2ScimOAuth2Api', data: { ...data, ...fields } as ICredentialDataDecryptedObject });
	return id;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GET_USER = { resource: 'user', operation: 'get', user: { __rl: true, mode: 'id', value: 'u-1' } };

beforeAll(async () => {
	harness = await createHarness();
	k2 = await scripted();
});

afterAll(async () => {
	shutdownHarness();
	await k2?.close();
});

describe('review: the total deadline', () => {
	test('a trickling answer that timed out is also closed (the deadline must abort the request)', async () => {
		const timers: NodeJS.Timeout[] = [];
		k2.handle((_req, res) => {
			res.writeHead(200, { 'content-type': 'application/scim+json' });
			res.write('{');
			const timer = setInterval(() => res.write(' '), 100);
			timers.push(timer);
			res.on('close', () => clearInterval(timer));
		});
		const credentialId = addCredential({ requestTimeout: 1000 });
		const result = await runNode(harness, { parameters: GET_USER, items: [{}], credentialId, continueOnFail: true });
		assert.match(String(result.output?.[0]?.json.error), /timed out/);
		// The node reported a timeout; the connection must not live on after it.
		await sleep(1500);
		const open = k2.open();
		for (const timer of timers) clearInterval(timer);
		assert.equal(open, 0, `${open} connection(s) still open 1.5 s after the timeout was reported: n8n replaced the deadline's abortSignal with the execution's`);
	});
});

describe('review: refreshed tokens', () => {
	test('an error body that echoes the access token n8n just refreshed is redacted', async () => {
		k2.handle((req, res, _body) => {
			if (req.url?.includes('/connect/token')) {
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, token_type: 'Bearer', expires_in: 3600 }));
				return;
			}
			const auth = req.headers.authorization ?? '';
			if (auth.includes(OLD_ACCESS)) {
				res.writeHead(401, { 'content-type': 'application/scim+json' });
				res.end(JSON.stringify({ status: '401', detail: 'expired' }));
				return;
			}
			// K2 echoes the token it was given, without the word Bearer in front.
			const token = auth.replace(/^Bearer\s+/i, '');
			res.writeHead(400, { 'content-type': 'application/scim+json' });
			res.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail: `token ${token} may not read this user` }));
		});
		const credentialId = addCredential();
		const logs = captureLogs();
		let result;
		try {
			result = await runNode(harness, { parameters: GET_USER, items: [{}], credentialId, continueOnFail: true });
		} finally {
			logs.restore();
		}
		assert.ok(k2.requests.some((r) => r.url.includes('/connect/token')), 'n8n refreshed');
		assert.match(String(result.output?.[0]?.json.error), /rejected the request/);
		assertNoSecrets(result.output, [NEW_ACCESS, NEW_REFRESH, SCIM_TOKEN], 'output after a refresh');
	});
});

describe('review: the refresh queue', () => {
	test('one token request that hangs does not block every later refresh of the credential in this process', async () => {
		let tokenCalls = 0;
		const hung: http.ServerResponse[] = [];
		k2.handle((req, res) => {
			if (req.url?.includes('/connect/token')) {
				tokenCalls++;
				if (tokenCalls === 1) {
					hung.push(res); // the identity server never answers this one
					return;
				}
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, token_type: 'Bearer', expires_in: 3600 }));
				return;
			}
			if ((req.headers.authorization ?? '').includes(NEW_ACCESS)) {
				res.writeHead(200, { 'content-type': 'application/scim+json' });
				res.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u-1', userName: 'a@example.com' }));
				return;
			}
			res.writeHead(401, { 'content-type': 'application/scim+json' });
			res.end(JSON.stringify({ status: '401', detail: 'expired' }));
		});
		const credentialId = addCredential({ requestTimeout: 1000 });
		const first = await runNode(harness, { parameters: GET_USER, items: [{}], credentialId, continueOnFail: true });
		assert.match(String(first.output?.[0]?.json.error), /timed out/, 'the first run times out while the token request hangs');
		// The identity server is healthy again: a new execution must be able to refresh.
		const second = await runNode(harness, { parameters: GET_USER, items: [{}], credentialId, continueOnFail: true });
		for (const res of hung) res.destroy();
		assert.equal(second.output?.[0]?.json.error, undefined, `the second run failed: ${String(second.output?.[0]?.json.error)} (token calls: ${tokenCalls})`);
	});
});

describe('review: IDs a server sends are path segments too', () => {
	test('Sync never sends a write to a path a listed id of "." or ".." walks to', async () => {
		k2.handle((req, res) => {
			res.writeHead(req.method === 'DELETE' ? 204 : 200, { 'content-type': 'application/scim+json' });
			if (req.method === 'GET' && /\/Users\?/.test(req.url ?? '')) {
				res.end(JSON.stringify({
					schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
					totalResults: 2,
					startIndex: 1,
					itemsPerPage: 2,
					Resources: [
						{ id: '.', userName: 'dot@example.com', externalId: 'E-dot' },
						{ id: '..', userName: 'dotdot@example.com', externalId: 'E-dotdot' },
					],
				}));
				return;
			}
			res.end(req.method === 'DELETE' ? '' : JSON.stringify({ id: 'u-new', userName: 'a@example.com' }));
		});
		const credentialId = addCredential({ oauthTokenData: { access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, token_type: 'Bearer' } });
		k2.requests.length = 0;
		await runNode(harness, {
			parameters: { resource: 'user', operation: 'sync', matchOn: 'userName', userName: '={{ $json.mail }}', syncOptions: { deprovision: 'delete', deprovisionScope: 'all' } },
			items: [{ mail: 'a@example.com' }],
			credentialId,
			continueOnFail: true,
		});
		const deletes = k2.requests.filter((r) => r.method === 'DELETE').map((r) => r.url);
		const outside = deletes.filter((url) => !/\/scim\/v2\/Users\/[^/]+$/.test(url.split('?')[0]));
		assert.deepEqual(outside, [], `DELETEs sent outside /Users/{id}: ${JSON.stringify(outside)}`);
	});
});

describe('review: Create or Update under concurrent executions', () => {
	test('a 409 on the create (another execution created the user after our lookup) becomes an update, not an error', async () => {
		let created = false;
		k2.handle((req, res) => {
			res.setHeader('content-type', 'application/scim+json');
			if (req.method === 'GET') {
				// The lookup runs before the other execution's create lands; later lookups see it.
				const resources = created ? [{ id: 'u-9', userName: 'race@example.com', name: { givenName: 'Old' } }] : [];
				res.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources }));
				return;
			}
			if (req.method === 'POST') {
				created = true;
				res.statusCode = 409;
				res.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', scimType: 'uniqueness', detail: 'userName exists' }));
				return;
			}
			res.end(JSON.stringify({ id: 'u-9', userName: 'race@example.com', name: { givenName: 'New' } }));
		});
		const credentialId = addCredential({ oauthTokenData: { access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, token_type: 'Bearer' } });
		const result = await runNode(harness, {
			parameters: { resource: 'user', operation: 'createOrUpdate', matchOn: 'userName', userName: 'race@example.com', additionalFields: { givenName: 'New' } },
			items: [{}],
			credentialId,
			continueOnFail: true,
		});
		assert.equal(result.output?.[0]?.json.error, undefined, `the item failed: ${String(result.output?.[0]?.json.error)}`);
	});
});

describe('review: a lookup takes only the user it asked for', () => {
	test('a server that answers a userName filter with another user: Create or Update creates, never patches that user', async () => {
		const methods: string[] = [];
		k2.handle((req, res) => {
			methods.push(`${req.method} ${(req.url ?? '').split('?')[0].replace(/.*\/scim\/v2/, '')}`);
			res.setHeader('content-type', 'application/scim+json');
			if (req.method === 'GET') {
				// A loose match: the filter asked for new@example.com, the server returns someone else.
				const resources = [{ id: 'u-other', userName: 'someone.else@example.com' }];
				res.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1, Resources: resources }));
				return;
			}
			res.statusCode = req.method === 'POST' ? 201 : 200;
			res.end(JSON.stringify({ id: 'u-new', userName: 'new@example.com' }));
		});
		const credentialId = addCredential({ oauthTokenData: { access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, token_type: 'Bearer' } });
		const result = await runNode(harness, {
			parameters: { resource: 'user', operation: 'createOrUpdate', matchOn: 'userName', userName: 'new@example.com', additionalFields: { givenName: 'New' } },
			items: [{}],
			credentialId,
			continueOnFail: true,
		});
		assert.equal(result.output?.[0]?.json.error, undefined, String(result.output?.[0]?.json.error));
		assert.deepEqual(methods, ['GET /Users', 'POST /Users']);
		assert.ok(!methods.some((m) => m.includes('u-other')), 'the other user was not touched');
	});
});

describe('review: the SCIM token in the other GUID formats', () => {
	const compact = SCIM_TOKEN.replace(/-/g, '');
	for (const [format, echoed] of [
		['"N" (32 hex digits, no dashes; .NET Guid.ToString("N"))', compact.toLowerCase()],
		['"B" upper-case in braces', `{${SCIM_TOKEN.toUpperCase()}}`],
	] as const) {
		test(`a 404 whose detail echoes the token in format ${format} is redacted`, async () => {
			k2.handle((_req, res) => {
				res.writeHead(404, { 'content-type': 'application/scim+json' });
				res.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: `Unknown token ${echoed}` }));
			});
			const credentialId = addCredential({ oauthTokenData: { access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, token_type: 'Bearer' } });
			const result = await runNode(harness, { parameters: GET_USER, items: [{}], credentialId, continueOnFail: true });
			assert.match(String(result.output?.[0]?.json.error), /SCIM token/);
			assertNoSecrets(result.output, [SCIM_TOKEN, compact], `format ${format}`);
		});
	}
});
