// The fault suite's scenario: a nightly User > Sync of N users with big groups and 20 leavers,
// run while the sandbox faults a share of all requests (429 with Retry-After in seconds and as a
// date, 503, drops before and after a write is applied). Each run's outcome is checked against
// K2's state read directly (test/support/scim-client.ts), not against what the node says.
import type { IDataObject } from 'n8n-workflow';

import type { FaultKind } from '../../sandbox';
import { captureLogs } from '../hostile/support';
import type { K2Fixture } from '../support/fixture';
import { writes } from '../support/fixture';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ALL_KINDS: FaultKind[] = ['429', '429-date', '503', 'drop', 'drop-after'];
const TEAMS = ['Engineering', 'Sales', 'Support'];
/** Every write kind a sync sends gets at least its first request faulted, on top of the rate. */
const WRITE_ROUTES = ['POST /Users', 'PATCH /Users/:id', 'DELETE /Users/:id', 'POST /Groups', 'PATCH /Groups/:id'];

export interface ScenarioOptions {
	users: number;
	leavers: number;
	faultRate: number;
	seed: number;
	retryAfterSeconds: number;
	maxRuns: number;
}

type Row = {
	mail: string;
	id: string;
	dept: string;
	groups: string;
};

/** Yesterday's export (what K2 holds before the faulted runs) and today's (what K2 must end up as). */
export function exports(options: ScenarioOptions): { yesterday: Row[]; today: Row[] } {
	const known = Math.floor(options.users * 0.7);
	const row = (i: number, day: 'yesterday' | 'today'): Row => {
		// 10% change department, 10% move team, 30% are new hires (a 300-member new group at 1,000).
		const team = TEAMS[(day === 'yesterday' && i % 10 === 7 ? i + 1 : i) % 3];
		const groups = ['All Staff', team];
		if (i % 5 === 0 && (day === 'today' || i % 20 < 10)) groups.push(`Project ${String(i % 20).padStart(2, '0')}`);
		if (day === 'today' && i >= known) groups.push('New Hires');
		const dept = day === 'today' && i % 10 === 3 ? 'Legal' : team;
		return { mail: `u${String(i).padStart(5, '0')}@example.com`, id: `E${i}`, dept, groups: groups.join(', ') };
	};
	const leavers = Array.from({ length: options.leavers }, (_, j) => ({
		mail: `leaver${String(j).padStart(3, '0')}@example.com`,
		id: `L${j}`,
		dept: 'Sales',
		groups: 'All Staff, Sales',
	}));
	return {
		yesterday: [...Array.from({ length: known }, (_, i) => row(i, 'yesterday')), ...leavers],
		today: Array.from({ length: options.users }, (_, i) => row(i, 'today')),
	};
}

export const syncParameters = {
	resource: 'user',
	operation: 'sync',
	matchOn: 'userName',
	userName: '={{ $json.mail }}',
	additionalFields: { externalId: '={{ $json.id }}', department: '={{ $json.dept }}' },
	groupNames: '={{ $json.groups }}',
	syncOptions: { deprovision: 'delete', deprovisionScope: 'withExternalId', maxDeprovisions: 25, output: 'summary' },
};

/** Something K2 holds that differs from today's export, named as the sync's errors name it. */
interface Gap {
	kind: 'user' | 'membership' | 'deprovision';
	/** userName, or the group's displayName for a membership. */
	name: string;
	/** For a membership: the user that is missing from (or wrongly in) the group. */
	member?: string;
	/** Something the export wants that K2 lacks (a user, a membership), as opposed to something extra or stale. */
	missing?: boolean;
}

export interface StateCheck {
	gaps: Gap[];
	duplicates: number;
	/** Desired users missing, or desired memberships missing (including the hand-made admin membership). */
	lost: number;
	/** The hand-made membership of admin0 in All Staff is gone (a sync must never remove it). */
	adminMembershipLost: boolean;
	/** Users the export names (or admins outside the scope) that are inactive or gone. */
	wronglyDeprovisioned: number;
}

