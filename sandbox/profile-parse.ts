// Checks a K2Profile that comes from outside (setProfile, POST /_sandbox/profile, --profile-file,
// what Test Writes reported): unknown fields and wrong values are errors that name them, so a
// typo never quietly means "the default".
import { readFileSync } from 'node:fs';
import { PROFILES } from './profile';
import type { K2Profile } from './profile';
import { FILTER_OPERATORS } from './filter-fix';

/** The sandbox's answer to each unknown when a profile leaves it out: the full SCIM RFC. */
export const DEFAULT_PROFILE_VALUES: Required<Omit<K2Profile, 'storedAttributes' | 'filterOperators'>> = {
	totalResults: 'all',
	startIndex: 'honoured',
	wrongToken: '404',
	patchAnswer: '200',
	deleteMode: 'hard',
	readAfterWriteLagMs: 0,
	refreshTokenNeedsOfflineAccess: false,
	exactRedirectUris: false,
};

const CHOICES = {
	totalResults: ['all', 'page'],
	startIndex: ['honoured', 'ignored'],
	wrongToken: ['404', '401', '403'],
	patchAnswer: ['200', '204'],
	deleteMode: ['hard', 'soft'],
} as const;
const BOOLEANS = ['refreshTokenNeedsOfflineAccess', 'exactRedirectUris'] as const;
const LISTS = ['storedAttributes', 'filterOperators'] as const;
const KNOWN_FIELDS = [...LISTS, ...Object.keys(CHOICES), 'readAfterWriteLagMs', ...BOOLEANS];

export class ProfileError extends Error {}

/**
 * A checked copy of `input`. Absent, undefined and null fields mean the default and are left out;
 * filter operators are lower-cased; `wrongToken` and `patchAnswer` may also be numbers (401).
 * Throws a ProfileError naming every unknown field and every wrong value.
 */
export function parseProfile(input: unknown): K2Profile {
	if (!input || typeof input !== 'object' || Array.isArray(input)) throw new ProfileError('a K2 profile must be a JSON object');
	const problems: string[] = [];
	const unknown = Object.keys(input).filter((k) => !KNOWN_FIELDS.includes(k));
	if (unknown.length) problems.push(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${KNOWN_FIELDS.join(', ')})`);
	const out: Record<string, unknown> = {};
	const shown = (v: unknown) => JSON.stringify(v) ?? String(v);
	for (const [field, value] of Object.entries(input)) {
		if (value === undefined || value === null || !KNOWN_FIELDS.includes(field)) continue;
		if ((LISTS as readonly string[]).includes(field)) {
			if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.trim() !== '')) {
				problems.push(`${field} must be a list of names, got ${shown(value)}`);
				continue;
			}
			const list = value.map((v: string) => v.trim());
			if (field === 'filterOperators') {
				const wrong = list.filter((op) => !FILTER_OPERATORS.includes(op.toLowerCase()));
				if (wrong.length) {
					problems.push(`filterOperators: ${wrong.map((op) => `"${op}"`).join(', ')} ${wrong.length > 1 ? 'are not filter operators' : 'is not a filter operator'} (use ${FILTER_OPERATORS.join(' ')})`);
					continue;
				}
				out[field] = list.map((op) => op.toLowerCase());
			} else out[field] = list;
		} else if (field in CHOICES) {
			const choices: readonly string[] = CHOICES[field as keyof typeof CHOICES];
			const text = typeof value === 'number' ? String(value) : value;
			if (typeof text !== 'string' || !choices.includes(text)) problems.push(`${field} must be one of ${choices.join(', ')}, got ${shown(value)}`);
			else out[field] = text;
		} else if (field === 'readAfterWriteLagMs') {
			if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) problems.push(`readAfterWriteLagMs must be a number of milliseconds >= 0, got ${shown(value)}`);
			else out[field] = value;
		} else if (typeof value !== 'boolean') problems.push(`${field} must be true or false, got ${shown(value)}`);
		else out[field] = value;
	}
	if (problems.length) throw new ProfileError(problems.join('; '));
	return out as K2Profile;
}

/** A profile from PROFILES by name (`default`, `strict`). */
export function namedProfile(name: string): K2Profile {
	const profile = Object.prototype.hasOwnProperty.call(PROFILES, name) ? PROFILES[name] : undefined;
	if (!profile) throw new ProfileError(`unknown profile "${name}" (use ${Object.keys(PROFILES).join(', ')})`);
	return parseProfile(profile);
}

/**
 * A profile from a JSON file: a K2Profile, or an object holding one under `profile` (the shape
 * Connection > Check > Test Writes reports, with its other findings beside it).
 */
export function readProfileFile(file: string): K2Profile {
	let json: unknown;
	try {
		json = JSON.parse(readFileSync(file, 'utf8'));
	} catch (ex) {
		throw new ProfileError(`profile file ${file}: ${(ex as Error).message}`);
	}
	const wrapped = json && typeof json === 'object' && !Array.isArray(json) && 'profile' in json ? (json as { profile: unknown }).profile : json;
	try {
		return parseProfile(wrapped);
	} catch (ex) {
		throw new ProfileError(`profile file ${file}: ${(ex as Error).message}`);
	}
}

/** True when the profile asks for nothing beyond the RFC default. */
export function isDefaultProfile(p: K2Profile): boolean {
	if (p.storedAttributes !== undefined || p.filterOperators !== undefined) return false;
	return Object.entries(DEFAULT_PROFILE_VALUES).every(([k, v]) => {
		const value = p[k as keyof K2Profile];
		return value === undefined || value === v;
	});
}
