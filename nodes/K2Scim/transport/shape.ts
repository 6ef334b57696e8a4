/**
 * What a successful SCIM answer must look like, derived from the request alone (method and
 * path), so that no caller acts on an HTML page or a foreign JSON document as if it were SCIM.
 */
import type { IHttpRequestMethods } from 'n8n-workflow';

import { isPlainObject } from '../scim/path';

export type Expectation = 'list' | 'resource' | 'resourceOrEmpty' | 'nothing' | 'object';

const DESCRIPTIONS: Record<Expectation, string> = {
	list: 'a SCIM ListResponse (an object with totalResults and a Resources list of resources, each with a text "id")',
	resource: 'a SCIM resource (an object with a text "id")',
	resourceOrEmpty: 'a SCIM resource (an object with a text "id") or an empty answer',
	nothing: 'nothing',
	object: 'a JSON object',
};

export function describeExpectation(expectation: Expectation): string {
	return DESCRIPTIONS[expectation];
}

/** `/Users` and `/Groups` are collections; `/Users/{id}` and `/Groups/{id}` are one resource. */
export function expectationOf(method: IHttpRequestMethods, path: string): Expectation {
	const clean = path.split('?')[0].replace(/\/+$/, '');
	const collection = /^\/(Users|Groups)$/i.test(clean);
	const resource = /^\/(Users|Groups)\/[^/]+$/i.test(clean);
	if (method === 'DELETE') return 'nothing';
	if (method === 'PATCH' && resource) return 'resourceOrEmpty';
	if (method === 'GET' && collection) return 'list';
	if ((method === 'GET' || method === 'PUT') && resource) return 'resource';
	if (method === 'POST' && collection) return 'resource';
	return 'object';
}

function isEmptyBody(body: unknown): boolean {
	return body === undefined || body === null || (typeof body === 'string' && body.trim() === '');
}

/** What a PATCH may answer instead of the resource: nothing, or an empty JSON object. */
export function isNoResource(body: unknown): boolean {
	return isEmptyBody(body) || (isPlainObject(body) && Object.keys(body).length === 0);
}

/** A few words on what came instead, for the error: never the body itself. */
export function describeBody(body: unknown): string {
	if (isEmptyBody(body)) return 'an empty answer';
	if (typeof body === 'string') {
		const start = body.trimStart().slice(0, 15).toLowerCase();
		if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'an HTML page';
		if (start.startsWith('<')) return 'an HTML or XML document';
		return 'text that is not JSON';
	}
	if (Array.isArray(body)) return 'a JSON array';
	if (isPlainObject(body)) {
		const keys = Object.keys(body).slice(0, 5);
		return keys.length === 0 ? 'an empty JSON object' : `a JSON object with ${keys.map((key) => JSON.stringify(key.slice(0, 40))).join(', ')}`;
	}
	return `a JSON ${typeof body}`;
}

/** Why the body does not match the expectation, or undefined when it does. */
export function shapeProblem(expectation: Expectation, body: unknown): string | undefined {
	switch (expectation) {
		case 'nothing':
			return undefined;
		case 'resourceOrEmpty':
			if (isNoResource(body)) return undefined;
			return shapeProblem('resource', body);
		case 'object':
			return isPlainObject(body) ? undefined : describeBody(body);
		case 'resource':
			if (!isPlainObject(body)) return describeBody(body);
			if (typeof body.id !== 'string' || body.id.trim() === '') return `${describeBody(body)} but no text "id"`;
			return undefined;
		case 'list': {
			if (!isPlainObject(body)) return describeBody(body);
			const total = body.totalResults;
			if (total !== undefined && !(typeof total === 'number' && Number.isInteger(total) && total >= 0)) {
				return `a totalResults that is not a whole number ≥ 0 (${JSON.stringify(total)?.slice(0, 20)})`;
			}
			const resources = body.Resources ?? body.resources;
			if (resources === undefined) {
				return total === 0 ? undefined : `${describeBody(body)} but no Resources list`;
			}
			if (!Array.isArray(resources)) return `a Resources value that is ${describeBody(resources)}, not a list`;
			const bad = resources.findIndex((entry) => !isPlainObject(entry));
			if (bad >= 0) return `a Resources list whose entry ${bad + 1} is ${describeBody(resources[bad])}, not an object`;
			// Every SCIM resource has an id (RFC 7643 §3.1); one without would become /Users/undefined.
			const noId = resources.findIndex((entry) => typeof entry.id !== 'string' || entry.id.trim() === '');
			if (noId >= 0) return `a Resources list whose entry ${noId + 1} has no text "id"`;
			if (total === undefined && resources.length > 0) return `${describeBody(body)} but no totalResults`;
			return undefined;
		}
	}
}
