import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { coveredBy, droppedIn, heldByAny, keptKey, pathsOfOperations, pathsOfResource } from '../../nodes/K2Scim/scim/kept';
import { ENTERPRISE_USER_SCHEMA, type ScimUser } from '../../nodes/K2Scim/scim/schemas';
import { toScimUser, userPatchOperations, withOperations } from '../../nodes/K2Scim/scim/user';

const ENT = ENTERPRISE_USER_SCHEMA;

test('a created resource names every attribute it sets, never userName, schemas or id', () => {
	const sent = toScimUser({ userName: 'ann', givenName: 'Ann', title: 'Chef', department: 'Kitchen', managerId: 'm1', email: 'ann@example.com' });
	assert.deepEqual(pathsOfResource(sent).sort(), ['emails', 'name.givenName', 'title', `${ENT}:department`, `${ENT}:manager.value`].sort());
});

test('a PATCH names what it sets; removals prove nothing', () => {
	const paths = pathsOfOperations([
		{ op: 'replace', path: 'title', value: 'Chef' },
		{ op: 'remove', path: 'displayName' },
		{ op: 'replace', path: 'userName', value: 'ann2' },
		{ op: 'replace', path: `${ENT}:manager`, value: { value: 'm1' } },
	]);
	assert.deepEqual(paths, ['title', `${ENT}:manager`]);
});

test("what K2's answer lacks is dropped; what it holds (any value) is kept", () => {
	const answer: ScimUser = { schemas: [], userName: 'ann', name: { givenName: 'ANN' }, emails: [], [ENT]: {} };
	assert.deepEqual(droppedIn(answer, ['name.givenName', 'title', 'emails', `${ENT}:department`]), ['title', 'emails', `${ENT}:department`]);
});

test('a dropped attribute covers its parts and the attribute it is the only part of, case-insensitively', () => {
	const notKept = new Set([keptKey('name'), keptKey(`${ENT}:manager.value`)]);
	assert.equal(coveredBy(notKept, 'name.givenName'), true);
	assert.equal(coveredBy(notKept, `${ENT}:Manager`), true);
	assert.equal(coveredBy(notKept, 'nickName'), false);
	assert.equal(coveredBy(notKept, 'title'), false);
});

test('a listed user holding a remembered attribute shows K2 keeps it', () => {
	const listed: ScimUser[] = [{ schemas: [], userName: 'a' }, { schemas: [], userName: 'b', title: 'Chef' }];
	assert.deepEqual(heldByAny(listed, ['title', 'nickName']), ['title']);
});

test('a path left out is not compared, so an attribute K2 drops costs no write', () => {
	const existing: ScimUser = { schemas: [], id: '1', userName: 'ann', name: { givenName: 'Ann' } };
	const wanted = { userName: 'ann', givenName: 'Ann', title: 'Chef' };
	assert.deepEqual(userPatchOperations(existing, wanted), [{ op: 'replace', path: 'title', value: 'Chef' }]);
	assert.deepEqual(userPatchOperations(existing, wanted, (path) => coveredBy([keptKey('title')], path)), []);
});

test('withOperations gives the user as a PATCH of replace and remove leaves it (a K2 answering 204)', () => {
	const before: ScimUser = { schemas: [], id: '1', userName: 'ann', title: 'Cook', displayName: 'Ann', name: { givenName: 'Ann' } };
	const after = withOperations(before, [
		{ op: 'replace', path: 'title', value: 'Chef' },
		{ op: 'remove', path: 'displayName' },
		{ op: 'replace', path: 'name.familyName', value: 'Lee' },
		{ op: 'replace', path: `${ENT}:department`, value: 'Kitchen' },
	]);
	assert.deepEqual(after, { schemas: [], id: '1', userName: 'ann', title: 'Chef', name: { givenName: 'Ann', familyName: 'Lee' }, [ENT]: { department: 'Kitchen' } });
	assert.equal(before.title, 'Cook', 'the listed user is not changed');
});
