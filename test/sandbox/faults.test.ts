// Knobs: fault injection (429 with Retry-After, 503, dropped connections), latency, statistics,
// and the /_sandbox control endpoints.
import { afterAll, beforeAll, beforeEach, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { startSandbox, Sandbox } from '../../sandbox/index';
import { clientCredentialsToken } from '../support/oidc-login';

let sb: Sandbox;
let headers: Record<string, string>;
let root: string;

beforeAll(async () => {
	sb = await startSandbox({ quiet: true });
	headers = { authorization: `Bearer ${(await clientCredentialsToken(sb)).access_token}`, 'content-type': 'application/scim+json' };
	root = `${sb.scimBaseUrl}/tokens/${sb.scimToken}/scim/v2`;
});

afterAll(async () => {
	await sb.stop();
});

beforeEach(() => {
	sb.setFaults({ rate: 0 });
	sb.setLatency(0);
	sb.resetStats();
});

test('rate 1 with kind 429 answers 429 with Retry-After, and counts the fault', async () => {
	sb.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 7 });
	const res = await fetch(`${root}/Users`, { headers });
	assert.equal(res.status, 429);
	assert.equal(res.headers.get('retry-after'), '7');
	const body = (await res.json()) as { status: string; schemas: string[] };
	assert.equal(body.status, '429');
	// Control endpoints are never faulted.
	const stats = (await (await fetch(`${sb.scimBaseUrl}/_sandbox/stats`)).json()) as { faults: { total: number; byKind: Record<string, number> } };
	assert.equal(stats.faults.total, 1);
	assert.equal(stats.faults.byKind['429'], 1);
});

test('503 and dropped connections', async () => {
	sb.setFaults({ rate: 1, kinds: ['503'] });
	assert.equal((await fetch(`${root}/Users`, { headers })).status, 503);
	sb.setFaults({ rate: 1, kinds: ['drop'] });
	await assert.rejects(fetch(`${root}/Users`, { headers }), /fetch failed/);
	sb.setFaults({ rate: 0 });
	assert.equal((await fetch(`${root}/Users`, { headers })).status, 200);
});

test('a fault seed makes the fault sequence repeatable', async () => {
	const run = async () => {
		sb.setFaults({ rate: 0.5, kinds: ['429', '503'], seed: 42 });
		const statuses: number[] = [];
		for (let i = 0; i < 12; i++) statuses.push((await fetch(`${root}/Users?count=1`, { headers })).status);
		return statuses;
	};
	const a = await run();
	const b = await run();
	assert.deepEqual(a, b);
	assert.ok(a.some((s) => s === 200) && a.some((s) => s !== 200), `expected a mix, got ${a}`);
});

test('stats count requests by method and normalized route', async () => {
	const created = (await (await fetch(`${root}/Users`, { method: 'POST', headers, body: JSON.stringify({ userName: 'stats@corp.example' }) })).json()) as { id: string };
	await fetch(`${root}/Users/${created.id}`, { headers });
	await fetch(`${root}/Users?filter=${encodeURIComponent('userName eq "stats@corp.example"')}`, { headers });
	await fetch(`${root}/Users/${created.id}`, {
		method: 'PATCH',
		headers,
		body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] }),
	});
	await fetch(`${root}/Users/${created.id}`, { method: 'DELETE', headers });
	const s = sb.stats();
	assert.equal(s.total, 5);
	assert.deepEqual(s.byMethod, { POST: 1, GET: 2, PATCH: 1, DELETE: 1 });
	assert.equal(s.byRoute['POST /Users'], 1);
	assert.equal(s.byRoute['GET /Users/:id'], 1);
	assert.equal(s.byRoute['GET /Users'], 1);
	assert.equal(s.byRoute['PATCH /Users/:id'], 1);
	assert.equal(s.byRoute['DELETE /Users/:id'], 1);
	assert.equal(JSON.stringify(s).includes(sb.scimToken), false, 'stats never contain the SCIM token');

	const reset = await fetch(`${sb.scimBaseUrl}/_sandbox/stats/reset`, { method: 'POST' });
	assert.equal(reset.status, 200);
	assert.equal(sb.stats().total, 0);
});

