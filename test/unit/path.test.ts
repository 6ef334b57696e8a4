import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import { findForbiddenKey, flattenAttributes, getByPath, getKey, parsePath, setByPath } from '../../nodes/K2Scim/scim/path';
import { toScimUser, validateUserFields } from '../../nodes/K2Scim/scim/user';

function assertClean() {
	const probe: Record<string, unknown> = {};
	assert.equal(probe.polluted, undefined);
	assert.equal(Object.getOwnPropertyNames(Object.prototype).includes('polluted'), false);
}

test('findForbiddenKey finds __proto__, constructor and prototype at any depth', () => {
	assert.equal(findForbiddenKey(JSON.parse('{"a": {"b": [{"__proto__": {}}]}}')), 'a.b[0].__proto__');
	assert.equal(findForbiddenKey({ name: { constructor: 1 } }), 'name.constructor');
	assert.equal(findForbiddenKey({ Prototype: 1 }), 'Prototype');
	assert.equal(findForbiddenKey({ nickName: 'x', name: { givenName: 'y' } }), undefined);
});

test('paths with a forbidden segment are refused; nothing reaches a prototype', () => {
	for (const path of ['__proto__', '__proto__.polluted', 'name.__proto__', 'constructor.prototype', 'urn:x:__proto__:User:a']) {
		assert.throws(() => parsePath(path), /not allowed as a SCIM attribute name/, path);
		assert.throws(() => setByPath({}, path, 'yes'), /not allowed/, path);
	}
	assert.throws(() => flattenAttributes(JSON.parse('{"__proto__": {"polluted": "yes"}}')), /not allowed/);
	assertClean();
});

test('reads look at own keys only', () => {
	assert.equal(getKey({}, 'constructor'), undefined);
	assert.equal(getKey({}, 'toString'), undefined);
	assert.equal(getByPath({}, 'hasOwnProperty'), undefined);
	assert.equal(getKey({ NickName: 'x' }, 'nickname'), 'x');
});

test('validateUserFields refuses forbidden keys before any path is built', () => {
	for (const json of ['{"__proto__": {"polluted": "yes"}}', '{"name": {"__proto__": {"polluted": "yes"}}}', '{"constructor": {"prototype": {"polluted": "yes"}}}', '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"__proto__": {"polluted": "yes"}}}', '{"emails": [{"__proto__": {"polluted": "yes"}}]}']) {
		const problems = validateUserFields({ userName: 'a', additionalAttributes: JSON.parse(json) }, { requireUserName: true });
		assert.equal(problems.length, 1, json);
		assert.match(problems[0].message, /Additional Attributes \(JSON\) must not contain the key "(__proto__|constructor)"/);
	}
	assertClean();
});

test('userName in Additional Attributes is refused in any case and URN-qualified', () => {
	for (const extra of [{ userName: 'x' }, { USERNAME: 'x' }, { 'urn:ietf:params:scim:schemas:core:2.0:User:userName': 'x' }, { 'urn:ietf:params:scim:schemas:core:2.0:User': { username: 'x' } }]) {
		const problems = validateUserFields({ userName: 'a', additionalAttributes: extra }, { requireUserName: true });
		assert.equal(problems.length, 1, JSON.stringify(extra));
		assert.match(problems[0].message, /must not contain "username": use the Username field instead/i);
	}
});

test('a valid user is still built, extension objects created as own properties', () => {
	const user = toScimUser({ userName: 'a', additionalAttributes: { 'urn:x:params:Ext:costCenter': '1', name: { middleName: 'M' } } });
	assert.equal((user['urn:x:params:Ext' as never] as Record<string, unknown>).costCenter, '1');
	assert.equal(user.name?.middleName, 'M');
	assertClean();
});
