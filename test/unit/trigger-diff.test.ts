import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { EVENTS, compare, hash, loadSnapshot, membershipOf, sampleEvent, storeSnapshot, takeSnapshot, userRow } from '../../nodes/K2ScimTrigger/diff';
import type { Snapshot } from '../../nodes/K2ScimTrigger/diff';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../nodes/K2Scim/scim/schemas';
import type { ScimGroup, ScimUser } from '../../nodes/K2Scim/scim/schemas';
import { clearOwnWrites, isOwnChange, noteOwnWrite } from '../../nodes/K2Scim/transport/ownWrites';

const AT = '2026-12-06T00:00:00.000Z';

function user(id: string, userName: string, extra: Partial<ScimUser> = {}): ScimUser {
	return {
		schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
		id,
		userName,
		name: { givenName: 'Ada', familyName: 'Lovelace' },
		displayName: 'Ada Lovelace',
		active: true,
		emails: [{ value: userName, type: 'work', primary: true }],
		meta: { resourceType: 'User', lastModified: AT },
		...extra,
	};
}

function group(id: string, displayName: string, members: string[] = []): ScimGroup {
	return { schemas: [GROUP_SCHEMA], id, displayName, members: members.map((value) => ({ value })) };
}

function snap(users: ScimUser[], groups: ScimGroup[] = []): Snapshot {
	return takeSnapshot(users, groups, membershipOf(users, groups, 100), AT);
}

const events = (before: Snapshot, after: Snapshot) => compare(before, after, AT).map((d) => d.json);

test('the same K2 twice: no event; meta and the order of keys do not count', () => {
	const a = user('u1', 'ada@example.com');
	const b = { ...user('u1', 'ada@example.com'), meta: { lastModified: '2030-01-01T00:00:00Z' } };
	const reordered = Object.fromEntries(Object.entries(b).reverse()) as ScimUser;
	assert.deepEqual(events(snap([a]), snap([reordered])), []);
});

test('User Created, Deleted, and Changed with each attribute\'s old and new value', () => {
	const before = snap([user('u1', 'ada@example.com'), user('u2', 'bob@example.com')]);
	const after = snap([
		user('u1', 'ada@example.com', { title: 'Manager', displayName: 'Ada L.', [ENTERPRISE_USER_SCHEMA]: { department: 'Finance' } }),
		user('u3', 'cy@example.com'),
	]);
	const out = events(before, after);
	assert.deepEqual(out.map((e) => `${e.event}:${e.id}`), ['userChanged:u1', 'userCreated:u3', 'userDeleted:u2']);
	const changed = out[0];
	assert.deepEqual(changed.changedAttributes, ['displayName', 'title', 'department']);
	assert.deepEqual(changed.changes, {
		displayName: { from: 'Ada Lovelace', to: 'Ada L.' },
		title: { from: null, to: 'Manager' },
		department: { from: null, to: 'Finance' },
	});
	assert.equal(changed.otherAttributesChanged, true, 'the enterprise extension object itself changed too');
	assert.equal(changed.userName, 'ada@example.com');
	assert.equal(changed.detectedAt, AT);
	assert.equal((changed.user as any).title, 'Manager');
	assert.equal(out[2].userName, 'bob@example.com', 'a deleted user is reported with its last known values');
	assert.equal((out[2].user as any).email, 'bob@example.com');
});

test('Deactivated and Reactivated; a change of active alone is no User Changed', () => {
	const before = snap([user('u1', 'a@x.io'), user('u2', 'b@x.io', { active: false })]);
	const after = snap([user('u1', 'a@x.io', { active: false }), user('u2', 'b@x.io', { active: true, title: 'Back' })]);
	const out = events(before, after);
	assert.deepEqual(out.map((e) => `${e.event}:${e.id}`), ['userDeactivated:u1', 'userReactivated:u2', 'userChanged:u2']);
	assert.deepEqual(out[2].changes, { title: { from: null, to: 'Back' } });
	assert.equal((out[0].user as any).active, false);
});

test('an attribute outside the reported ones (a second e-mail) is a User Changed with otherAttributesChanged and no values', () => {
	const before = snap([user('u1', 'a@x.io')]);
	const after = snap([user('u1', 'a@x.io', { emails: [{ value: 'a@x.io', type: 'work', primary: true }, { value: 'home@x.io', type: 'home' }] })]);
	const [changed] = events(before, after);
	assert.equal(changed.event, 'userChanged');
	assert.deepEqual(changed.changedAttributes, []);
	assert.equal(changed.otherAttributesChanged, true);
});

