import assert from 'node:assert/strict';
import { describe, test } from '@jest/globals';

import {
	attributeLabel,
	keptAttributes,
	pagingOf,
	profileWarnings,
	storedAttributesOf,
	wrongTokenAnswer,
} from '../../nodes/K2Scim/actions/connection/tenantProfile';
import { ENTERPRISE_USER_SCHEMA } from '../../nodes/K2Scim/scim/schemas';
import { toScimUser } from '../../nodes/K2Scim/scim/user';
import type { UserFields } from '../../nodes/K2Scim/scim/user';
import { STRICT_PROFILE } from '../../sandbox/profile';

const ENT = ENTERPRISE_USER_SCHEMA;

const written: UserFields = {
	userName: 'k2-scim-check-abc',
	givenName: 'K2 SCIM',
	familyName: 'Check',
	displayName: 'k2-scim-check-abc',
	email: 'k2-scim-check-abc@example.invalid',
	active: true,
	externalId: 'k2-scim-check-abc',
	title: 'Connection check',
	phoneNumber: '+1 555 0100',
	employeeNumber: '7',
	department: 'QA',
	managerId: 'm-1',
};

/** The written user as a K2 that keeps only `keep` (top-level names or the extension URN) answers it. */
function keptOnly(keep: string[]): ReturnType<typeof toScimUser> {
	const full = { ...toScimUser(written), id: 'u-1' } as Record<string, unknown>;
	return Object.fromEntries(Object.entries(full).filter(([key]) => ['schemas', 'id', ...keep].includes(key))) as ReturnType<typeof toScimUser>;
}

describe('keptAttributes', () => {
	test('everything the node writes, kept', () => {
		const { kept, notKept } = keptAttributes(written, keptOnly(['userName', 'name', 'displayName', 'emails', 'active', 'externalId', 'title', 'phoneNumbers', ENT]));
		assert.equal(kept.length, 11);
		assert.deepEqual(notKept, []);
	});

	test("the strict profile's K2: title, phoneNumbers and the enterprise extension dropped", () => {
		const { kept, notKept } = keptAttributes(written, keptOnly(['userName', 'name', 'displayName', 'emails', 'active', 'externalId']));
		assert.deepEqual(kept, ['name.givenName', 'name.familyName', 'displayName', 'emails', 'active', 'externalId']);
		assert.deepEqual(notKept, ['title', 'phoneNumbers', `${ENT}:employeeNumber`, `${ENT}:department`, `${ENT}:manager`]);
	});

	test('a value K2 changed is not kept; an e-mail in another case is', () => {
		const read = { ...keptOnly(['userName', 'name', 'displayName', 'emails', 'active', 'externalId', 'title', 'phoneNumbers', ENT]), title: 'Something else' };
		read.emails = [{ value: written.email!.toUpperCase(), type: 'work', primary: true }];
		const { notKept } = keptAttributes(written, read);
		assert.deepEqual(notKept, ['title']);
	});
});

describe('storedAttributesOf', () => {
	test('all kept: left out of the profile (absent means all)', () => {
		assert.equal(storedAttributesOf(['displayName'], [], true), undefined);
		assert.equal(storedAttributesOf(['displayName'], [], undefined), undefined);
	});

	test("reproduces the strict profile's list from what its K2 kept", () => {
		const { kept, notKept } = keptAttributes(written, keptOnly(['userName', 'name', 'displayName', 'emails', 'active', 'externalId']));
		assert.deepEqual(storedAttributesOf(kept, notKept, true, false), STRICT_PROFILE.storedAttributes);
	});

	test("a group External ID K2 dropped qualifies the users' one; a group's name always stays", () => {
		assert.deepEqual(storedAttributesOf(['displayName', 'externalId'], [], true, false), ['userName', 'displayName', 'User:externalId', 'members']);
		assert.equal(storedAttributesOf(['displayName', 'externalId'], [], true, true), undefined, 'all kept');
		assert.deepEqual(storedAttributesOf(['emails'], ['displayName', 'externalId'], true, true), ['userName', 'emails', 'Group:displayName', 'Group:externalId', 'members']);
	});

	test('the enterprise extension named by its URN when all of it was kept, by sub-attribute otherwise; members only when kept', () => {
		assert.deepEqual(storedAttributesOf(['displayName', `${ENT}:employeeNumber`, `${ENT}:department`], ['title'], false), ['userName', 'displayName', ENT]);
		assert.deepEqual(storedAttributesOf([`${ENT}:department`], [`${ENT}:manager`], true), ['userName', `${ENT}:department`, 'Group:displayName', 'members']);
		assert.deepEqual(storedAttributesOf(['displayName'], [], false), ['userName', 'displayName']);
	});
});

