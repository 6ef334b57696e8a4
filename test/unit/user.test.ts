import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { ENTERPRISE_USER_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA, type ScimUser } from '../../nodes/K2Scim/scim/schemas';
import {
	patchRequest,
	simplifyUser,
	toScimUser,
	userPatchOperations,
	validateUserFields,
	type UserFields,
} from '../../nodes/K2Scim/scim/user';

const ENT = ENTERPRISE_USER_SCHEMA;

const fullFields: UserFields = {
	userName: 'bob@example.com',
	givenName: 'Bob',
	familyName: 'Builder',
	displayName: 'Bob Builder',
	email: 'bob@example.com',
	active: true,
	externalId: 'E-1',
	title: 'Engineer',
	phoneNumber: '+1 555 0100',
	employeeNumber: '1001',
	department: 'R&D',
	managerId: 'mgr-1',
};

const existingBob = (): ScimUser => ({
	schemas: [USER_SCHEMA, ENT],
	id: 'u-1',
	userName: 'bob@example.com',
	name: { givenName: 'Bob', familyName: 'Builder' },
	displayName: 'Bob Builder',
	emails: [
		{ value: 'bob.home@example.net', type: 'home' },
		{ value: 'bob@example.com', type: 'work', primary: true },
	],
	active: true,
	externalId: 'E-1',
	title: 'Engineer',
	phoneNumbers: [
		{ value: '+1 555 0199', type: 'mobile' },
		{ value: '+1 555 0100', type: 'work' },
	],
	[ENT]: { employeeNumber: '1001', department: 'R&D', manager: { value: 'mgr-1', displayName: 'Boss' } },
	groups: [{ value: 'g-1', display: 'Builders' }],
	meta: { resourceType: 'User', created: '2025-01-01T00:00:00Z', lastModified: '2025-02-01T00:00:00Z' },
});

// --- validateUserFields ---

test('validation requires a non-blank userName only when asked', () => {
	assert.deepEqual(validateUserFields({}, { requireUserName: false }), []);
	assert.equal(validateUserFields({}, { requireUserName: true })[0].field, 'userName');
	assert.match(validateUserFields({ userName: '   ' }, { requireUserName: true })[0].message, /Username is empty/);
	assert.deepEqual(validateUserFields({ userName: 'bob' }, { requireUserName: true }), []);
});

test('validation names a bad email and says how to fix it', () => {
	const [problem] = validateUserFields({ email: 'bob@' }, { requireUserName: false });
	assert.equal(problem.field, 'email');
	assert.match(problem.message, /^Email "bob@" is not a valid email address/);
	assert.deepEqual(validateUserFields({ email: 'bob@example.com' }, { requireUserName: false }), []);
	assert.deepEqual(validateUserFields({ email: null }, { requireUserName: false }), [], 'null clears');
	assert.equal(validateUserFields({ email: 'Bob Builder' }, { requireUserName: false }).length, 1);
});

test('validation rejects a non-boolean active and non-text strings', () => {
	const problems = validateUserFields(
		{ active: 'yes' as unknown as boolean, title: 5 as unknown as string, userName: 7 as unknown as string },
		{ requireUserName: true },
	);
	assert.deepEqual(problems.map((p) => p.field).sort(), ['active', 'title', 'userName']);
	assert.match(problems.find((p) => p.field === 'active')!.message, /true or false, got "yes"/);
	assert.match(problems.find((p) => p.field === 'title')!.message, /Job Title must be text.*number 5/);
});

test('validation rejects additionalAttributes that are not an object or hold schemas/id/meta', () => {
	const notObject = validateUserFields({ additionalAttributes: [] as unknown as Record<string, unknown> }, { requireUserName: false });
	assert.equal(notObject[0].field, 'additionalAttributes');
	const reserved = validateUserFields({ additionalAttributes: { id: 'x', Meta: {}, nickName: 'b' } }, { requireUserName: false });
	assert.deepEqual(reserved.map((p) => p.message.match(/"(\w+)"/)?.[1]), ['id', 'Meta']);
	const meta = validateUserFields({ additionalAttributes: { 'meta.version': '1' } }, { requireUserName: false });
	assert.match(meta[0].message, /"meta"/);
	const qualified = validateUserFields({ additionalAttributes: { [`${USER_SCHEMA}:id`]: 'x' } }, { requireUserName: false });
	assert.match(qualified[0].message, /"id"/);
	assert.deepEqual(validateUserFields({ additionalAttributes: { nickName: 'b', [ENT]: { costCenter: '1' } } }, { requireUserName: false }), []);
	const schemas = validateUserFields({ additionalAttributes: { schemas: [] } }, { requireUserName: false });
	assert.match(schemas[0].message, /must not contain "schemas"/);
});

