// The sandbox CLI's flags and K2_SANDBOX_* env vars, turned into startSandbox options (flags win
// over env vars; single profile flags win over --profile / --profile-file). Kept apart from
// cli.ts so tests can parse without starting anything.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SandboxOptions } from './index';
import { parseFaultKinds } from './faults';
import type { ThrottleSettings } from './throttle';
import type { K2Profile } from './profile';
import { namedProfile, parseProfile, readProfileFile } from './profile-parse';

export const HELP = `Usage: npm run sandbox -- [options]   (or npx tsx sandbox/cli.ts [options])
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
K2's undocumented behaviours (the K2 profile, sandbox/profile.ts; default: the full SCIM RFC):
  --profile <name>      a named profile: default, strict (K2_SANDBOX_PROFILE)
  --profile-file <path> a JSON K2 profile, e.g. what Connection > Check > Test Writes reported, bare or
                        under a "profile" key (K2_SANDBOX_PROFILE_FILE); the flags below override it
  --stored-attributes <list>  keep only these attributes of a write, e.g. userName,name.givenName,emails,
                        urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber (K2_SANDBOX_STORED_ATTRIBUTES)
  --filter-operators <list>   accept only these filter operators, e.g. eq,sw,and (K2_SANDBOX_FILTER_OPERATORS; default all)
  --total-results <all|page>  totalResults counts every match, or only the resources on the page (K2_SANDBOX_TOTAL_RESULTS)
  --start-index <honoured|ignored>  every list page starts at the first match when ignored (K2_SANDBOX_START_INDEX)
  --wrong-token <404|401|403> the answer to a wrong SCIM token: 404 SCIM error, or 401 / 403 with an empty body (K2_SANDBOX_WRONG_TOKEN)
  --patch-answer <200|204>    PATCH answers 200 with the resource, or 204 without a body (K2_SANDBOX_PATCH_ANSWER)
  --delete-mode <hard|soft>   soft: a deleted resource leaves every read but its name stays taken (409) (K2_SANDBOX_DELETE_MODE)
  --read-lag <ms>       a write is visible to reads only this long after its answer (K2_SANDBOX_READ_LAG, default 0)
  --refresh-needs-offline-access  a refresh token only when the sign-in asked for offline_access (K2_SANDBOX_REFRESH_NEEDS_OFFLINE_ACCESS=1)
  --exact-redirect-uris redirect URIs match a registered one exactly, no port wildcard on loopback (K2_SANDBOX_EXACT_REDIRECT_URIS=1)
Control endpoints on the SCIM port: GET /_sandbox/stats, POST /_sandbox/stats/reset,
POST /_sandbox/faults {"rate":0.1,"kinds":["429"],"retryAfterSeconds":2}, POST /_sandbox/latency {"ms":50},
POST /_sandbox/throttle {"maxInFlight":10,"perSecond":null,"retryAfterSeconds":1} ({} = off),
POST /_sandbox/filter-operators {"operators":["eq","sw","and"]} (null for all),
GET|POST /_sandbox/profile {"deleteMode":"soft","readAfterWriteLagMs":500} (replaces the whole profile; {} = default),
POST /_sandbox/users-list-groups {"enabled":false}, POST /_sandbox/reset`;

export interface CliConfig {
	help: boolean;
	/** What to start the sandbox with; `profile` is the effective K2 profile. */
	options: SandboxOptions;
	/** Set when a throttle flag was given. */
	throttle?: Partial<ThrottleSettings>;
	usersWithoutGroups: boolean;
}

/** One flag per K2Profile field, with its env var name (K2_SANDBOX_<env>) and how its text becomes a value. */
const PROFILE_FLAGS: Array<{ flag: string; env: string; field: keyof K2Profile; kind: 'list' | 'text' | 'ms' | 'switch' }> = [
	{ flag: 'stored-attributes', env: 'STORED_ATTRIBUTES', field: 'storedAttributes', kind: 'list' },
	{ flag: 'filter-operators', env: 'FILTER_OPERATORS', field: 'filterOperators', kind: 'list' },
	{ flag: 'total-results', env: 'TOTAL_RESULTS', field: 'totalResults', kind: 'text' },
	{ flag: 'start-index', env: 'START_INDEX', field: 'startIndex', kind: 'text' },
	{ flag: 'wrong-token', env: 'WRONG_TOKEN', field: 'wrongToken', kind: 'text' },
	{ flag: 'patch-answer', env: 'PATCH_ANSWER', field: 'patchAnswer', kind: 'text' },
	{ flag: 'delete-mode', env: 'DELETE_MODE', field: 'deleteMode', kind: 'text' },
	{ flag: 'read-lag', env: 'READ_LAG', field: 'readAfterWriteLagMs', kind: 'ms' },
	{ flag: 'refresh-needs-offline-access', env: 'REFRESH_NEEDS_OFFLINE_ACCESS', field: 'refreshTokenNeedsOfflineAccess', kind: 'switch' },
	{ flag: 'exact-redirect-uris', env: 'EXACT_REDIRECT_URIS', field: 'exactRedirectUris', kind: 'switch' },
];

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