test('groups: Created with its members, renamed (Changed), Deleted; memberships added and removed', () => {
	const users = [user('u1', 'a@x.io'), user('u2', 'b@x.io'), user('u3', 'c@x.io')];
	const before = snap(users, [group('g1', 'Finance', ['u1', 'u2']), group('g2', 'Old')]);
	const after = snap(users, [group('g1', 'Finance & Legal', ['u2', 'u3']), group('g3', 'New', ['u1'])]);
	const out = events(before, after);
	assert.deepEqual(out.map((e) => `${e.event}:${e.id}:${e.userId ?? ''}`), [
		'groupChanged:g1:',
		'groupCreated:g3:',
		'groupDeleted:g2:',
		'membershipAdded:g1:u3',
		'membershipRemoved:g1:u1',
		'membershipAdded:g3:u1',
	]);
	assert.deepEqual(out[0].changes, { displayName: { from: 'Finance', to: 'Finance & Legal' } });
	assert.equal(out[1].memberCount, 1);
	assert.equal(out[3].userName, 'c@x.io');
	assert.equal(out[3].displayName, 'Finance & Legal');
});

test('memberships from the users\' groups when K2 lists them (complete past 100 members)', () => {
	const members = Array.from({ length: 150 }, (_, i) => user(`u${i}`, `u${i}@x.io`, { groups: [{ value: 'g1', display: 'All' }] }));
	// The group as K2 shows it: cut at 100 members. The users say who is in it.
	const cut = group('g1', 'All', members.slice(0, 100).map((u) => u.id!));
	const before = snap(members, [cut]);
	const leaver = { ...members[140], groups: [] };
	const after = snap([...members.slice(0, 140), leaver, ...members.slice(141)], [cut]);
	assert.deepEqual(events(before, after).map((e) => `${e.event}:${e.userId}`), ['membershipRemoved:u140']);
});

test('without users\' groups a group cut at K2\'s 100 members makes no membership event (not known), before or after', () => {
	const users = Array.from({ length: 120 }, (_, i) => user(`u${i}`, `u${i}@x.io`));
	const full = group('g1', 'All', users.slice(0, 100).map((u) => u.id!));
	const small = group('g1', 'All', users.slice(0, 99).map((u) => u.id!));
	assert.equal(snap(users, [full]).groups.g1[3], null);
	assert.deepEqual(events(snap(users, [full]), snap(users, [small])), []);
	assert.deepEqual(events(snap(users, [small]), snap(users, [full])), []);
	const smaller = group('g1', 'All', users.slice(0, 98).map((u) => u.id!));
	assert.deepEqual(events(snap(users, [small]), snap(users, [smaller])).map((e) => `${e.event}:${e.userId}`), ['membershipRemoved:u98']);
});

test('a deleted user is not also reported as removed from its groups', () => {
	const before = snap([user('u1', 'a@x.io'), user('u2', 'b@x.io')], [group('g1', 'G', ['u1', 'u2'])]);
	const after = snap([user('u2', 'b@x.io')], [group('g1', 'G', ['u2'])]);
	assert.deepEqual(events(before, after).map((e) => e.event), ['userDeleted']);
});

test('each event names what the own-changes filter looks at: the user, or the group for memberships', () => {
	const before = snap([user('u1', 'a@x.io')], [group('g1', 'G')]);
	const after = snap([user('u1', 'a@x.io', { title: 'T' })], [group('g1', 'G', ['u1'])]);
	assert.deepEqual(compare(before, after, AT).map((d) => d.subject), [
		{ resource: 'user', id: 'u1' },
		{ resource: 'group', id: 'g1' },
	]);
});

test('the stored snapshot survives JSON (n8n keeps static data as JSON): members as positions, numeric-looking IDs included', () => {
	const users = [user('u1', 'a@x.io', { title: 'T' }), user('2', 'b@x.io'), user('10', 'c@x.io')];
	const s = snap(users, [group('g1', 'G', ['u1', '10', 'nested-group-id']), group('g2', 'H')]);
	const stored = JSON.parse(JSON.stringify(storeSnapshot(s)));
	// Positions follow the keys' order, integer-like IDs first ('2', '10', 'u1'), and survive JSON the same way.
	assert.deepEqual(stored.g[0][4], [1, 'nested-group-id', 2], 'listed users by position, others by ID');
	const loaded = loadSnapshot(stored)!;
	assert.deepEqual(loaded, s);
	assert.deepEqual(compare(loaded, s, AT), []);
	assert.equal(loadSnapshot({ v: 2, u: [], g: [] }), undefined);
	assert.equal(loadSnapshot(undefined), undefined);
	const cut = snap(Array.from({ length: 100 }, (_, i) => user(`u${i}`, `u${i}@x.io`)), [group('g', 'All', Array.from({ length: 100 }, (_, i) => `u${i}`))]);
	assert.equal(loadSnapshot(JSON.parse(JSON.stringify(storeSnapshot(cut))))!.groups.g[3], null, 'not known stays not known');
});

