import { test } from '@jest/globals';
import assert from 'node:assert/strict';

import { and, eq, escapeFilterValue, or, userFilter } from '../../nodes/K2Scim/scim/filter';

test('escapeFilterValue escapes backslashes and double quotes', () => {
	assert.equal(escapeFilterValue('a\\b'), 'a\\\\b');
	assert.equal(escapeFilterValue('say "hi"'), 'say \\"hi\\"');
	assert.equal(escapeFilterValue('plain@example.com'), 'plain@example.com');
});

test('escapeFilterValue escapes control characters instead of breaking the request', () => {
	assert.equal(escapeFilterValue('a\nb\tc'), 'a\\nb\\tc');
});

test('eq quotes strings and leaves booleans and numbers bare', () => {
	assert.equal(eq('userName', 'bob@example.com'), 'userName eq "bob@example.com"');
	assert.equal(eq('active', true), 'active eq true');
	assert.equal(eq('active', false), 'active eq false');
	assert.equal(eq('x', 42), 'x eq 42');
});

test('an injected " or ... stays one literal', () => {
	const filter = eq('userName', 'a" or userName eq "b');
	assert.equal(filter, 'userName eq "a\\" or userName eq \\"b"');
	// Exactly two unescaped quotes: the literal opens and closes once.
	assert.equal(filter.match(/(?<!\\)"/g)?.length, 2);
});

test('a trailing backslash cannot escape the closing quote', () => {
	const filter = eq('userName', 'evil\\');
	assert.equal(filter, 'userName eq "evil\\\\"');
	assert.equal(JSON.parse(filter.slice('userName eq '.length)), 'evil\\');
});

test('eq accepts URN-qualified and sub-attribute paths and rejects names that would change the filter', () => {
	assert.equal(
		eq('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', '7'),
		'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"',
	);
	assert.equal(eq('emails.value', 'a@b.c'), 'emails.value eq "a@b.c"');
	assert.throws(() => eq('userName or true', 'x'), /not a valid SCIM attribute name/);
	assert.throws(() => eq('x', Number.NaN), /finite/);
});

test('and / or skip empty parts and parenthesise operands when combining', () => {
	assert.equal(and(), '');
	assert.equal(and('', undefined, 'a eq "1"'), 'a eq "1"');
	assert.equal(and('a eq "1"', 'b eq "2"'), '(a eq "1") and (b eq "2")');
	assert.equal(or('a eq "1"', '  ', 'b eq "2"'), '(a eq "1") or (b eq "2")');
	assert.equal(and(or('a eq "1"', 'b eq "2"'), 'c eq "3"'), '((a eq "1") or (b eq "2")) and (c eq "3")');
});

test('userFilter maps criteria onto SCIM attributes', () => {
	assert.equal(userFilter({}), undefined);
	assert.equal(userFilter({ userName: 'bob' }), 'userName eq "bob"');
	assert.equal(userFilter({ email: 'bob@example.com' }), 'emails.value eq "bob@example.com"');
	assert.equal(
		userFilter({ userName: 'bob', externalId: 'E1', active: false }),
		'(userName eq "bob") and (externalId eq "E1") and (active eq false)',
	);
});

test('userFilter ANDs a raw filter inside parentheses so its "or" cannot escape', () => {
	assert.equal(
		userFilter({ active: true, raw: 'title eq "A" or title eq "B"' }),
		'(active eq true) and (title eq "A" or title eq "B")',
	);
	assert.equal(userFilter({ raw: 'title pr' }), 'title pr');
	assert.equal(userFilter({ raw: '   ' }), undefined);
});
