// Generated users for the sync benchmark: deterministic, so every run (and the baseline) sees
// the same desired set. "Changed" users differ from the first sync in one attribute (department).
import type { ScimUser } from '../nodes/K2Scim/scim/schemas';
import { toScimUser, type UserFields } from '../nodes/K2Scim/scim/user';

export interface BenchUser {
	userName: string;
	givenName: string;
	familyName: string;
	email: string;
	externalId: string;
	department: string;
}

/** Every 20th user (5%) is the one the "5% changed" scenario changes. */
export const CHANGE_EVERY = 20;

export function isChanged(index: number): boolean {
	return index % CHANGE_EVERY === 0;
}

export function benchUser(index: number, changed = false): BenchUser {
	const userName = `bench.user${index}@corp.example`;
	return {
		userName,
		givenName: `Given${index}`,
		familyName: `Family${index}`,
		email: userName,
		externalId: `E${String(index).padStart(7, '0')}`,
		department: changed && isChanged(index) ? `Dept${index % 10}-moved` : `Dept${index % 10}`,
	};
}

/** Users [from, to): the desired set an HR export would hold. `changed` applies the 5% change. */
export function benchUsers(from: number, to: number, changed = false): BenchUser[] {
	const users: BenchUser[] = [];
	for (let i = from; i < to; i++) users.push(benchUser(i, changed));
	return users;
}

export function countChanged(from: number, to: number): number {
	let n = 0;
	for (let i = from; i < to; i++) if (isChanged(i)) n++;
	return n;
}

/** A K2 user as a list page returns it: the created resource plus id, active and meta. */
export function existingScimUser(user: BenchUser, index: number): ScimUser {
	const resource = toScimUser(user as UserFields);
	resource.id = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
	resource.active = true;
	resource.meta = {
		resourceType: 'User',
		created: '2025-01-01T00:00:00.000Z',
		lastModified: '2025-01-01T00:00:00.000Z',
		location: `https://scim.example/Users/${resource.id}`,
		version: 'W/"1"',
	} as ScimUser['meta'];
	return resource;
}
