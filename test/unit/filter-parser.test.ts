import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import { parseScimFilter, rawFilterProblem } from '../../nodes/K2Scim/scim/filterParser';
import { userFilter } from '../../nodes/K2Scim/scim/filter';

const valid = [
	'userName eq "bjensen"',
	'name.familyName co "O\'Malley"',
	'userName sw "J"',
	'title pr',
	'meta.lastModified gt "2011-05-13T04:42:34Z"',
	'title pr and userType eq "Employee"',
	'title pr or userType eq "Intern"',
	'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
	'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
	'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
	'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
	'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Tour Operations"',
	'active eq true',
	'active EQ False',
	'x eq null',
	'x gt -1.5e3',
	'userName eq "a\\"b\\\\c\\u00e9"',
	'members[value eq "1"] and displayName pr',
	'NOT (title pr)',
];

test('the RFC 7644 examples and other valid filters parse', () => {
	for (const filter of valid) assert.equal(rawFilterProblem(filter), undefined, filter);
});

const invalid: Array<[string, RegExp]> = [
	[') or (userName pr', /expected an attribute name, found "\)" at position 1/],
	['userName pr) or (userName pr', /unexpected "\)" at position 12/],
	['(title pr', /the "\(" at position 1 is not closed/],
	['title', /expected an operator after "title" but the filter ends/],
	['title eq', /expected a value after "eq" but the filter ends/],
	['title eq bob', /expected a value .* found "bob"/],
	['title is "x"', /expected an operator .* found "is"/],
	['title eq "x" and', /but the filter ends/],
	['title eq "x" xor title pr', /unexpected "xor"/],
	['not title pr', /expected "\(" after "not"/],
	['emails[type eq "work"', /the "\[" at position 7 is not closed/],
	['emails[type[x pr] pr]', /cannot be nested/],
	['userName eq "unclosed', /a quoted value is not closed/],
	['userName eq "bad \\q escape"', /invalid escape/],
	['userName eq "tab\tinside"', /invalid escape or control character/],
	['"x" eq "y"', /expected an attribute name/],
	['and eq "x"', /expected an attribute name, found "and"/],
	['', /the filter is empty/],
	['1abc eq "x"', /expected an attribute name/],
	['x eq 01', /expected a value/],
];

test('a filter that does not parse is refused, saying what and where', () => {
	for (const [filter, message] of invalid) {
		const problem = rawFilterProblem(filter);
		assert.ok(problem, `${JSON.stringify(filter)} should be refused`);
		assert.match(problem, /^is not a valid SCIM filter: /);
		assert.match(problem, message, filter);
	}
	assert.throws(() => parseScimFilter(') or ('), /position 1/);
});

test('non-text and over-long filters are refused', () => {
	assert.match(rawFilterProblem(42)!, /must be text, got number/);
	assert.match(rawFilterProblem(null)!, /must be text, got null/);
	assert.match(rawFilterProblem(`title eq "${'x'.repeat(5000)}"`)!, /maximum is 4096/);
});

test('userFilter refuses a raw filter that would widen the others', () => {
	assert.throws(() => userFilter({ active: true, raw: ') or (userName pr' }), /SCIM filter is not a valid SCIM filter/);
	assert.equal(userFilter({ active: true, raw: 'title pr' }), '(active eq true) and (title pr)');
});

test('filterOperatorsOf names each operator a filter uses once, never a value that spells one', async () => {
	const { filterOperatorsOf } = await import('../../nodes/K2Scim/scim/filterParser');
	assert.deepEqual(filterOperatorsOf('id eq "a" or id eq "b" or id eq "c"'), ['eq', 'or']);
	assert.deepEqual(filterOperatorsOf('userName co "or" or displayName co "and"'), ['co', 'or']);
	assert.deepEqual(filterOperatorsOf('title pr and not (userType NE "x")'), ['pr', 'and', 'not', 'ne']);
	assert.deepEqual(filterOperatorsOf('emails[type eq "work" and value sw "a"]'), ['eq', 'and', 'sw']);
	assert.deepEqual(filterOperatorsOf('userName eq'), [], 'a filter that does not parse names none');
	assert.deepEqual(filterOperatorsOf('userName eq "unclosed'), []);
});
