// Self-check of the sandbox's own cost with a realistic tenant size, so benchmarks of the node
// measure the node and not the stand-in. `npx tsx sandbox/perf-check.ts [users] [inFlight]`
// Prints server-side ms per route (from /_sandbox stats), restart time and snapshot size.
import { statSync } from 'node:fs';
import path from 'node:path';
import { startSandbox } from './index';
import { clientCredentialsToken } from '../test/support/oidc-login';

async function main(): Promise<void> {
	const users = Number(process.argv[2] ?? 10000);
	const inFlight = Number(process.argv[3] ?? 4);
	const sb = await startSandbox({ quiet: true });
	const token = (await clientCredentialsToken(sb)).access_token;
	const root = `${sb.scimBaseUrl}/tokens/${sb.scimToken}/scim/v2`;
	const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };

	let next = 0;
	const t0 = performance.now();
	const worker = async () => {
		while (next < users) {
			const i = next++;
			const res = await fetch(`${root}/Users`, {
				method: 'POST',
				headers,
				body: JSON.stringify({
					userName: `user${i}@corp.example`,
					externalId: `E${i}`,
					name: { givenName: 'User', familyName: String(i) },
					displayName: `User ${i}`,
					emails: [{ value: `user${i}@corp.example`, type: 'work', primary: true }],
					active: true,
					'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: `D${i % 10}`, employeeNumber: String(i) },
				}),
			});
			if (res.status !== 201) throw new Error(`create ${i}: HTTP ${res.status}`);
			await res.arrayBuffer();
		}
	};
	await Promise.all(Array.from({ length: inFlight }, worker));
	const createMs = performance.now() - t0;
	console.log(`created ${users} users with ${inFlight} in flight in ${createMs.toFixed(0)} ms (${((users / createMs) * 1000).toFixed(0)}/s incl. client)`);
	const post = sb.stats().timing['POST /Users'];
	console.log(`POST /Users: server avg ${(post.totalMs / post.count).toFixed(2)} ms, max ${post.maxMs.toFixed(2)} ms`);

	const queries = [
		'',
		`?startIndex=${Math.floor(users / 2)}&count=100`,
		`?filter=${encodeURIComponent(`userName eq "user${users - 1}@corp.example"`)}`,
		`?filter=${encodeURIComponent('externalId eq "E5000"')}`,
		`?filter=${encodeURIComponent('emails[type eq "work" and value sw "user999"]')}`,
	];
	for (const q of queries) {
		sb.resetStats();
		for (let k = 0; k < 20; k++) await (await fetch(`${root}/Users${q}`, { headers })).arrayBuffer();
		const t = sb.stats().timing['GET /Users'];
		console.log(`GET /Users${decodeURIComponent(q) || ' (first page)'}: server avg ${(t.totalMs / t.count).toFixed(2)} ms, max ${t.maxMs.toFixed(2)} ms`);
	}

	const s0 = performance.now();
	await sb.stop();
	console.log(`stop (flush) ${(performance.now() - s0).toFixed(0)} ms, snapshot ${(statSync(path.join(sb.dataDir, 'scim-data.json')).size / 1e6).toFixed(1)} MB`);
	const r0 = performance.now();
	const again = await startSandbox({ quiet: true, dataDir: sb.dataDir });
	console.log(`restart with ${users} users ${(performance.now() - r0).toFixed(0)} ms`);
	await again.stop();
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
