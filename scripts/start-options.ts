// `npm start` options, read before anything loads n8n (scripts/start.ts imports this first):
// which n8n line runs, and the settings the loopback sandbox needs. Kept apart from start.ts so
// the choice of n8n stays in one place.
//
//   npm start                      # the newest supported n8n: 2.41.1 on Node 24 (from the npm registry)
//   npm start -- --n8n 2.8         # or any line of e2e/compat/matrix.json: 1.123, 1.123-node24, 2.8, 2.41, 2.41-ssrf
//
// The line is installed on first use (scripts/ensure-compat.mjs: its own folder and lockfile,
// about 2 GB and a few minutes). The default line keeps n8n's data in .n8n-home (queue mode:
// .queue-data/start), every other line in .n8n-home-<line> (.queue-data/start-<line>): an n8n must
// not open a database a newer n8n has migrated. `--queue` runs the same line.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readMatrix } from '../test/e2e/support/n8n-version';

/** What a new user gets: the current n8n line. */
export const DEFAULT_LINE = '2.41';

function optionValue(name: string): string | undefined {
	const args = process.argv.slice(2);
	for (let i = 0; i < args.length; i++) {
		if (args[i] === name) return args[i + 1];
		if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
	}
	return undefined;
}

const ROOT = path.resolve(__dirname, '..');
const lines = readMatrix();
// Queue mode too (test/e2e/queue.e2e.test.ts runs on 2.8 and 2.41).
const asked = optionValue('--n8n') ?? process.env.K2_START_N8N ?? DEFAULT_LINE;
const entry = lines.find((e) => e.line === asked) ?? lines.find((e) => e.line === asked.split('.').slice(0, 2).join('.'));
if (!entry) {
	console.error(`npm start: unknown n8n line "${asked}"; choose one of ${lines.map((e) => e.line).join(', ')} (npm start -- --n8n 2.8)`);
	process.exit(1);
}

/** The matrix line this run uses, e.g. "2.41". */
export const START_LINE = entry.line;
/** n8n's user folder for this line (relative to the repository). */
export const N8N_HOME = START_LINE === DEFAULT_LINE ? '.n8n-home' : `.n8n-home-${START_LINE}`;
/** Queue mode's folder under .queue-data (database, user folders, logs), per line like N8N_HOME. */
export const QUEUE_HOME = START_LINE === DEFAULT_LINE ? 'start' : `start-${START_LINE}`;

const ensured = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-compat.mjs'), START_LINE], { stdio: 'inherit' });
if (ensured.status !== 0) {
	console.error(`npm start: n8n ${START_LINE} could not be installed (scripts/ensure-compat.mjs ${START_LINE})`);
	process.exit(1);
}

// test/e2e/support/n8n.ts reads these when it loads: which install and Node run n8n.
process.env.K2_E2E_N8N = entry.dir;
process.env.K2_E2E_LINE = entry.line;
// The sandbox is on loopback: with SSRF protection on (n8n >= 2.12, N8N_SSRF_PROTECTION_ENABLED)
// n8n would block its own OAuth2 token call and every K2 request to it.
process.env.N8N_SSRF_ALLOWED_IP_RANGES ??= '127.0.0.0/8';
console.log(`n8n line ${START_LINE}${START_LINE === DEFAULT_LINE ? ' (the default; npm start -- --n8n 2.8 for another line)' : ''}, data in ${N8N_HOME}`);