test('stats count TCP connections: one per request without keep-alive, shared with it', async () => {
	const { request, Agent } = await import('node:http');
	const fresh = () =>
		new Promise<void>((resolve, reject) => {
			// A new agent per request, as n8n-core 2.8 creates one: a new connection each time.
			request(`${root}/Users?count=1`, { headers, agent: new Agent() }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
		});
	await fresh();
	await fresh();
	assert.equal(sb.stats().connections, 2);

	sb.resetStats();
	const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
	const reused = () =>
		new Promise<void>((resolve, reject) => {
			request(`${root}/Users?count=1`, { headers, agent: keepAlive }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
		});
	await reused();
	await reused();
	keepAlive.destroy();
	assert.equal(sb.stats().total, 2);
	assert.equal(sb.stats().connections, 1);
});

test('filter operators knob: others get 400 invalidFilter; words inside values are not operators', async () => {
	const { filterOperators } = await import('../../sandbox/filter-fix');
	assert.deepEqual(filterOperators('userName co "eq or and" or displayName sw "x"'), ['co', 'or', 'sw']);
	const search = async (filter: string) => await fetch(`${root}/Users?filter=${encodeURIComponent(filter)}`, { headers });
	const ctl = await fetch(`${sb.scimBaseUrl}/_sandbox/filter-operators`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ operators: ['eq', 'sw'] }),
	});
	assert.equal(ctl.status, 200);
	try {
		const refused = await search('userName co "a"');
		assert.equal(refused.status, 400);
		const body = (await refused.json()) as { scimType: string; detail: string };
		assert.equal(body.scimType, 'invalidFilter');
		assert.match(body.detail, /"co" is not supported/);
		assert.equal((await search('userName sw "co"')).status, 200);
	} finally {
		sb.setFilterOperators(undefined);
	}
	assert.equal((await search('userName co "a"')).status, 200);
});