// --- toScimUser ---

test('toScimUser builds a full resource with the enterprise extension', () => {
	assert.deepEqual(toScimUser(fullFields), {
		schemas: [USER_SCHEMA, ENT],
		userName: 'bob@example.com',
		name: { givenName: 'Bob', familyName: 'Builder' },
		displayName: 'Bob Builder',
		emails: [{ value: 'bob@example.com', type: 'work', primary: true }],
		active: true,
		externalId: 'E-1',
		title: 'Engineer',
		phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
		[ENT]: { employeeNumber: '1001', department: 'R&D', manager: { value: 'mgr-1' } },
	});
});

test('toScimUser leaves out null and undefined fields and the enterprise schema when unused', () => {
	assert.deepEqual(toScimUser({ userName: 'a', givenName: null, email: null, department: null }), {
		schemas: [USER_SCHEMA],
		userName: 'a',
	});
});

test('toScimUser deep-merges additionalAttributes and declares new extension schemas', () => {
	const user = toScimUser({
		userName: 'a',
		givenName: 'A',
		department: 'Sales',
		additionalAttributes: {
			name: { middleName: 'M' },
			nickName: 'Al',
			[ENT]: { costCenter: 'CC1' },
			'urn:example:k2:2.0:User': { badge: '9' },
		},
	});
	assert.deepEqual(user.name, { givenName: 'A', middleName: 'M' });
	assert.equal(user.nickName, 'Al');
	assert.deepEqual(user[ENT], { department: 'Sales', costCenter: 'CC1' });
	assert.deepEqual(user.schemas, [USER_SCHEMA, ENT, 'urn:example:k2:2.0:User']);
});

// --- simplifyUser ---

test('simplifyUser flattens a user for n8n', () => {
	assert.deepEqual(simplifyUser(existingBob()), {
		id: 'u-1',
		userName: 'bob@example.com',
		givenName: 'Bob',
		familyName: 'Builder',
		displayName: 'Bob Builder',
		email: 'bob@example.com',
		active: true,
		externalId: 'E-1',
		title: 'Engineer',
		phoneNumber: '+1 555 0100',
		employeeNumber: '1001',
		department: 'R&D',
		managerId: 'mgr-1',
		groups: ['Builders'],
		created: '2025-01-01T00:00:00Z',
		lastModified: '2025-02-01T00:00:00Z',
	});
});

test('simplifyUser shows the email the Email field manages (work), else the primary one, else the first', () => {
	const base: ScimUser = { schemas: [USER_SCHEMA] };
	assert.equal(simplifyUser({ ...base, emails: [{ value: 'w', type: 'work' }, { value: 'p', primary: true }] }).email, 'w');
	assert.equal(simplifyUser({ ...base, emails: [{ value: 'h', type: 'home', primary: true }, { value: 'o', type: 'other' }] }).email, 'h');
	assert.equal(simplifyUser({ ...base, emails: [{ value: 'a' }, { value: 'p', primary: true }] }).email, 'p');
	assert.equal(simplifyUser({ ...base, emails: [{ value: 'h', type: 'home' }, { value: 'w', type: 'work' }] }).email, 'w');
	assert.equal(simplifyUser({ ...base, emails: [{ value: 'h', type: 'home' }] }).email, 'h');
	const empty = simplifyUser(base);
	assert.equal(empty.email, null);
	assert.equal('groups' in empty, false);
});

// --- userPatchOperations ---

test('an unchanged user yields no operations', () => {
	assert.deepEqual(userPatchOperations(existingBob(), fullFields), []);
	assert.deepEqual(userPatchOperations(existingBob(), {}), []);
});

test('a round trip through toScimUser yields no operations', () => {
	assert.deepEqual(userPatchOperations(toScimUser(fullFields), fullFields), []);
});

test('changed simple attributes become replace operations with their paths', () => {
	assert.deepEqual(
		userPatchOperations(existingBob(), { givenName: 'Robert', displayName: 'Robert Builder', active: false, title: 'Lead', externalId: 'E-2' }),
		[
			{ op: 'replace', path: 'name.givenName', value: 'Robert' },
			{ op: 'replace', path: 'displayName', value: 'Robert Builder' },
			{ op: 'replace', path: 'active', value: false },
			{ op: 'replace', path: 'externalId', value: 'E-2' },
			{ op: 'replace', path: 'title', value: 'Lead' },
		],
	);
});

