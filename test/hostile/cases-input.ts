// Prints the "Input checks" table of README.md from the corpus: npx tsx test/hostile/cases-input.ts
import { inputCases, useEnv } from './input-cases';

useEnv({ k2: undefined as never, user: { id: '<user id>', userName: 'existing@example.com' }, group: { id: '<group id>' } });

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const short = (value: unknown): unknown => {
	if (typeof value === 'string') return value.length > 48 ? `${value.slice(0, 24)}… (${value.length} characters)` : value;
	if (Array.isArray(value)) return value.map(short);
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, short(v)]));
	return value;
};
const DEFAULTS = ['dn', 'gn', 'mgr', 'extra', 'raw', 'userName', 'displayName', 'm'];
// Only the fields the case sets: the rest of the item is the valid default.
const shown = (bad: Record<string, unknown>) =>
	Object.fromEntries(Object.entries(bad).filter(([k, v]) => !(DEFAULTS.includes(k) && (v === '' || (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)))));
const expected = (pattern: RegExp) =>
	pattern.source.replace(/^\^|\$$/g, '').replace(/\\(.)/g, '$1').replace(/\.\*/g, '…');

const lines = [
	'## Input checks before any request',
	'',
	'Run by `test/hostile/input.test.ts` (generated from `input-cases.ts` by `npx tsx test/hostile/cases-input.ts`).',
	'Every case runs three times through the real harness against the sandbox: the hostile item alone',
	'with Continue On Fail (the error below, **0 requests** at the sandbox), the hostile item with a valid',
	'one (each item out exactly once; the valid one succeeds), and alone without Continue On Fail (the',
	'node fails with the same message). `Object.prototype` is checked untouched after every case.',
	'',
	'| # | Case | Input (item fields) | Expected error |',
	'|---|------|---------------------|----------------|',
];
inputCases().forEach((c, i) => {
	const bad = typeof c.bad === 'function' ? c.bad() : c.bad;
	lines.push(`| ${i + 1} | ${cell(c.name)} | \`${cell(JSON.stringify(short(shown(bad))))}\` | ${cell(expected(c.error))} |`);
});
lines.push(
	'',
	'Also in `input-groups.test.ts` (member changes, with requests, asserting exactly what changed):',
	'',
	'| Case | Input | Expected outcome |',
	'|------|-------|------------------|',
	'| Remove non-members | Remove Members: one member, two non-members | `removed` lists the member only, `notMembers` the other two; nothing sent when none is a member |',
	'| Add existing members | Add Members: a member | `added: []`, `alreadyMembers` lists it; 0 writes |',
	'| Group as its own member (By ID) | Add Members: the group\'s own ID | error `Members contains the group itself`; 0 requests; a valid item in the same run is added |',
	'| Group as its own member (By Display Name, Create or Update) | the group\'s own ID | the same error after the name lookup; 0 writes |',
	'| 10,000 unknown member IDs | Add Members: 10,000 unknown IDs + a valid item | error naming them (first 10 and "9990 more"); the valid item added; 302 requests (1 group read, 101 PATCHes, 200 lookups of 50 IDs) |',
	'| Beyond 100 members | Add / Remove Members on a group of 120 | exact via users\' `groups`; without them, listed as `unverified` (sent, idempotent) |',
	'| Active as text | Get Many, Active `"false"` / `"TRUE"` | read as booleans: only inactive / only active users |',
	'| Requests in Flight out of range | Add Members with Requests in Flight 0, 2.5, "many", 33 | the run fails: `Requests in Flight must be a whole number from 1 to 32`; 0 requests |',
	'| A group named `__proto__` | Create or Update `__proto__`, then `__PROTO__` | created, then unchanged; no prototype written |',
);
console.log(lines.join('\n'));
