// `npm run sandbox -- [flags]` — run the K2 stand-in on fixed ports and print the configuration
// block K2 operations would hand a customer. Flags (sandbox/cli-options.ts) win over K2_SANDBOX_* env vars.
import { startSandbox } from './index';
import { HELP, parseCli } from './cli-options';
import { isDefaultProfile } from './profile-parse';

async function main(): Promise<void> {
	const cli = parseCli(process.argv.slice(2), process.env);
	if (cli.help) {
		console.log(HELP);
		return;
	}
	const opts = cli.options;
	const sb = await startSandbox(opts);
	if (cli.throttle) sb.setThrottle(cli.throttle);
	if (cli.usersWithoutGroups) sb.setUsersListGroups(false);
	// The block K2 Cloud operations hands out (see the K2 "manual integration" page), for this sandbox.
	const k2Config = {
		client: {
			authority: sb.authority,
			clientId: sb.pkceClientId,
			redirectUri: sb.redirectUris.find((u) => u.includes('5678')) ?? sb.redirectUris[0],
			scope: sb.scope,
		},
		scim: { baseUrl: sb.scimBaseUrl, token: sb.scimToken },
	};
	console.log('K2 sandbox is running. Configuration values (as K2 Cloud operations would send them):\n');
	console.log(JSON.stringify(k2Config, null, 2));
	console.log(`
Client credentials option:  clientId ${sb.ccClientId}  clientSecret ${sb.ccClientSecret}  scope ${sb.ccScope}
Token endpoint:             ${sb.authority}/connect/token
Authorization endpoint:     ${sb.authority}/connect/authorize
Registered redirect URIs:   ${sb.redirectUris.join(', ')}  (${sb.profile().exactRedirectUris ? 'matched exactly' : 'any port on loopback hosts'})
Users endpoint:             ${sb.scimBaseUrl}/tokens/<token>/scim/v2/Users
Control:                    ${sb.scimBaseUrl}/_sandbox/stats
Data folder:                ${sb.dataDir}${sb.caCertPath ? `\nHTTPS CA certificate:       ${sb.caCertPath}  (trust it: NODE_EXTRA_CA_CERTS=${sb.caCertPath})` : ''}
Sign-in: any login name and password. Ctrl+C to stop (data is flushed).`);
	const profile = sb.profile();
	if (!isDefaultProfile(profile)) console.log(`K2 profile (not the RFC default; GET|POST /_sandbox/profile): ${JSON.stringify(profile)}`);

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: flushing data and stopping...`);
		await sb.stop();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('SIGINT'));
	process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
	console.error(`k2 sandbox failed to start: ${(err as Error).message}`);
	process.exit(1);
});