test('hash: stable, short, different for different text', () => {
	assert.equal(hash('abc'), hash('abc'));
	assert.notEqual(hash('abc'), hash('abd'));
	assert.ok(hash('x'.repeat(10_000)).length <= 11);
});

test('a value of an unexpected type (an object where text belongs) is compared as its JSON, not as "[object Object]"', () => {
	const row = userRow(user('u1', 'a@x.io', { title: { text: 'odd' } as never }));
	assert.equal(row[2 + 6], '{"text":"odd"}');
});

test('samples for a manual test: every event kind, shaped like the real event and marked', () => {
	const s = snap([user('u1', 'a@x.io')], [group('g1', 'G', ['u1'])]);
	for (const event of EVENTS) {
		const sample = sampleEvent(event, s, AT);
		assert.ok(sample, event);
		assert.equal(sample.event, event);
		assert.equal(sample.sample, true);
	}
	assert.deepEqual(sampleEvent('userChanged', s, AT)!.changedAttributes, ['displayName']);
	assert.equal(sampleEvent('membershipAdded', s, AT)!.userId, 'u1');
	assert.equal(s.users.u1[1], 1, 'building samples leaves the snapshot as it was');
	assert.equal(sampleEvent('userCreated', snap([]), AT), undefined);
	assert.equal(sampleEvent('membershipAdded', snap([user('u1', 'a@x.io')], [group('g1', 'G')]), AT), undefined);
});

test('own writes: within the window and unchanged since (same lastModified) is own; a later change by someone else is not', () => {
	clearOwnWrites();
	const now = 1_000_000_000;
	noteOwnWrite('user', 'u1', '2026-12-06T00:00:01Z', now);
	noteOwnWrite('group', 'g1', undefined, now);
	assert.equal(isOwnChange('user', 'u1', '2026-12-06T00:00:01Z', 60_000, now + 30_000), true);
	assert.equal(isOwnChange('user', 'u1', '2026-12-06T00:05:00Z', 60_000, now + 30_000), false, 'changed again after the write');
	assert.equal(isOwnChange('user', 'u1', '2026-12-06T00:00:01Z', 60_000, now + 61_000), false, 'outside the window');
	assert.equal(isOwnChange('group', 'g1', 'anything', 60_000, now + 1_000), true, 'no lastModified in the answer: the window decides');
	assert.equal(isOwnChange('user', 'g1', undefined, 60_000, now + 1_000), false, 'users and groups are apart');
	assert.equal(isOwnChange('user', 'u2', undefined, 60_000, now), false);
	clearOwnWrites();
});

test('memory: the snapshot of 10,000 users (and 100 groups, 3 memberships each) as JSON', () => {
	const guid = (i: number) => `${i.toString(16).padStart(8, '0')}-4b1c-4e2d-9f3a-${(i * 7919).toString(16).padStart(12, '0')}`;
	const users: ScimUser[] = [];
	for (let i = 0; i < 10_000; i++) {
		users.push(
			user(guid(i), `firstname.lastname${i}@example-company.com`, {
				name: { givenName: `Firstname${i}`, familyName: `Lastname${i}` },
				displayName: `Firstname${i} Lastname${i}`,
				externalId: `E${100000 + i}`,
				title: 'Senior Accountant',
				phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }],
				[ENTERPRISE_USER_SCHEMA]: { employeeNumber: String(100000 + i), department: 'Finance', manager: { value: guid(i % 100) } },
				groups: [0, 1, 2].map((g) => ({ value: guid(1_000_000 + ((i + g * 37) % 100)) })),
			}),
		);
	}
	const groups = Array.from({ length: 100 }, (_, g) => group(guid(1_000_000 + g), `Group ${g}`));
	const s = storeSnapshot(takeSnapshot(users, groups, membershipOf(users, groups, 100), AT));
	const bytes = Buffer.byteLength(JSON.stringify(s));
	const userBytes = Buffer.byteLength(JSON.stringify(s.u));
	const groupBytes = Buffer.byteLength(JSON.stringify(s.g));
	console.log(`snapshot for 10,000 users, 100 groups, 30,000 memberships: ${bytes} bytes (users ${userBytes}, groups with their members ${groupBytes})`);
	// The README states these numbers (about 3.3 MB, 330 bytes a user): keep them in step.
	assert.ok(userBytes < 3_200_000, `${userBytes}`);
	assert.ok(groupBytes < 200_000, `${groupBytes}`);
	assert.ok(bytes < 3_400_000, `${bytes}`);
});