/** Reads K2 directly and compares it with today's export. */
export async function checkState(k2: K2Fixture, today: Row[], yesterday: Row[], admins: string[]): Promise<StateCheck> {
	const existedBefore = new Set(yesterday.map((row) => row.mail));
	const leavers = yesterday.filter((row) => !today.some((t) => t.mail === row.mail)).map((row) => row.mail);
	const users = await k2.scim.listUsers();
	const groups: any[] = [];
	for (let start = 1; ; start += 100) {
		const { body } = await k2.scim.request('GET', `/Groups?startIndex=${start}&count=100&excludedAttributes=members`);
		groups.push(...(body.Resources ?? []));
		if (groups.length >= body.totalResults || !body.Resources?.length) break;
	}
	const groupName = new Map(groups.map((g) => [g.id, g.displayName as string]));
	const byName = new Map<string, any[]>();
	for (const user of users) byName.set(user.userName.toLowerCase(), [...(byName.get(user.userName.toLowerCase()) ?? []), user]);
	const groupCount = new Map<string, number>();
	for (const group of groups) groupCount.set(group.displayName.toLowerCase(), (groupCount.get(group.displayName.toLowerCase()) ?? 0) + 1);
	const duplicates = [...byName.values(), ...[...groupCount.values()].map((n) => new Array(n))].reduce((sum, list) => sum + Math.max(0, list.length - 1), 0);

	const gaps: Gap[] = [];
	let lost = 0;
	let wronglyDeprovisioned = 0;
	for (const row of today) {
		const user = byName.get(row.mail)?.[0];
		if (user ? user.active !== true : existedBefore.has(row.mail)) wronglyDeprovisioned++;
		if (!user) {
			lost++;
			gaps.push({ kind: 'user', name: row.mail, missing: true });
			continue;
		}
		if (user.active !== true || user.externalId !== row.id || user[ENTERPRISE]?.department !== row.dept) gaps.push({ kind: 'user', name: row.mail });
		const want = new Set(row.groups.split(', '));
		const have = new Set<string>((user.groups ?? []).map((g: any) => groupName.get(g.value) ?? g.display));
		for (const name of want) {
			if (!have.has(name)) {
				lost++;
				gaps.push({ kind: 'membership', name, member: row.mail, missing: true });
			}
		}
		for (const name of have) if (!want.has(name)) gaps.push({ kind: 'membership', name, member: row.mail });
	}
	for (const name of leavers) if (byName.has(name)) gaps.push({ kind: 'deprovision', name });
	for (const name of admins) {
		const admin = byName.get(name)?.[0];
		if (!admin || admin.active !== true) wronglyDeprovisioned++;
	}
	// admin0 was put in All Staff by hand: a sync must never remove a member it does not manage.
	const admin0 = byName.get(admins[0])?.[0];
	const adminMembershipLost = !(admin0?.groups ?? []).some((g: any) => groupName.get(g.value) === 'All Staff');
	return { gaps, duplicates, lost: lost + (adminMembershipLost ? 1 : 0), wronglyDeprovisioned, adminMembershipLost };
}

/** Gaps the run did not report: a gap is reported when its user, group or leaver is in the summary's errors. */
export function unreported(gaps: Gap[], errors: IDataObject[]): Gap[] {
	const named = new Set(errors.map((e) => `${e.kind}:${String(e.name).toLowerCase()}`));
	const isNamed = (kind: string, name?: string) => name !== undefined && named.has(`${kind}:${name.toLowerCase()}`);
	return gaps.filter((gap) => {
		if (gap.kind === 'user') return !isNamed('user', gap.name);
		if (gap.kind === 'deprovision') return !isNamed('deprovision', gap.name);
		// A membership is missing because the group's write failed, or because its user's did.
		return !(isNamed('membership', gap.name) || isNamed('group', gap.name) || isNamed('user', gap.member) ||
			errors.some((e) => e.kind === 'group' && String(e.name).split(', ').includes(gap.name)));
	});
}

export interface RunRow {
	run: number;
	requests: number;
	faults: Record<string, number>;
	/** Faults on writes, by route: "POST /Groups" -> 3. */
	faultedWrites: Record<string, number>;
	retries: number;
	usersOk: number;
	usersFailed: number;
	failuresReported: number;
	gaps: number;
	unreported: number;
	duplicates: number;
	lost: number;
	wronglyDeprovisioned: number;
	seconds: number;
	nodeError?: string;
}

export interface ScenarioResult {
	rows: RunRow[];
	runsToConverge: number | undefined;
	cleanRunWrites: number;
	cleanRunRequests: number;
	final: StateCheck;
	totalSeconds: number;
}