const isOn = (v: string | undefined) => ['1', 'true'].includes((v ?? '').toLowerCase());

/** Parse the CLI's arguments (without `node script`) and env; throws with the flag's name on a wrong value. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = {}): CliConfig {
	const { values } = parseArgs({
		args: argv,
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
			'access-ttl': { type: 'string' },
			'refresh-ttl': { type: 'string' },
			'refresh-reuse': { type: 'string' },
			'redirect-uri': { type: 'string', multiple: true },
			'users-without-groups': { type: 'boolean' },
			https: { type: 'boolean' },
			'throttle-in-flight': { type: 'string' },
			'throttle-per-second': { type: 'string' },
			quiet: { type: 'boolean' },
			profile: { type: 'string' },
			'profile-file': { type: 'string' },
			...Object.fromEntries(PROFILE_FLAGS.map((f) => [f.flag, { type: f.kind === 'switch' ? 'boolean' : 'string' } as const])),
			help: { type: 'boolean', short: 'h' },
		},
	});
	const flags = values as Record<string, string | boolean | string[] | undefined>;
	const pick = (flag: string | undefined, envName: string) => flag ?? env[`K2_SANDBOX_${envName}`];
	const redirectUris = [
		...(values['redirect-uri'] ?? []),
		...(env.K2_SANDBOX_REDIRECT_URIS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
	];
	const retryAfterSeconds = num(pick(values['retry-after'], 'RETRY_AFTER'), '--retry-after');
	const options: SandboxOptions = {
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
		retryAfterSeconds,
		faultSeed: num(pick(values['fault-seed'], 'FAULT_SEED'), '--fault-seed'),
		accessTokenTtl: num(pick(values['access-ttl'], 'ACCESS_TTL'), '--access-ttl'),
		refreshTokenTtl: num(pick(values['refresh-ttl'], 'REFRESH_TTL'), '--refresh-ttl'),
		refreshReuse: reuseMode(pick(values['refresh-reuse'], 'REFRESH_REUSE')),
		redirectUris,
		https: values.https ?? isOn(env.K2_SANDBOX_HTTPS),
		quiet: values.quiet ?? isOn(env.K2_SANDBOX_QUIET),
		profile: parseProfileFlags(flags, env),
	};
	const throttleInFlight = num(pick(values['throttle-in-flight'], 'THROTTLE_IN_FLIGHT'), '--throttle-in-flight');
	const throttlePerSecond = num(pick(values['throttle-per-second'], 'THROTTLE_PER_SECOND'), '--throttle-per-second');
	return {
		help: values.help ?? false,
		options,
		throttle:
			throttleInFlight !== undefined || throttlePerSecond !== undefined
				? { maxInFlight: throttleInFlight, perSecond: throttlePerSecond, retryAfterSeconds: retryAfterSeconds ?? 1 }
				: undefined,
		usersWithoutGroups: values['users-without-groups'] ?? isOn(env.K2_SANDBOX_USERS_WITHOUT_GROUPS),
	};
}

/** --profile, then --profile-file over it, then each single flag (or its env var) over both. */
function parseProfileFlags(flags: Record<string, string | boolean | string[] | undefined>, env: NodeJS.ProcessEnv): K2Profile {
	const text = (flag: string, envName: string) => (flags[flag] as string | undefined) ?? env[`K2_SANDBOX_${envName}`];
	const name = text('profile', 'PROFILE');
	const file = text('profile-file', 'PROFILE_FILE');
	let profile: K2Profile = name ? namedProfile(name) : {};
	if (file) profile = { ...profile, ...readProfileFile(file) };
	for (const { flag, env: envName, field, kind } of PROFILE_FLAGS) {
		const raw = flags[flag] ?? env[`K2_SANDBOX_${envName}`];
		if (raw === undefined || raw === '') continue;
		let value: unknown = raw;
		if (kind === 'list') value = String(raw).split(',').map((s) => s.trim()).filter(Boolean);
		if (kind === 'ms' && Number.isFinite(Number(raw))) value = Number(raw);
		if (kind === 'switch' && typeof raw === 'string') {
			if (!['1', 'true', '0', 'false'].includes(raw.toLowerCase())) throw new Error(`K2_SANDBOX_${envName} must be 1, true, 0 or false, got "${raw}"`);
			value = isOn(raw);
		}
		try {
			Object.assign(profile, parseProfile({ [field]: value }));
		} catch (ex) {
			throw new Error(`--${flag} (K2_SANDBOX_${envName}): ${(ex as Error).message}`);
		}
	}
	return profile;
}
