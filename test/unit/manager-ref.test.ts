import { describe, test } from '@jest/globals';
import assert from 'node:assert/strict';

import { ENTERPRISE_USER_SCHEMA, type ScimUser } from '../../nodes/K2Scim/scim/schemas';
import { ManagerDirectory, namesItself, readManager, resolveFromFound } from '../../nodes/K2Scim/scim/managerRef';

const user = (id: string, userName: string, employeeNumber?: string): ScimUser => ({
	schemas: [],
	id,
	userName,
	...(employeeNumber === undefined ? {} : { [ENTERPRISE_USER_SCHEMA]: { employeeNumber } }),
});

describe('readManager: the Manager field with Manager Is', () => {
	test('blank is nothing; a K2 ID is used as given; a username or employee number is a reference in normal form', () => {
		assert.equal(readManager('  ', 'userName'), undefined);
		assert.equal(readManager(undefined, 'userName'), undefined);
		assert.deepEqual(readManager(' 2819c223 ', 'id'), { managerId: '2819c223' });
		assert.deepEqual(readManager(' Jose\u0301@x.com ', 'userName'), { reference: { by: 'userName', value: 'Jos\u00e9@x.com' } });
		assert.deepEqual(readManager('E-1', 'employeeNumber'), { reference: { by: 'employeeNumber', value: 'E-1' } });
	});

	test('refuses what cannot name a manager: not text, an ID that is not one, invisible or control characters, an unknown Manager Is', () => {
		assert.match((readManager(1234, 'employeeNumber') as { problem: string }).problem, /must be text, got number 1234: use e.g. \{\{ String/);
		assert.match((readManager('a/b', 'id') as { problem: string }).problem, /^\(a K2 ID\) .*contains "\/"/);
		assert.match((readManager('jane\u200B@x.com', 'userName') as { problem: string }).problem, /^\(a Username\) contains an invisible character \(U\+200B/);
		assert.match((readManager('E\u00011', 'employeeNumber') as { problem: string }).problem, /control character/);
		assert.match((readManager('x', 'email') as { problem: string }).problem, /^Is must be K2 ID, Username or Employee Number, got "email"/);
		assert.match((readManager('x'.repeat(257), 'userName') as { problem: string }).problem, /maximum is 256/);
	});
});

describe('ManagerDirectory: one user, or a reason', () => {
	const directory = new ManagerDirectory([user('1', 'Boss@X.com', 'E-1'), user('2', 'a@x.com', 'E-DUP'), user('3', 'b@x.com', 'e-dup'), user('4', 'c@x.com')]);

	test('usernames and employee numbers compare trimmed, in NFC, without case', () => {
		assert.deepEqual(directory.resolve({ by: 'userName', value: 'boss@x.com' }), { id: '1' });
		assert.deepEqual(directory.resolve({ by: 'employeeNumber', value: 'e-1' }), { id: '1' });
		assert.deepEqual(resolveFromFound({ by: 'userName', value: 'jos\u00e9@x.com' }, [user('9', 'jose\u0301@x.com')]), { id: '9' });
	});

	test('none and several are reasons, never an id', () => {
		const none = directory.resolve({ by: 'userName', value: 'ghost@x.com' });
		assert.deepEqual(none, { missing: true, reason: 'no K2 user has the Username "ghost@x.com"' });
		const two = directory.resolve({ by: 'employeeNumber', value: 'E-DUP' });
		assert.ok('ambiguous' in two);
		assert.match(two.reason, /^2 K2 users have the Employee Number "E-DUP" \(ids 2, 3\): it names no one manager/);
		// A username is not an employee number: each reference looks in its own attribute.
		assert.ok('missing' in directory.resolve({ by: 'employeeNumber', value: 'c@x.com' }));
	});

	test('set replaces what is known of a user: a run that changes an employee number resolves by the new one', () => {
		const after = new ManagerDirectory([user('1', 'boss@x.com', 'E-1'), user('2', 'a@x.com', 'E-2')]);
		after.set({ id: '2', userName: 'a@x.com', employeeNumber: 'E-1' });
		assert.ok('ambiguous' in after.resolve({ by: 'employeeNumber', value: 'E-1' }));
		after.set({ id: '1', userName: 'boss@x.com', employeeNumber: 'E-9' });
		assert.deepEqual(after.resolve({ by: 'employeeNumber', value: 'E-1' }), { id: '2' });
		assert.ok('missing' in after.resolve({ by: 'employeeNumber', value: 'E-2' }));
		after.set({ id: 'new:5', userName: 'new@x.com' });
		assert.deepEqual(after.resolve({ by: 'userName', value: 'NEW@x.com' }), { id: 'new:5' });
	});
});

test('namesItself: a reference to the item\'s own username or employee number', () => {
	assert.equal(namesItself({ by: 'userName', value: 'ME@x.com' }, { userName: 'me@x.com' }), true);
	assert.equal(namesItself({ by: 'employeeNumber', value: '7' }, { userName: 'me@x.com', employeeNumber: ' 7 ' }), true);
	assert.equal(namesItself({ by: 'employeeNumber', value: '7' }, { userName: '7' }), false);
	assert.equal(namesItself({ by: 'userName', value: 'boss@x.com' }, { userName: 'me@x.com' }), false);
});
