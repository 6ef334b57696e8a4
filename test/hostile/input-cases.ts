// The hostile input corpus: each case is an item the node must refuse before any request, with
// an error naming the field, and a valid item for the same parameters. Run by input.test.ts;
// README.md is generated from this list (npx tsx test/hostile/cases-input.ts).
import type { K2Fixture } from '../support/fixture';

export type Json = Record<string, unknown>;

export interface Case {
	name: string;
	parameters: Json;
	/** The hostile item (a function when it names what the sandbox holds). */
	bad: Json | (() => Json);
	/** A valid item for the same parameters; a function, since it names what the sandbox holds. */
	good: () => Json | Promise<Json>;
	error: RegExp;
}

const userLocator = '={{ { __rl: true, mode: $json.mode, value: $json.id } }}';
const groupLocator = '={{ { __rl: true, mode: $json.mode, value: $json.g } }}';
const NUL = '\u0000';

/** What the cases need from the run: the sandbox, and a user and a group that exist. */
export interface CaseEnv {
	k2: K2Fixture;
	user: { id: string; userName: string };
	group: { id: string };
}

// Set by the test's beforeAll(); the cases read it lazily, when they run.
let env: CaseEnv;
export function useEnv(value: CaseEnv): void {
	env = value;
}
let serial = 0;
const fresh = () => `good${++serial}@example.com`;
const existing = () => ({ mode: 'id', id: env.user.id });
const existingGroup = () => ({ mode: 'id', g: env.group.id });
const freshGroup = async () => ({ mode: 'id', g: (await env.k2.scim.createGroup(`Doomed ${++serial}`)).id });

const LABELS: Record<string, string> = {
	get: 'Get',
	update: 'Update',
	replace: 'Replace',
	deactivate: 'Deactivate',
	reactivate: 'Reactivate',
	delete: 'Delete',
	rename: 'Rename',
	addMembers: 'Add Members',
	removeMembers: 'Remove Members',
};

function userCase(operation: string, name: string, bad: Json, error: RegExp, extra: Json = {}): Case {
	// A delete's valid item needs a user of its own: the shared one must stay.
	const good = operation === 'delete' ? async () => ({ mode: 'id', id: (await env.k2.scim.createUser(fresh())).id }) : existing;
	return { name: `User > ${LABELS[operation]}: ${name}`, parameters: { resource: 'user', operation, user: userLocator, ...extra }, bad, good, error };
}

const create = (name: string, bad: Json, error: RegExp): Case => ({
	name: `User > Create: ${name}`,
	parameters: {
		resource: 'user',
		operation: 'create',
		userName: '={{ $json.u }}',
		additionalFields: {
			displayName: '={{ $json.dn }}',
			givenName: '={{ $json.gn }}',
			managerId: '={{ $json.mgr }}',
			additionalAttributes: '={{ $json.extra }}',
		},
	},
	bad: { u: 'hostile@example.com', dn: '', gn: '', mgr: '', extra: {}, ...bad },
	good: () => ({ u: fresh(), dn: 'Good', gn: '', mgr: env.user.id, extra: { nickName: 'ok' } }),
	error,
});

const extra = (name: string, attributes: unknown, error: RegExp) => create(`Additional Attributes ${name}`, { extra: attributes }, error);

const getMany = (resource: 'user' | 'group', name: string, bad: Json, error: RegExp): Case => ({
	name: `${resource === 'user' ? 'User' : 'Group'} > Get Many: ${name}`,
	parameters: {
		resource,
		operation: 'getMany',
		returnAll: false,
		limit: '={{ $json.limit }}',
		filters: resource === 'user'
			? { raw: '={{ $json.raw }}', active: '={{ $json.active }}', userName: '={{ $json.userName }}' }
			: { raw: '={{ $json.raw }}', displayName: '={{ $json.displayName }}' },
	},
	bad: { limit: 1, raw: '', active: true, userName: '', displayName: '', ...bad },
	good: () => ({ limit: 1, raw: resource === 'user' ? 'userName pr' : 'displayName pr', active: true, userName: '', displayName: '' }),
	error,
});

