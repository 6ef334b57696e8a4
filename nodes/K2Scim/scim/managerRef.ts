/**
 * Manager by reference: HR exports name a manager by username or employee number, K2 wants the
 * manager's K2 id (enterprise extension `manager.value`). Pure: reading a reference, and resolving
 * it against the users a run knows. A reference resolves to exactly one user or to a reason; an
 * ambiguity (two users with one employee number) is a reason, never a guess.
 */
import { identifierKey, invisibleCharacterProblem, normalizeIdentifier } from './identity';
import { getByPath } from './path';
import { ENTERPRISE_USER_SCHEMA } from './schemas';
import type { ScimUser } from './schemas';
import { describeValue, idProblem, MAX_LENGTH, textProblem } from './validate';

/** What the Manager field names: a K2 ID (used as given), a username or an employee number (looked up). */
export type ManagerIs = 'id' | 'userName' | 'employeeNumber';

/** A manager to look up; a K2 ID needs no lookup and becomes `managerId` directly. */
export interface ManagerReference {
	by: 'userName' | 'employeeNumber';
	/** In normal form (trimmed, NFC). */
	value: string;
}

export const MANAGER_PATH = `${ENTERPRISE_USER_SCHEMA}:manager`;
export const EMPLOYEE_NUMBER_PATH = `${ENTERPRISE_USER_SCHEMA}:employeeNumber`;

const LABEL: Record<ManagerIs, string> = { id: 'K2 ID', userName: 'Username', employeeNumber: 'Employee Number' };

/** `Username "jane@x.com"`: how messages name a reference. */
export function describeReference(reference: { by: ManagerIs; value: string }): string {
	return `${LABEL[reference.by]} "${reference.value}"`;
}

/**
 * The Manager field as read: a K2 ID, a reference, nothing (blank), or why it is refused (a
 * phrase that follows "Manager"). Employee numbers must be text, like the Employee Number field.
 */
export function readManager(
	value: unknown,
	managerIs: unknown,
): { managerId: string } | { reference: ManagerReference } | { problem: string } | undefined {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
	if (managerIs !== 'id' && managerIs !== 'userName' && managerIs !== 'employeeNumber') {
		return { problem: `Is must be K2 ID, Username or Employee Number, got ${describeValue(managerIs)}` };
	}
	if (typeof value !== 'string') {
		return { problem: `must be text, got ${describeValue(value)}${typeof value === 'number' ? ': use e.g. {{ String($json.managerNumber) }}' : ''}` };
	}
	if (managerIs === 'id') {
		const problem = idProblem(value.trim());
		return problem ? { problem: `(a K2 ID) ${problem}` } : { managerId: value.trim() };
	}
	const problem = textProblem(value, managerIs === 'userName' ? MAX_LENGTH.name : MAX_LENGTH.text) ?? invisibleCharacterProblem(value);
	if (problem) return { problem: `(a ${LABEL[managerIs]}) ${problem}` };
	return { reference: { by: managerIs, value: normalizeIdentifier(value) } };
}

/** The key a reference and a user's attribute compare by (userName and employeeNumber: without case, RFC 7643). */
function keyOf(by: ManagerReference['by'], value: unknown): string | undefined {
	return identifierKey(by, value);
}

export function employeeNumberOf(user: ScimUser): unknown {
	return getByPath(user, EMPLOYEE_NUMBER_PATH);
}

/** Whether a reference names the user it is given for (by its own username or employee number). */
export function namesItself(reference: ManagerReference, own: { userName?: unknown; employeeNumber?: unknown }): boolean {
	const mine = keyOf(reference.by, own[reference.by]);
	return mine !== undefined && mine === keyOf(reference.by, reference.value);
}

export type Resolution = { id: string } | { missing: true; reason: string } | { ambiguous: true; reason: string };

/** What a run knows of a user, for resolving references: its id and the two attributes references name. */
export interface DirectoryEntry {
	id: string;
	userName?: unknown;
	employeeNumber?: unknown;
}

/**
 * The users a run knows, indexed by username and employee number. `set` replaces what is known of
 * one id (a user this run created, or one whose username or employee number it changed), so a
 * lookup after the writes sees K2 as the run left it.
 */
export class ManagerDirectory {
	private readonly entries = new Map<string, DirectoryEntry>();
	private readonly index = { userName: new Map<string, Set<string>>(), employeeNumber: new Map<string, Set<string>>() };

	constructor(users: Iterable<ScimUser> = []) {
		for (const user of users) {
			if (typeof user.id === 'string') this.set({ id: user.id, userName: user.userName, employeeNumber: employeeNumberOf(user) });
		}
	}

	has(id: string): boolean {
		return this.entries.has(id);
	}

	set(entry: DirectoryEntry): void {
		const before = this.entries.get(entry.id);
		for (const by of ['userName', 'employeeNumber'] as const) {
			const old = before && keyOf(by, before[by]);
			if (old !== undefined) this.index[by].get(old)?.delete(entry.id);
			const key = keyOf(by, entry[by]);
			if (key === undefined) continue;
			if (!this.index[by].has(key)) this.index[by].set(key, new Set());
			this.index[by].get(key)!.add(entry.id);
		}
		this.entries.set(entry.id, { ...entry });
	}

	resolve(reference: ManagerReference): Resolution {
		const ids = [...(this.index[reference.by].get(keyOf(reference.by, reference.value) ?? '') ?? [])];
		const named = describeReference(reference);
		if (ids.length === 1) return { id: ids[0] };
		if (ids.length === 0) return { missing: true, reason: `no K2 user has the ${named}` };
		return { ambiguous: true, reason: `${ids.length} K2 users have the ${named} (ids ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''}): it names no one manager` };
	}
}

/**
 * Resolves a reference from the users a lookup found (Create or Update): only those whose attribute
 * really is the value count, so a server that matched loosely cannot hand out another person's id.
 */
export function resolveFromFound(reference: ManagerReference, found: readonly ScimUser[]): Resolution {
	return new ManagerDirectory(found).resolve(reference);
}
