/**
 * SCIM attribute paths (RFC 7644 §3.10): `attr`, `attr.subAttr`, and the URN-qualified
 * `urn:...:Schema:attr[.subAttr]`. Used to compare and merge the free-form
 * "additional attributes" an n8n user passes, at the depth SCIM has (two levels).
 */
import { USER_SCHEMA } from './schemas';

export interface AttributePath {
	/** Extension schema URN; undefined for core attributes (which sit at the top of a resource). */
	schema?: string;
	attribute: string;
	subAttribute?: string;
}

/**
 * Keys that reach a prototype when written (`obj.__proto__ = x`) or read (`obj.constructor`).
 * They are never SCIM attribute names, so user input that contains them is refused, and the
 * writers below refuse them too, whatever the caller checked.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isForbiddenKey(key: string): boolean {
	return FORBIDDEN_KEYS.has(key.toLowerCase());
}

/**
 * The first forbidden key at any depth of a JSON value, as a dotted path (`name.__proto__`).
 * Keys are attribute paths too (`name.prototype`, `urn:...:__proto__:x`): each segment counts.
 */
export function findForbiddenKey(value: unknown, at = ''): string | undefined {
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) {
			const found = findForbiddenKey(value[i], `${at}[${i}]`);
			if (found !== undefined) return found;
		}
		return undefined;
	}
	if (value === null || typeof value !== 'object') return undefined;
	for (const key of Object.keys(value)) {
		const path = at === '' ? key : `${at}.${key}`;
		if (key.split(/[.:]/).some(isForbiddenKey)) return path;
		const found = findForbiddenKey((value as Record<string, unknown>)[key], path);
		if (found !== undefined) return found;
	}
	return undefined;
}

/** A path segment a writer or reader may use: a forbidden one is a bug or an attack. */
function safeKey(key: string): string {
	if (isForbiddenKey(key)) throw new Error(`"${key}" is not allowed as a SCIM attribute name`);
	return key;
}

// Object.hasOwn needs lib es2022; this is the same check.
const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
	const proto = Object.getPrototypeOf(value);
	return proto === Object.prototype || proto === null;
}

/**
 * Whether an object key names a schema (its value is that schema's attributes) rather than a
 * URN-qualified attribute. Schema URNs end in a resource name (`...:2.0:User`) while
 * attribute names start lower-case by convention (RFC 7643 §2.1).
 */
export function isSchemaUrn(key: string): boolean {
	if (!key.toLowerCase().startsWith('urn:')) return false;
	const last = key.slice(key.lastIndexOf(':') + 1);
	return /^[A-Z]/.test(last);
}

export function parsePath(path: string): AttributePath {
	const parsed = splitPath(path);
	// Every segment is checked, so no caller can build a path into a prototype.
	for (const part of [parsed.attribute, parsed.subAttribute, ...(parsed.schema?.split(':') ?? [])]) {
		if (part !== undefined) safeKey(part);
	}
	return parsed;
}

function splitPath(path: string): AttributePath {
	let schema: string | undefined;
	let rest = path;
	if (path.toLowerCase().startsWith('urn:')) {
		const cut = path.lastIndexOf(':');
		schema = path.slice(0, cut);
		rest = path.slice(cut + 1);
		// The core schema's attributes live at the top level of the resource.
		if (schema.toLowerCase() === USER_SCHEMA.toLowerCase()) schema = undefined;
	}
	const dot = rest.indexOf('.');
	if (dot === -1) return { schema, attribute: rest };
	return { schema, attribute: rest.slice(0, dot), subAttribute: rest.slice(dot + 1) };
}

export function formatPath({ schema, attribute, subAttribute }: AttributePath): string {
	const name = subAttribute === undefined ? attribute : `${attribute}.${subAttribute}`;
	return schema === undefined ? name : `${schema}:${name}`;
}

/**
 * Flattens `{ name: { middleName: 'x' }, 'urn:...:User': { costCenter: 'y' } }` into
 * `{ 'name.middleName': 'x', 'urn:...:User:costCenter': 'y' }`, so a user's partial object
 * touches only the sub-attributes it names. Arrays and nulls are leaf values.
 */
export function flattenAttributes(attributes: Record<string, unknown>): Map<string, unknown> {
	const flat = new Map<string, unknown>();
	for (const [key, value] of Object.entries(attributes)) {
		if (value === undefined) continue;
		if (isSchemaUrn(key) && isPlainObject(value)) {
			const schema = parsePath(`${key}:x`).schema;
			for (const [attribute, attrValue] of Object.entries(value)) {
				addAttribute(flat, schema, attribute, attrValue);
			}
		} else {
			const { schema, attribute, subAttribute } = parsePath(key);
			if (subAttribute !== undefined) flat.set(formatPath({ schema, attribute, subAttribute }), value);
			else addAttribute(flat, schema, attribute, value);
		}
	}
	return flat;
}

function addAttribute(flat: Map<string, unknown>, schema: string | undefined, attribute: string, value: unknown) {
	if (value === undefined) return;
	if (isPlainObject(value)) {
		for (const [subAttribute, subValue] of Object.entries(value)) {
			if (subValue !== undefined) flat.set(formatPath({ schema, attribute, subAttribute }), subValue);
		}
	} else {
		flat.set(formatPath({ schema, attribute }), value);
	}
}

// SCIM attribute names are case-insensitive (RFC 7643 §2.1), so a lookup tries the exact key first.
export function getKey(object: unknown, key: string): unknown {
	if (!isPlainObject(object) || isForbiddenKey(key)) return undefined;
	// Own keys only: `in` would find `constructor` on every object.
	if (hasOwn(object, key)) return object[key];
	const lower = key.toLowerCase();
	const found = Object.keys(object).find((k) => k.toLowerCase() === lower);
	return found === undefined ? undefined : object[found];
}

function findKey(object: Record<string, unknown>, key: string): string {
	const lower = key.toLowerCase();
	return Object.keys(object).find((k) => k.toLowerCase() === lower) ?? key;
}

export function getByPath(resource: unknown, path: string): unknown {
	const { schema, attribute, subAttribute } = parsePath(path);
	const container = schema === undefined ? resource : getKey(resource, schema);
	const value = getKey(container, attribute);
	return subAttribute === undefined ? value : getKey(value, subAttribute);
}

/** Sets a value in a resource, creating the extension / complex attribute objects on the way. */
export function setByPath(resource: Record<string, unknown>, path: string, value: unknown): void {
	const { schema, attribute, subAttribute } = parsePath(path);
	let container = resource;
	if (schema !== undefined) container = childObject(container, schema);
	if (subAttribute === undefined) {
		container[safeKey(findKey(container, attribute))] = value;
		return;
	}
	const child = childObject(container, attribute);
	child[safeKey(subAttribute)] = value;
}

function childObject(parent: Record<string, unknown>, key: string): Record<string, unknown> {
	const existingKey = safeKey(findKey(parent, key));
	// Own property only: `parent.__proto__` would be Object.prototype, a "plain object".
	const existing = hasOwn(parent, existingKey) ? parent[existingKey] : undefined;
	if (isPlainObject(existing)) return existing;
	const created: Record<string, unknown> = {};
	parent[existingKey] = created;
	return created;
}

export function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (Array.isArray(a) && Array.isArray(b)) {
		return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
	}
	if (isPlainObject(a) && isPlainObject(b)) {
		const keys = Object.keys(a).filter((k) => a[k] !== undefined);
		if (keys.length !== Object.keys(b).filter((k) => b[k] !== undefined).length) return false;
		return keys.every((k) => deepEqual(a[k], b[k]));
	}
	return false;
}