const groupCase = (operation: string, name: string, bad: Case['bad'], error: RegExp, parameters: Json = {}, good: Case['good'] = existingGroup): Case => ({
	name: `Group > ${LABELS[operation]}: ${name}`,
	parameters: { resource: 'group', operation, group: groupLocator, ...parameters },
	bad,
	good,
	error,
});

const members = (operation: string, name: string, value: unknown, error: RegExp): Case =>
	groupCase(operation, name, () => ({ mode: 'id', g: env.group.id, m: value }), error, { memberReference: 'id', members: '={{ $json.m }}' }, () => ({ ...existingGroup(), m: env.user.id }));

const groupCreate = (operation: 'create' | 'createOrUpdate', name: string, bad: Json, error: RegExp): Case => ({
	name: `Group > ${operation === 'create' ? 'Create' : 'Create or Update'}: ${name}`,
	parameters: { resource: 'group', operation, displayName: '={{ $json.dn }}', memberReference: 'id', members: '={{ $json.m }}' },
	bad: { dn: 'Hostile Group', m: '', ...bad },
	good: () => ({ dn: `Good Group ${++serial}`, m: env.user.id }),
	error,
});

export function inputCases(): Case[] {
	return [
		// Item 10: IDs that are not IDs, for every user operation.
		userCase('get', 'ID ".."', { mode: 'id', id: '..' }, /^User \(By ID\) is "\.\.", which is a path segment, not an ID$/),
		userCase('get', 'ID "."', { mode: 'id', id: '.' }, /^User \(By ID\) is "\.", which is a path segment/),
		userCase('get', 'empty ID', { mode: 'id', id: '' }, /^User is empty/),
		userCase('get', 'whitespace-only ID', { mode: 'id', id: '   ' }, /^User is empty/),
		userCase('get', 'an object as ID', { mode: 'id', id: { id: 'x' } }, /^User \(By ID\) must be text, got an object/),
		userCase('get', 'a number as ID', { mode: 'id', id: 12345 }, /^User \(By ID\) must be text, got number 12345/),
		userCase('get', 'ID with "/"', { mode: 'id', id: '../Groups' }, /^User \(By ID\) "\.\.\/Groups" contains "\/"/),
		userCase('get', 'ID with NUL', { mode: 'id', id: `a${NUL}b` }, /^User \(By ID\) contains a control character \(U\+0000 at position 2\)/),
		userCase('get', 'username with a control character', { mode: 'userName', id: 'a\u001bb@example.com' }, /^User \(By Username\) contains a control character \(U\+001B/),
		userCase('update', 'ID ".."', { mode: 'id', id: '..' }, /^User \(By ID\) is "\.\."/, { updateFields: { title: 'x' } }),
		{ ...userCase('replace', 'ID ".."', { mode: 'id', id: '..', u: 'x@example.com' }, /^User \(By ID\) is "\.\."/, { userName: '={{ $json.u }}' }), good: () => ({ ...existing(), u: env.user.userName }) },
		userCase('deactivate', 'ID ".."', { mode: 'id', id: '..' }, /^User \(By ID\) is "\.\."/),
		userCase('reactivate', 'ID "."', { mode: 'id', id: '.' }, /^User \(By ID\) is "\."/),
		userCase('delete', 'ID ".."', { mode: 'id', id: '..' }, /^User \(By ID\) is "\.\."/),
		userCase('delete', 'an array as ID', { mode: 'id', id: ['a'] }, /^User \(By ID\) must be text, got a list/),
		create('Manager ID ".."', { mgr: '..' }, /^Manager ID is "\.\.", which is a path segment/),
		create('Manager ID with "/"', { mgr: 'a/b' }, /^Manager ID "a\/b" contains "\/"/),
		// Item 11: control characters and lengths.
		create('username with NUL', { u: `ada${NUL}@example.com` }, /^Username contains a control character \(U\+0000 at position 4\)/),
		create('username with ESC', { u: 'ada\u001b[31m@example.com' }, /^Username contains a control character \(U\+001B/),
		create('username of 100 kB', { u: `${'a'.repeat(100_000)}@example.com` }, /^Username is 100012 characters long; the maximum is 256/),
		create('username of 257 characters', { u: 'a'.repeat(257) }, /^Username is 257 characters long; the maximum is 256/),
		create('display name of 1025 characters', { dn: 'x'.repeat(1025) }, /^Display Name is 1025 characters long; the maximum is 1024/),
		create('given name with a line break', { gn: 'Ada\nLovelace' }, /^Given Name contains a control character \(U\+000A/),
		create('username as a number', { u: 12345 }, /^Username must be text, got number 12345/),
		// Item 1: prototype pollution.
		extra('with __proto__', JSON.parse('{"__proto__": {"polluted": "yes"}}'), /^Additional Attributes \(JSON\) must not contain the key "__proto__" \(at __proto__\)/),
		extra('as JSON text with __proto__', '{"__proto__": {"polluted": "yes"}}', /must not contain the key "__proto__"/),
		extra('with a nested __proto__', JSON.parse('{"name": {"__proto__": {"polluted": "yes"}}}'), /must not contain the key "__proto__" \(at name\.__proto__\)/),
		extra('with constructor.prototype', { constructor: { prototype: { polluted: 'yes' } } }, /must not contain the key "constructor"/),
		extra('with __proto__ in a list', JSON.parse('{"emails": [{"__proto__": {"polluted": "yes"}}]}'), /\(at emails\[0\]\.__proto__\)/),
		extra('with __proto__ in an extension', JSON.parse('{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"__proto__": {"polluted": "yes"}}}'), /must not contain the key "__proto__"/),
		extra('with a "prototype" path', { 'name.prototype': 'x' }, /must not contain the key "prototype" \(at name\.prototype\)/),
		// Item 12: userName in Additional Attributes.
		extra('with userName', { userName: 'other@example.com' }, /^Additional Attributes \(JSON\) must not contain "userName": use the Username field instead/),
		extra('with USERNAME', { USERNAME: 'other@example.com' }, /must not contain "USERNAME": use the Username field/),
		extra('with a URN-qualified userName', { 'urn:ietf:params:scim:schemas:core:2.0:User:userName': 'other@example.com' }, /must not contain "userName"/),
		extra('with id', { id: 'x' }, /must not contain "id": it is set by K2/),
		extra('with a NUL in a value', { nickName: `Bo${NUL}b` }, /^Additional Attributes \(JSON\): the value at nickName contains a control character \(U\+0000/),
		extra('with a value of 2000 characters', { nickName: 'x'.repeat(2000) }, /the value at nickName is 2000 characters long; the maximum is 1024/),
		extra('as a list', [1, 2], /must be a JSON object .* got a list/),
		// Items 13-15: Get Many options.
		getMany('user', 'Limit 0', { limit: 0 }, /^Limit must be a whole number of at least 1, got number 0$/),
		getMany('user', 'Limit -1', { limit: -1 }, /^Limit must be a whole number of at least 1, got number -1/),
		getMany('user', 'Limit 2.5', { limit: 2.5 }, /^Limit must be a whole number of at least 1, got number 2\.5/),
		getMany('user', 'Limit "abc"', { limit: 'abc' }, /^Limit must be a whole number of at least 1, got "abc"/),
		getMany('user', 'a filter that widens the others', { raw: ') or (userName pr' }, /^Filters > SCIM Filter is not a valid SCIM filter: expected an attribute name, found "\)" at position 1/),
		getMany('user', 'an unclosed parenthesis', { raw: '(title pr' }, /^Filters > SCIM Filter is not a valid SCIM filter: the "\(" at position 1 is not closed/),
		getMany('user', 'an unquoted value', { raw: 'title eq bob' }, /expected a value .* found "bob" at position 10/),
		getMany('user', 'a quoted value with a bad escape', { raw: 'userName eq "a\\qb"' }, /a quoted value has an invalid escape/),
		getMany('user', 'Active "yes"', { active: 'yes' }, /^Filters > Active must be true or false, got "yes"/),
		getMany('user', 'Active as a number', { active: 0 }, /^Filters > Active must be true or false, got number 0/),
		getMany('user', 'Username filter as an object', { userName: { eq: 'x' } }, /^Filters > Username must be text, got an object/),
		getMany('group', 'Limit 0', { limit: 0 }, /^Limit must be a whole number of at least 1/),
		getMany('group', 'a filter that widens the others', { raw: 'displayName pr) or (displayName pr' }, /^Filters > SCIM Filter is not a valid SCIM filter: unexpected "\)" at position 15/),
		// Item 10 for groups.
		groupCase('get', 'ID ".."', { mode: 'id', g: '..' }, /^Group \(By ID\) is "\.\.", which is a path segment/),
		groupCase('get', 'an object as ID', { mode: 'id', g: { id: 'x' } }, /^Group \(By ID\) must be text, got an object/),
		groupCase('delete', 'ID "."', { mode: 'id', g: '.' }, /^Group \(By ID\) is "\."/, {}, freshGroup),
		groupCase('delete', 'empty ID', { mode: 'id', g: '' }, /^Group is empty/, {}, freshGroup),
		groupCase('rename', 'ID ".."', { mode: 'id', g: '..', n: 'New' }, /^Group \(By ID\) is "\.\."/, { newDisplayName: '={{ $json.n }}' }, () => ({ ...existingGroup(), n: `Renamed ${++serial}` })),
		groupCase('rename', 'a new name with NUL', () => ({ mode: 'id', g: env.group.id, n: `Fin${NUL}ance` }), /^New Display Name contains a control character/, { newDisplayName: '={{ $json.n }}' }, () => ({ ...existingGroup(), n: `Renamed ${++serial}` })),
		groupCase('addMembers', 'group ID ".."', { mode: 'id', g: '..', m: 'x' }, /^Group \(By ID\) is "\.\."/, { memberReference: 'id', members: '={{ $json.m }}' }, () => ({ ...existingGroup(), m: env.user.id })),
		groupCase('removeMembers', 'group ID "."', { mode: 'id', g: '.', m: 'x' }, /^Group \(By ID\) is "\."/, { memberReference: 'id', members: '={{ $json.m }}' }, () => ({ ...existingGroup(), m: env.user.id })),
		members('addMembers', 'member ID ".."', '..', /^Members entry 1 is not a user ID: it is "\.\.", which is a path segment/),
		members('addMembers', 'member ID with "/"', 'ok-id, a/b', /^Members entry 2 is not a user ID: it "a\/b" contains "\/"/),
		members('addMembers', 'member as a number', [5], /^Members entry 1 is not a user ID: it must be text, got number 5/),
		members('addMembers', 'member object without an ID', [{ name: 'x' }], /^Members entry 1 is not a user ID: it must be text, got nothing/),
		members('addMembers', 'Members as an object of objects', { a: { b: 1 } }, /^Members entry 1 is not a user ID/),
		members('addMembers', 'Members as a number', 42, /^Members must be text or a list, got number 42/),
		members('removeMembers', 'member null in a list', [null], /^Members entry 1 is not a user ID: it must be text, got null/),
		groupCreate('create', 'display name with NUL', { dn: `Fin${NUL}` }, /^Display Name contains a control character/),
		groupCreate('create', 'display name of 300 characters', { dn: 'x'.repeat(300) }, /^Display Name is 300 characters long; the maximum is 256/),
		groupCreate('create', 'display name as an object', { dn: { x: 1 } }, /^Display Name must be text, got an object/),
		groupCreate('create', 'member ID ".."', { m: '..' }, /^Members entry 1 is not a user ID: it is "\.\."/),
		groupCreate('createOrUpdate', 'member ID "."', { m: ['.'] }, /^Members entry 1 is not a user ID: it is "\."/),
		groupCreate('createOrUpdate', 'display name with ESC', { dn: 'x\u001b' }, /^Display Name contains a control character \(U\+001B/),
	];
}