test('control endpoints: faults, latency, reset over HTTP', async () => {
	const ctl = (p: string, body: unknown) =>
		fetch(`${sb.scimBaseUrl}/_sandbox/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	assert.equal((await ctl('faults', { rate: 1, kinds: ['503'] })).status, 200);
	assert.equal((await fetch(`${root}/Users`, { headers })).status, 503);
	assert.equal((await ctl('faults', { rate: 0 })).status, 200);
	assert.equal((await ctl('faults', { rate: 2 })).status, 400);

	assert.equal((await ctl('latency', { ms: 150 })).status, 200);
	const t0 = Date.now();
	assert.equal((await fetch(`${root}/Users?count=1`, { headers })).status, 200);
	assert.ok(Date.now() - t0 >= 140, 'latency is added to SCIM requests');
	assert.equal((await ctl('latency', { ms: 0 })).status, 200);

	await fetch(`${root}/Users`, { method: 'POST', headers, body: JSON.stringify({ userName: 'wiped@corp.example' }) });
	assert.equal((await ctl('reset', {})).status, 200);
	const list = (await (await fetch(`${root}/Users`, { headers })).json()) as { totalResults: number };
	assert.equal(list.totalResults, 0);
});

test('429-date answers Retry-After as an HTTP date at least that many seconds away', async () => {
	sb.setFaults({ rate: 1, kinds: ['429-date'], retryAfterSeconds: 3 });
	const before = Date.now();
	const res = await fetch(`${root}/Users`, { headers });
	assert.equal(res.status, 429);
	const header = res.headers.get('retry-after')!;
	assert.match(header, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
	const wait = Date.parse(header) - before;
	assert.ok(wait >= 3000 && wait <= 4100, `Retry-After date is ${wait} ms away`);
	assert.equal(sb.stats().faults.byKind['429-date'], 1);
});

test('drop before the write: nothing applied; drop after the write: applied, but no answer', async () => {
	const create = (userName: string) =>
		fetch(`${root}/Users`, { method: 'POST', headers, body: JSON.stringify({ userName }) });
	const find = async (userName: string) => {
		const filter = encodeURIComponent(`userName eq "${userName}"`);
		const list = (await (await fetch(`${root}/Users?filter=${filter}`, { headers })).json()) as { totalResults: number; Resources: Array<{ id: string }> };
		return list.Resources[0];
	};
	sb.setFaults({ rate: 1, kinds: ['drop'], only: ['POST /Users'] });
	await assert.rejects(create('before@corp.example'), /fetch failed/);
	assert.equal(await find('before@corp.example'), undefined, 'a drop before the write applies nothing');

	sb.setFaults({ rate: 1, kinds: ['drop-after'], only: ['POST /Users'] });
	await assert.rejects(create('after@corp.example'), /fetch failed/);
	const applied = await find('after@corp.example');
	assert.ok(applied?.id, 'a drop after the write: the store applied it');
	assert.equal(sb.stats().faults.byRoute['drop-after POST /Users'], 1);

	// On every write kind: PATCH, DELETE, group POST and PATCH apply too.
	sb.setFaults({ rate: 1, kinds: ['drop-after'], only: ['PATCH', 'DELETE', 'POST /Groups'] });
	const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] };
	await assert.rejects(fetch(`${root}/Users/${applied.id}`, { method: 'PATCH', headers, body: JSON.stringify(patch) }), /fetch failed/);
	await assert.rejects(
		fetch(`${root}/Groups`, { method: 'POST', headers, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Dropped' }) }),
		/fetch failed/,
	);
	sb.setFaults({ rate: 0 });
	assert.equal(((await (await fetch(`${root}/Users/${applied.id}`, { headers })).json()) as { active: boolean }).active, false);
	const groups = (await (await fetch(`${root}/Groups?filter=${encodeURIComponent('displayName eq "Dropped"')}`, { headers })).json()) as { Resources: Array<{ id: string }> };
	assert.equal(groups.Resources.length, 1, 'the group POST was applied');
	const addMember = { schemas: patch.schemas, Operations: [{ op: 'add', path: 'members', value: [{ value: applied.id }] }] };
	sb.setFaults({ rate: 1, kinds: ['drop-after'], only: ['PATCH /Groups/:id', 'DELETE'] });
	await assert.rejects(fetch(`${root}/Groups/${groups.Resources[0].id}`, { method: 'PATCH', headers, body: JSON.stringify(addMember) }), /fetch failed/);
	await assert.rejects(fetch(`${root}/Users/${applied.id}`, { method: 'DELETE', headers }), /fetch failed/);
	sb.setFaults({ rate: 0 });
	assert.equal((await fetch(`${root}/Users/${applied.id}`, { headers })).status, 404, 'the DELETE was applied');
	assert.deepEqual(sb.stats().faults.byKind, { drop: 1, 'drop-after': 5 });
});

test('only: faults reach the listed methods and routes, other requests pass', async () => {
	sb.setFaults({ rate: 1, kinds: ['503'], only: ['POST /Groups', 'DELETE'] });
	assert.equal((await fetch(`${root}/Users`, { headers })).status, 200);
	assert.equal((await fetch(`${root}/Groups`, { method: 'POST', headers, body: JSON.stringify({ displayName: 'X' }) })).status, 503);
	assert.equal((await fetch(`${root}/Users/nope`, { method: 'DELETE', headers })).status, 503);
	assert.equal((await fetch(`${root}/Users`, { method: 'POST', headers, body: JSON.stringify({ userName: 'only@corp.example' }) })).status, 201);
	assert.equal(sb.stats().faults.total, 2);
});

test('a seed repeats the same sequence of kinds, all five mixed', async () => {
	const run = async () => {
		sb.setFaults({ rate: 0.6, kinds: ['429', '429-date', '503', 'drop', 'drop-after'], retryAfterSeconds: 0, seed: 7 });
		const outcomes: string[] = [];
		for (let i = 0; i < 40; i++) {
			outcomes.push(await fetch(`${root}/Users?count=1`, { headers }).then((res) => `${res.status}:${res.headers.get('retry-after') ? 'ra' : ''}`, () => 'dropped'));
		}
		return outcomes;
	};
	const a = await run();
	assert.deepEqual(await run(), a);
	assert.equal(sb.stats().faults.total, 2 * a.filter((o) => o !== '200:').length);
	assert.equal(Object.keys(sb.stats().faults.byKind).length, 5, `every kind drawn: ${JSON.stringify(sb.stats().faults.byKind)}`);
});

test('an unknown fault kind is refused', () => {
	assert.throws(() => sb.setFaults({ rate: 1, kinds: ['drop-later' as never] }), /Unknown fault kind "drop-later" \(use 429, 429-date, 503, drop, drop-after\)/);
});

test('limit: at most that many faults, then requests pass', async () => {
	sb.setFaults({ rate: 1, kinds: ['503'], limit: 2 });
	const statuses = [];
	for (let i = 0; i < 4; i++) statuses.push((await fetch(`${root}/Users?count=1`, { headers })).status);
	assert.deepEqual(statuses, [503, 503, 200, 200]);
	assert.equal(sb.stats().faults.total, 2);
});

test('firstOf: the first request of each listed route is faulted whatever the rate', async () => {
	sb.setFaults({ rate: 0.000001, kinds: ['503'], firstOf: ['GET /Users', 'DELETE /Users/:id'] });
	const statuses = [];
	for (let i = 0; i < 3; i++) statuses.push((await fetch(`${root}/Users?count=1`, { headers })).status);
	statuses.push((await fetch(`${root}/Users/nope`, { method: 'DELETE', headers })).status);
	statuses.push((await fetch(`${root}/Users/nope`, { method: 'DELETE', headers })).status);
	assert.deepEqual(statuses, [503, 200, 200, 503, 404]);
	assert.deepEqual(sb.stats().faults.byRoute, { '503 GET /Users': 1, '503 DELETE /Users/:id': 1 });
});