test('a userName equal in normal form is never rewritten (case, NFD, spaces); a real rename is sent', () => {
	assert.deepEqual(userPatchOperations(existingBob(), { userName: 'Bob@example.com' }), []);
	assert.deepEqual(userPatchOperations({ ...existingBob(), userName: 'jose\u0301@x.io' }, { userName: 'jos\u00e9@x.io' }), []);
	assert.deepEqual(userPatchOperations({ ...existingBob(), userName: ' bob@example.com ' }, { userName: 'bob@example.com' }), []);
	assert.deepEqual(userPatchOperations(existingBob(), { userName: 'robert@example.com' }), [
		{ op: 'replace', path: 'userName', value: 'robert@example.com' },
	]);
});

test('text K2 answers in NFD is not rewritten when the input has it in NFC', () => {
	assert.deepEqual(userPatchOperations({ ...existingBob(), title: 'Re\u0301ceptionniste' }, { title: 'R\u00e9ceptionniste' }), []);
});

test('enterprise attributes use URN-qualified paths; the manager is a complex value', () => {
	assert.deepEqual(userPatchOperations(existingBob(), { department: 'Ops', employeeNumber: '2002', managerId: 'mgr-2' }), [
		{ op: 'replace', path: `${ENT}:employeeNumber`, value: '2002' },
		{ op: 'replace', path: `${ENT}:department`, value: 'Ops' },
		{ op: 'replace', path: `${ENT}:manager`, value: { value: 'mgr-2' } },
	]);
});

test('null clears a present value with a remove and ignores an absent one', () => {
	assert.deepEqual(userPatchOperations(existingBob(), { title: null, familyName: null, managerId: null, department: null }), [
		{ op: 'remove', path: 'name.familyName' },
		{ op: 'remove', path: 'title' },
		{ op: 'remove', path: `${ENT}:department` },
		{ op: 'remove', path: `${ENT}:manager` },
	]);
	assert.deepEqual(userPatchOperations({ schemas: [USER_SCHEMA], userName: 'x' }, { title: null, managerId: null, email: null }), []);
});

test('a new email replaces the work/primary entry and keeps the others', () => {
	assert.deepEqual(userPatchOperations(existingBob(), { email: 'robert@example.com' }), [
		{
			op: 'replace',
			path: 'emails',
			value: [
				{ value: 'bob.home@example.net', type: 'home' },
				{ value: 'robert@example.com', type: 'work', primary: true },
			],
		},
	]);
});

test('a primary email of another type is kept, and stays the only primary', () => {
	const user: ScimUser = { schemas: [USER_SCHEMA], emails: [{ value: 'h@x.io', type: 'home', primary: true }] };
	assert.deepEqual(userPatchOperations(user, { email: 'w@x.io' }), [
		{ op: 'replace', path: 'emails', value: [{ value: 'h@x.io', type: 'home', primary: true }, { value: 'w@x.io', type: 'work' }] },
	]);
	// The work entry is now there: a re-run writes nothing.
	const after: ScimUser = { ...user, emails: [{ value: 'h@x.io', type: 'home', primary: true }, { value: 'w@x.io', type: 'work' }] };
	assert.deepEqual(userPatchOperations(after, { email: 'w@x.io' }), []);
});

test('an email differing only by case is unchanged; a K2 that keeps no types manages its primary entry', () => {
	const user: ScimUser = { schemas: [USER_SCHEMA], emails: [{ value: 'Ann.Lee@X.io', type: 'work', primary: true }] };
	assert.deepEqual(userPatchOperations(user, { email: 'ann.lee@x.io' }), []);
	const untyped: ScimUser = { schemas: [USER_SCHEMA], emails: [{ value: 'a@x.io' }, { value: 'b@x.io', primary: true }] };
	assert.deepEqual(userPatchOperations(untyped, { email: 'b@x.io' }), []);
	assert.deepEqual(userPatchOperations(untyped, { email: 'c@x.io' }), [
		{ op: 'replace', path: 'emails', value: [{ value: 'a@x.io' }, { value: 'c@x.io', type: 'work', primary: true }] },
	]);
});

