// Data, signing keys and refresh tokens survive a restart on the same data folder.
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, existsSync } from 'node:fs';
import { startSandbox } from '../../sandbox/index';
import { signInWithPkce, refreshRaw } from '../support/oidc-login';

test('stop and start on the same data dir keeps users, groups, keys and refresh tokens', async () => {
	const dataDir = mkdtempSync(path.join(os.tmpdir(), 'k2-sandbox-persist-'));
	const first = await startSandbox({ quiet: true, dataDir });
	const tokens = await signInWithPkce(first);
	const root1 = `${first.scimBaseUrl}/tokens/${first.scimToken}/scim/v2`;
	const auth = { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/scim+json' };
	const user = (await (await fetch(`${root1}/Users`, { method: 'POST', headers: auth, body: JSON.stringify({ userName: 'kept@corp.example' }) })).json()) as { id: string };
	const group = (await (
		await fetch(`${root1}/Groups`, { method: 'POST', headers: auth, body: JSON.stringify({ displayName: 'Kept', members: [{ value: user.id }] }) })
	).json()) as { id: string };
	// stop() must flush even though the debounce window has not passed yet.
	await first.stop();
	assert.ok(existsSync(path.join(dataDir, 'scim-data.json')));
	assert.ok(existsSync(path.join(dataDir, 'idp-keys.json')));

	// Ports are fresh (port 0), but the authority path and keys are the same, so the old token
	// verifies if the issuer matches: start on the same IdP port to keep the issuer identical.
	const idpPort = Number(new URL(first.authority).port);
	const second = await startSandbox({ quiet: true, dataDir, idpPort });
	try {
		assert.equal(second.authority, first.authority);
		const root2 = `${second.scimBaseUrl}/tokens/${second.scimToken}/scim/v2`;
		const got = await fetch(`${root2}/Users/${user.id}`, { headers: auth });
		assert.equal(got.status, 200, 'an access token issued before the restart still verifies');
		assert.equal(((await got.json()) as { userName: string }).userName, 'kept@corp.example');
		const g = (await (await fetch(`${root2}/Groups/${group.id}`, { headers: auth })).json()) as { members: Array<{ value: string }> };
		assert.deepEqual(g.members.map((m: { value: string }) => m.value), [user.id]);
		const dup = await fetch(`${root2}/Users`, { method: 'POST', headers: auth, body: JSON.stringify({ userName: 'KEPT@corp.example' }) });
		assert.equal(dup.status, 409, 'indexes are rebuilt on load');

		const refreshed = await refreshRaw(second, tokens.refresh_token!);
		assert.equal(refreshed.status, 200, 'a refresh token issued before the restart still works');
	} finally {
		await second.stop();
	}
});