/** Seeds K2 with yesterday's export (no faults), then runs today's under faults until K2 matches it. */
export async function runScenario(k2: K2Fixture, options: ScenarioOptions): Promise<ScenarioResult> {
	const started = Date.now();
	const { yesterday, today } = exports(options);
	await k2.sandbox.reset();
	k2.sandbox.setFaults({ rate: 0 });
	const seed = await k2.run(syncParameters, yesterday);
	if (seed.error) throw new Error(`seeding failed: ${seed.error.message}`);
	const admins = ['admin0@example.com', 'admin1@example.com', 'admin2@example.com'];
	const adminIds: string[] = [];
	for (const name of admins) adminIds.push((await k2.scim.createUser(name)).id);
	const allStaff = (await k2.scim.request('GET', `/Groups?filter=${encodeURIComponent('displayName eq "All Staff"')}`)).body.Resources[0];
	await k2.scim.request('PATCH', `/Groups/${allStaff.id}`, {
		schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
		Operations: [{ op: 'add', path: 'members', value: [{ value: adminIds[0] }] }],
	});

	const rows: RunRow[] = [];
	let runsToConverge: number | undefined;
	let final = await checkState(k2, today, yesterday, admins);
	for (let run = 1; run <= options.maxRuns && runsToConverge === undefined; run++) {
		k2.sandbox.resetStats();
		k2.sandbox.setFaults({
			rate: options.faultRate,
			kinds: ALL_KINDS,
			retryAfterSeconds: options.retryAfterSeconds,
			seed: options.seed + run,
			firstOf: WRITE_ROUTES,
		});
		const logs = captureLogs();
		const runStarted = Date.now();
		let result;
		try {
			result = await k2.run(syncParameters, today, { continueOnFail: true });
		} finally {
			logs.restore();
			k2.sandbox.setFaults({ rate: 0 });
		}
		const stats = k2.sandbox.stats();
		const summary = (result.output?.[0]?.json ?? {}) as IDataObject;
		const errors = (summary.errors ?? []) as IDataObject[];
		const failedByKind = (summary.failedByKind ?? {}) as Record<string, number>;
		final = await checkState(k2, today, yesterday, admins);
		const faultedWrites: Record<string, number> = {};
		for (const [key, n] of Object.entries(stats.faults.byRoute)) {
			const route = key.slice(key.indexOf(' ') + 1);
			if (!route.startsWith('GET')) faultedWrites[route] = (faultedWrites[route] ?? 0) + n;
		}
		rows.push({
			run,
			requests: stats.total,
			faults: stats.faults.byKind,
			faultedWrites,
			retries: logs.records.filter((r) => /; retry \d+ of \d+ in/.test(r.message)).length,
			usersOk: today.length - (failedByKind.user ?? 0),
			usersFailed: failedByKind.user ?? 0,
			failuresReported: errors.length,
			gaps: final.gaps.length,
			// A node that failed as a whole (e.g. its listing) reported everything in its error.
			unreported: result.error ? 0 : unreported(final.gaps, errors).length,
			duplicates: final.duplicates,
			// Lost: wanted, absent, and not reported (a reported failure is re-tried by the next run).
			lost: (result.error ? 0 : unreported(final.gaps.filter((gap) => gap.missing), errors).length) + (final.adminMembershipLost ? 1 : 0),
			wronglyDeprovisioned: final.wronglyDeprovisioned,
			seconds: (Date.now() - runStarted) / 1000,
			nodeError: result.error?.message,
		});
		if (final.gaps.length === 0 && final.lost === 0) runsToConverge = run;
	}

	k2.sandbox.resetStats();
	const clean = await k2.run(syncParameters, today);
	if (clean.error) throw new Error(`clean run failed: ${clean.error.message}`);
	return {
		rows,
		runsToConverge,
		cleanRunWrites: writes(k2.sandbox),
		cleanRunRequests: k2.sandbox.stats().total,
		final,
		totalSeconds: (Date.now() - started) / 1000,
	};
}

/** The table `npm run test:faults` prints, one per scenario. */
export function formatTable(title: string, options: ScenarioOptions, result: ScenarioResult): string {
	const kinds = (faults: Record<string, number>) => ALL_KINDS.map((kind) => `${kind}:${faults[kind] ?? 0}`).join(' ');
	const routes = (writes: Record<string, number>) =>
		Object.entries(writes)
			.sort()
			.map(([route, n]) => `${route}:${n}`)
			.join(' ') || '-';
	const lines = [
		`## ${title}: ${options.users} users, ${options.leavers} leavers, ${Math.round(options.faultRate * 100)}% of requests faulted (seed ${options.seed})`,
		'| run | requests | injected faults by kind | faulted writes by route | retries | items ok / failed | failures reported | unreported | duplicates | lost | wrongly deprovisioned | gaps left | s |',
		'|---|---|---|---|---|---|---|---|---|---|---|---|---|',
		...result.rows.map(
			(r) =>
				`| ${r.run} | ${r.requests} | ${kinds(r.faults)} | ${routes(r.faultedWrites)} | ${r.retries} | ${r.usersOk} / ${r.usersFailed} | ${r.failuresReported} | ${r.unreported} | ${r.duplicates} | ${r.lost} | ${r.wronglyDeprovisioned} | ${r.gaps} | ${r.seconds.toFixed(1)} |`,
		),
		`runs to converge: ${result.runsToConverge ?? `not within ${options.maxRuns}`}; then a clean run: ${result.cleanRunWrites} writes (${result.cleanRunRequests} requests); total ${result.totalSeconds.toFixed(1)} s`,
	];
	return lines.join('\n');
}