describe('pagingOf', () => {
	test('filtered to the two throwaway users', () => {
		assert.deepEqual(pagingOf({ ids: ['a'], totalResults: 2 }, { ids: ['b'], totalResults: 2 }, 2), { startIndex: 'honoured', totalResults: 'all' });
		assert.deepEqual(pagingOf({ ids: ['a'], totalResults: 1 }, { ids: ['a'], totalResults: 1 }, 2), { startIndex: 'ignored', totalResults: 'page' });
	});

	test('unfiltered (at least two users exist): a total larger than the page counts every match', () => {
		assert.deepEqual(pagingOf({ ids: ['a'], totalResults: 37 }, { ids: ['b'] }, undefined), { startIndex: 'honoured', totalResults: 'all' });
		assert.deepEqual(pagingOf({ ids: ['a'], totalResults: 1 }, { ids: ['b'] }, undefined), { startIndex: 'honoured', totalResults: 'page' });
	});

	test('what cannot be told is left out', () => {
		assert.deepEqual(pagingOf({ ids: ['a'] }, { ids: [] }, 2), {});
		assert.deepEqual(pagingOf({ ids: ['a'], totalResults: 5 }, { ids: ['b'] }, 2), { startIndex: 'honoured' });
	});
});

test('wrongTokenAnswer: the three answers the vocabulary names', () => {
	assert.equal(wrongTokenAnswer(404), '404');
	assert.equal(wrongTokenAnswer(401), '401');
	assert.equal(wrongTokenAnswer(403), '403');
	assert.equal(wrongTokenAnswer(400), undefined);
});

describe('profileWarnings', () => {
	test('the default profile: nothing to warn about', () => {
		assert.deepEqual(
			profileWarnings({ filterOperators: ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'and', 'or', 'not'], totalResults: 'all', startIndex: 'honoured', wrongToken: '404', patchAnswer: '200', deleteMode: 'hard', readAfterWriteLagMs: 0 }, []),
			[],
		);
	});

	test('names the attributes K2 did not keep, and every other inconvenient answer', () => {
		const warnings = profileWarnings(
			{ filterOperators: ['eq', 'and'], totalResults: 'page', startIndex: 'ignored', wrongToken: '401', patchAnswer: '204', deleteMode: 'soft', readAfterWriteLagMs: 500 },
			['title', `${ENT}:department`],
		);
		assert.equal(warnings[0], 'K2 did not keep: title, department (enterprise) — Sync leaves them out of its comparison.');
		assert.match(warnings[1], /refused the filter operators ne, co, sw, ew, gt, ge, lt, le, pr, or, not \(it accepts eq, and\)/);
		assert.match(warnings[2], /totalResults counts only the resources on the page/);
		assert.match(warnings[3], /ignores startIndex/);
		assert.match(warnings[4], /wrong SCIM token with 401.*check the credential's SCIM Token/);
		assert.match(warnings[5], /deleted user's userName taken/);
		assert.match(warnings[6], /only 500 ms after/);
		assert.equal(warnings.length, 7, 'a 204 PATCH is no problem');
	});

	test('attributeLabel shortens only the enterprise URN', () => {
		assert.equal(attributeLabel('name.givenName'), 'name.givenName');
		assert.equal(attributeLabel(`${ENT}:manager`), 'manager (enterprise)');
	});
});
