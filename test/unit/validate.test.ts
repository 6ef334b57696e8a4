import assert from 'node:assert/strict';
import { test } from '@jest/globals';

import { idProblem, MAX_LENGTH, readBoolean, readGroupNames, readLimit, readText, textProblem } from '../../nodes/K2Scim/scim/validate';

test('IDs: dot segments, empty, non-text, separators and control characters are refused', () => {
	assert.equal(idProblem('2819c223-7f76-453a-919d-413861904646'), undefined);
	assert.equal(idProblem('opaque_id-1.2'), undefined);
	assert.match(idProblem('.')!, /is "\.", which is a path segment/);
	assert.match(idProblem('..')!, /is "\.\.", which is a path segment/);
	assert.match(idProblem('')!, /is empty/);
	assert.match(idProblem('   ')!, /is empty/);
	assert.match(idProblem({ id: 'x' })!, /must be text, got an object/);
	assert.match(idProblem(['a'])!, /must be text, got a list/);
	assert.match(idProblem(12345)!, /must be text, got number 12345/);
	assert.match(idProblem(null)!, /must be text, got null/);
	assert.match(idProblem('a/b')!, /contains "\/"/);
	assert.match(idProblem('../x')!, /contains "\/"/);
	assert.match(idProblem('a?b')!, /contains "\/", "\\", "\?" or "#"/);
	assert.match(idProblem('a b')!, /contains a space/);
	assert.match(idProblem('a\u0000b')!, /control character \(U\+0000 at position 2\)/);
	assert.match(idProblem('x'.repeat(257))!, /maximum is 256/);
});

test('text: control characters and the maximum length', () => {
	assert.equal(textProblem('Jane Doe', 10), undefined);
	assert.match(textProblem('a\u001bb', 10)!, /U\+001B at position 2/);
	assert.match(textProblem('a\u0085', 10)!, /U\+0085/);
	assert.match(textProblem('a\nb', 10)!, /U\+000A/);
	assert.equal(textProblem('a\nb\tc', 10, true), undefined, 'free text may hold line breaks and tabs');
	assert.match(textProblem('a\u0000', 10, true)!, /U\+0000/);
	assert.equal(textProblem('x'.repeat(MAX_LENGTH.name), MAX_LENGTH.name), undefined);
	assert.match(textProblem('x'.repeat(MAX_LENGTH.name + 1), MAX_LENGTH.name)!, /is 257 characters long; the maximum is 256/);
	assert.match((readText(5) as { problem: string }).problem, /must be text, got number 5/);
});

test('Limit is a whole number of at least 1', () => {
	assert.deepEqual(readLimit(1), { value: 1 });
	assert.deepEqual(readLimit(250), { value: 250 });
	assert.deepEqual(readLimit('25'), { value: 25 }, 'digits from an expression count as their number');
	for (const bad of [0, -1, 2.5, 'abc', '2.5', '', null, undefined, Number.NaN, Infinity, {}]) {
		assert.ok('problem' in readLimit(bad), `${String(bad)} should be refused`);
	}
	assert.match((readLimit(0) as { problem: string }).problem, /whole number of at least 1, got number 0/);
});

test('booleans: true/false, and the texts "true"/"false"; anything else refused', () => {
	assert.deepEqual(readBoolean(false), { value: false });
	assert.deepEqual(readBoolean('false'), { value: false });
	assert.deepEqual(readBoolean(' TRUE '), { value: true });
	for (const bad of ['yes', '0', 0, 1, null, {}, '']) assert.ok('problem' in readBoolean(bad), String(bad));
});

test('group names: a list or comma-separated text; objects and non-text entries are errors', () => {
	assert.deepEqual(readGroupNames('Sales, sales , Finance,'), { value: ['Sales', 'Finance'] });
	assert.deepEqual(readGroupNames(['A', ' B ']), { value: ['A', 'B'] });
	assert.deepEqual(readGroupNames(['__proto__']), { value: ['__proto__'] }, 'names are map keys, never object keys');
	assert.match((readGroupNames({ a: 1 }) as { problem: string }).problem, /got an object/);
	assert.match((readGroupNames(['A', 5]) as { problem: string }).problem, /entry 2 must be a group name \(text\), got number 5/);
	assert.match((readGroupNames(42) as { problem: string }).problem, /got number 42/);
	assert.match((readGroupNames(['x'.repeat(300)]) as { problem: string }).problem, /maximum is 256/);
});
