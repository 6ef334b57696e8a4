// Run by https.test.ts in a child process whose NODE_EXTRA_CA_CERTS is the CA in <trusted>/tls
// (Node reads it once, at start-up): the node against a sandbox that serves both services over
// HTTPS, as K2 does, with certificate checks on. A second sandbox's certificate comes from a CA
// this process does not trust. Prints one JSON line for the test to check.
import type { IDataObject } from 'n8n-workflow';

import { startSandbox } from '../../sandbox';
import { startK2 } from '../support/fixture';

const [trustedDir, untrustedDir, dataDir, k2DataDir] = process.argv.slice(2);

async function main(): Promise<Record<string, unknown>> {
	// exp has whole-second precision: a 2 s token is expired after 3 s.
	const k2 = await startK2({ https: true, tlsDataDir: trustedDir, dataDir: k2DataDir, accessTokenTtl: 2 });
	const untrusted = await startSandbox({ https: true, tlsDataDir: untrustedDir, dataDir, quiet: true });
	try {
		const create = await k2.run(
			{ resource: 'user', operation: 'create', userName: '={{ $json.mail }}', additionalFields: { email: '={{ $json.mail }}' } },
			[{ mail: 'tls.first@corp.example' }],
		);
		const users = Array.from({ length: 30 }, (_, i) => ({ userName: `tls.user${i}@corp.example` }));
		const sync = await k2.run(
			{ resource: 'user', operation: 'sync', matchOn: 'userName', userName: '={{ $json.userName }}', additionalFields: {}, groupNames: '', syncOptions: { dryRun: false, deprovision: 'none', output: 'perUser' } },
			users as unknown as IDataObject[],
			{ continueOnFail: true },
		);
		// An expired access token: n8n refreshes it at the IdentityToken service, over HTTPS too.
		await new Promise((resolve) => setTimeout(resolve, 3_000));
		const saved = k2.harness.credentials.savedTokens.length;
		const afterExpiry = await k2.run({ resource: 'user', operation: 'getMany', returnAll: true }, [{}]);
		const refreshed = k2.harness.credentials.savedTokens.length - saved;

		// The same credential, pointed at a host whose certificate no trusted CA signed.
		const stored = k2.harness.credentials.stored('k2');
		k2.harness.credentials.add({ id: 'untrusted', name: 'K2 untrusted', type: 'k2ScimOAuth2Api', data: { ...stored, scimBaseUrl: untrusted.scimBaseUrl } });
		const refused = await k2.run({ resource: 'user', operation: 'getMany', returnAll: true }, [{}], { credentialId: 'untrusted' });
		const tokens = stored.oauthTokenData as Record<string, string>;
		return {
			scimBaseUrl: k2.sandbox.scimBaseUrl,
			authority: k2.sandbox.authority,
			untrustedUrl: untrusted.scimBaseUrl,
			create: { error: create.error?.message, output: create.output?.map((item) => item.json) },
			sync: { error: sync.error?.message, output: sync.output?.map((item) => item.json) },
			afterExpiry: { error: afterExpiry.error?.message, users: afterExpiry.output?.length, refreshed },
			refused: { error: refused.error?.message, description: refused.error?.description, httpCode: refused.error?.httpCode, output: refused.output?.length },
			untrustedRequests: untrusted.stats().total,
			secrets: [k2.sandbox.scimToken, tokens.access_token, tokens.refresh_token],
		};
	} finally {
		await untrusted.stop();
		await k2.stop();
	}
}

main().then(
	(result) => {
		// Exit once the line is written out (the harness leaves handles open).
		process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
	},
	(error: unknown) => {
		process.stdout.write(`${JSON.stringify({ failed: String((error as Error)?.stack ?? error) })}\n`, () => process.exit(1));
	},
);
