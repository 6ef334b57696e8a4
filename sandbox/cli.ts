// `npx tsx sandbox/cli.ts` — run the K2 stand-in on fixed ports and print the configuration
// block K2 operations would hand a customer. Flags win over K2_SANDBOX_* env vars.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox, SandboxOptions } from './index';
import { parseFaultKinds } from './faults';

const HELP = `Usage: npx tsx sandbox/cli.ts [options]
  --idp-port <n>        IdentityToken service port (K2_SANDBOX_IDP_PORT, default 7601)
  --scim-port <n>       SCIM service port (K2_SANDBOX_SCIM_PORT, default 7602)
  --host <h>            bind address (K2_SANDBOX_HOST, default 127.0.0.1)
  --data <dir>          data folder (K2_SANDBOX_DATA, default ./.sandbox-data)
  --tenant <guid>       tenant id in the authority path (K2_SANDBOX_TENANT_ID)
  --scim-token <guid>   SCIM token in resource paths (K2_SANDBOX_SCIM_TOKEN)
  --cc-secret <s>       client-credentials client secret (K2_SANDBOX_CC_SECRET)
  --latency <ms>        added delay per SCIM request (K2_SANDBOX_LATENCY)
  --fault-rate <0..1>   share of SCIM requests that fail (K2_SANDBOX_FAULT_RATE)
  --fault-kinds <list>  comma list of 429,503,drop (K2_SANDBOX_FAULT_KINDS, default 429,503)
  --retry-after <s>     Retry-After seconds on 429 (K2_SANDBOX_RETRY_AFTER, default 1)
  --fault-seed <n>      make faults deterministic (K2_SANDBOX_FAULT_SEED)
  --filter-operators <list>  accept only these filter operators, e.g. eq,sw,and (K2_SANDBOX_FILTER_OPERATORS; default all)
  --access-ttl <s>      access token lifetime (K2_SANDBOX_ACCESS_TTL, default 3600)
  --refresh-ttl <s>     refresh token lifetime (K2_SANDBOX_REFRESH_TTL, default 2592000 = 30 days)
  --refresh-reuse <m>   a rotated refresh token used again: refuse (invalid_grant for that request, K2's default)
                        or revoke (revoke the whole grant, every token of it) (K2_SANDBOX_REFRESH_REUSE)
  --redirect-uri <uri>  extra redirect URI for the PKCE client, repeatable (K2_SANDBOX_REDIRECT_URIS, comma list)
  --users-without-groups  User reads leave out the groups attribute (K2_SANDBOX_USERS_WITHOUT_GROUPS=1)
  --https               serve both services over HTTPS, as K2 is: a CA and certificate are generated into
                        <data>/tls on first start; clients trust <data>/tls/ca.pem via NODE_EXTRA_CA_CERTS (K2_SANDBOX_HTTPS=1)
  --throttle-in-flight <K>  answer 429 + Retry-After above K requests being handled at once (K2_SANDBOX_THROTTLE_IN_FLIGHT)
  --throttle-per-second <N> answer 429 + Retry-After above N requests in any rolling second (K2_SANDBOX_THROTTLE_PER_SECOND)
  --quiet               no request log (K2_SANDBOX_QUIET=1)
Control endpoints on the SCIM port: GET /_sandbox/stats, POST /_sandbox/stats/reset,
POST /_sandbox/faults {"rate":0.1,"kinds":["429"],"retryAfterSeconds":2}, POST /_sandbox/latency {"ms":50},
POST /_sandbox/throttle {"maxInFlight":10,"perSecond":null,"retryAfterSeconds":1} ({} = off),
POST /_sandbox/filter-operators {"operators":["eq","sw","and"]} (null for all),
POST /_sandbox/users-list-groups {"enabled":false}, POST /_sandbox/reset`;

function num(v: string | undefined, name: string): number | undefined {
	if (v === undefined || v === '') return undefined;
	const n = Number(v);
	if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
	return n;
}