test('a field and Additional Attributes setting the same attribute is refused, naming both', () => {
	const problems = validateUserFields({ userName: 'a@x.io', email: 'a@x.io', additionalAttributes: { emails: [{ value: 'A@x.io', type: 'work' }] } }, { requireUserName: true });
	assert.equal(problems.length, 1);
	assert.match(problems[0].message, /Email and Additional Attributes \(JSON\) both set emails/);
	const title = validateUserFields({ title: 'CEO', additionalAttributes: { title: 'CFO' } }, { requireUserName: false });
	assert.match(title[0].message, /Job Title and Additional Attributes \(JSON\) both set title/);
	const department = validateUserFields(
		{ department: 'Ops', additionalAttributes: { [ENT]: { department: 'Sales', costCenter: '1' } } },
		{ requireUserName: false },
	);
	assert.match(department[0].message, /Department and Additional Attributes/);
	assert.deepEqual(validateUserFields({ title: 'CEO', additionalAttributes: { nickName: 'Bo', [ENT]: { costCenter: '1' } } }, { requireUserName: false }), []);
});

test('a userName or External ID with an invisible character is refused, naming the character', () => {
	const [userName] = validateUserFields({ userName: 'ann\u200b@x.io' }, { requireUserName: true });
	assert.match(userName.message, /^Username contains an invisible character \(U\+200B zero-width space at position 4\)/);
	const [externalId] = validateUserFields({ externalId: 'E\u202e1' }, { requireUserName: false });
	assert.match(externalId.message, /^External ID contains an invisible character \(U\+202E right-to-left override/);
});

test('clearing the email keeps the other entries, or removes emails when none are left', () => {
	assert.deepEqual(userPatchOperations(existingBob(), { email: null }), [
		{ op: 'replace', path: 'emails', value: [{ value: 'bob.home@example.net', type: 'home' }] },
	]);
	const onlyWork: ScimUser = { schemas: [USER_SCHEMA], emails: [{ value: 'w@x.io', type: 'work', primary: true }] };
	assert.deepEqual(userPatchOperations(onlyWork, { email: null }), [{ op: 'remove', path: 'emails' }]);
});

test('a new work phone replaces the work entry and keeps the mobile one', () => {
	assert.deepEqual(userPatchOperations(existingBob(), { phoneNumber: '+1 555 0123' }), [
		{
			op: 'replace',
			path: 'phoneNumbers',
			value: [
				{ value: '+1 555 0199', type: 'mobile' },
				{ value: '+1 555 0123', type: 'work' },
			],
		},
	]);
	const noPhones: ScimUser = { schemas: [USER_SCHEMA] };
	assert.deepEqual(userPatchOperations(noPhones, { phoneNumber: '1' }), [
		{ op: 'replace', path: 'phoneNumbers', value: [{ value: '1', type: 'work' }] },
	]);
	assert.deepEqual(userPatchOperations(existingBob(), { phoneNumber: null }), [
		{ op: 'replace', path: 'phoneNumbers', value: [{ value: '+1 555 0199', type: 'mobile' }] },
	]);
});

test('additionalAttributes are compared by path with deep equality', () => {
	const user: ScimUser = {
		...existingBob(),
		nickName: 'Bobby',
		addresses: [{ type: 'work', locality: 'Oslo' }],
		name: { givenName: 'Bob', familyName: 'Builder', middleName: 'T' },
	};
	assert.deepEqual(
		userPatchOperations(user, {
			additionalAttributes: { nickName: 'Bobby', addresses: [{ locality: 'Oslo', type: 'work' }], name: { middleName: 'T' } },
		}),
		[],
		'equal values, key order ignored',
	);
	assert.deepEqual(
		userPatchOperations(user, {
			additionalAttributes: {
				nickName: null,
				addresses: [{ type: 'work', locality: 'Bergen' }],
				name: { middleName: 'Q' },
				[ENT]: { costCenter: 'CC9' },
				profileUrl: null,
			},
		}),
		[
			{ op: 'remove', path: 'nickName' },
			{ op: 'replace', path: 'addresses', value: [{ type: 'work', locality: 'Bergen' }] },
			{ op: 'replace', path: 'name.middleName', value: 'Q' },
			{ op: 'replace', path: `${ENT}:costCenter`, value: 'CC9' },
		],
	);
});

test('an additional attribute naming a field\'s path wins over the field', () => {
	assert.deepEqual(userPatchOperations(existingBob(), { title: 'A', additionalAttributes: { title: 'B' } }), [
		{ op: 'replace', path: 'title', value: 'B' },
	]);
});

test('patchRequest wraps operations in a PatchOp message', () => {
	assert.deepEqual(patchRequest([{ op: 'remove', path: 'title' }]), {
		schemas: [PATCH_OP_SCHEMA],
		Operations: [{ op: 'remove', path: 'title' }],
	});
});