function reuseMode(v: string | undefined): SandboxOptions['refreshReuse'] {
	if (v === undefined || v === '') return undefined;
	if (v === 'refuse' || v === 'revoke') return v;
	throw new Error(`--refresh-reuse must be refuse or revoke, got "${v}"`);
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			'idp-port': { type: 'string' },
			'scim-port': { type: 'string' },
			host: { type: 'string' },
			data: { type: 'string' },
			tenant: { type: 'string' },
			'scim-token': { type: 'string' },
			'cc-secret': { type: 'string' },
			latency: { type: 'string' },
			'fault-rate': { type: 'string' },
			'fault-kinds': { type: 'string' },
			'retry-after': { type: 'string' },
			'fault-seed': { type: 'string' },
			'filter-operators': { type: 'string' },
			'access-ttl': { type: 'string' },
			'refresh-ttl': { type: 'string' },
			'refresh-reuse': { type: 'string' },
			'redirect-uri': { type: 'string', multiple: true },
			'users-without-groups': { type: 'boolean' },
			https: { type: 'boolean' },
			'throttle-in-flight': { type: 'string' },
			'throttle-per-second': { type: 'string' },
			quiet: { type: 'boolean' },
			help: { type: 'boolean', short: 'h' },
		},
	});
	if (values.help) {
		console.log(HELP);
		return;
	}
	const env = process.env;
	const pick = (flag: string | undefined, envName: string) => flag ?? env[`K2_SANDBOX_${envName}`];
	const redirectUris = [
		...(values['redirect-uri'] ?? []),
		...(env.K2_SANDBOX_REDIRECT_URIS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
	];
	const opts: SandboxOptions = {
		host: pick(values.host, 'HOST'),
		idpPort: num(pick(values['idp-port'], 'IDP_PORT'), '--idp-port') ?? 7601,
		scimPort: num(pick(values['scim-port'], 'SCIM_PORT'), '--scim-port') ?? 7602,
		dataDir: path.resolve(pick(values.data, 'DATA') ?? '.sandbox-data'),
		tenantId: pick(values.tenant, 'TENANT_ID'),
		scimToken: pick(values['scim-token'], 'SCIM_TOKEN'),
		ccClientSecret: pick(values['cc-secret'], 'CC_SECRET'),
		latencyMs: num(pick(values.latency, 'LATENCY'), '--latency'),
		faultRate: num(pick(values['fault-rate'], 'FAULT_RATE'), '--fault-rate'),
		faultKinds: parseFaultKinds(pick(values['fault-kinds'], 'FAULT_KINDS')),
		retryAfterSeconds: num(pick(values['retry-after'], 'RETRY_AFTER'), '--retry-after'),
		faultSeed: num(pick(values['fault-seed'], 'FAULT_SEED'), '--fault-seed'),
		accessTokenTtl: num(pick(values['access-ttl'], 'ACCESS_TTL'), '--access-ttl'),
		refreshTokenTtl: num(pick(values['refresh-ttl'], 'REFRESH_TTL'), '--refresh-ttl'),
		refreshReuse: reuseMode(pick(values['refresh-reuse'], 'REFRESH_REUSE')),
		redirectUris,
		https: values.https ?? ['1', 'true'].includes(env.K2_SANDBOX_HTTPS ?? ''),
		quiet: values.quiet ?? ['1', 'true'].includes(env.K2_SANDBOX_QUIET ?? ''),
	};

	const sb = await startSandbox(opts);
	const throttleInFlight = num(pick(values['throttle-in-flight'], 'THROTTLE_IN_FLIGHT'), '--throttle-in-flight');
	const throttlePerSecond = num(pick(values['throttle-per-second'], 'THROTTLE_PER_SECOND'), '--throttle-per-second');
	if (throttleInFlight !== undefined || throttlePerSecond !== undefined) {
		sb.setThrottle({ maxInFlight: throttleInFlight, perSecond: throttlePerSecond, retryAfterSeconds: opts.retryAfterSeconds ?? 1 });
	}
	const operators = pick(values['filter-operators'], 'FILTER_OPERATORS');
	if (operators) sb.setFilterOperators(operators.split(',').map((op) => op.trim()).filter(Boolean));
	if (values['users-without-groups'] ?? ['1', 'true'].includes(env.K2_SANDBOX_USERS_WITHOUT_GROUPS ?? '')) sb.setUsersListGroups(false);
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
Registered redirect URIs:   ${sb.redirectUris.join(', ')}  (any port on loopback hosts)
Users endpoint:             ${sb.scimBaseUrl}/tokens/<token>/scim/v2/Users
Control:                    ${sb.scimBaseUrl}/_sandbox/stats
Data folder:                ${sb.dataDir}${sb.caCertPath ? `\nHTTPS CA certificate:       ${sb.caCertPath}  (trust it: NODE_EXTRA_CA_CERTS=${sb.caCertPath})` : ''}
Sign-in: any login name and password. Ctrl+C to stop (data is flushed).`);

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
