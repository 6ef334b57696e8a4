/**
 * The flat user model n8n users fill in, and its mapping onto SCIM User resources
 * (RFC 7643 §4.1 core User, §4.3 enterprise extension).
 *
 * Convention throughout: `undefined` = not given (leave the attribute alone),
 * `null` = clear the attribute.
 */
import {
	ENTERPRISE_USER_SCHEMA,
	PATCH_OP_SCHEMA,
	USER_SCHEMA,
	type PatchOperation,
	type PatchRequest,
	type ScimEnterpriseUser,
	type ScimMultiValued,
	type ScimUser,
	type SimpleView,
} from './schemas';
import { deepEqual, findForbiddenKey, flattenAttributes, getByPath, getKey, isPlainObject, isSchemaUrn, parsePath, setByPath } from './path';
import { identifierKey, invisibleCharacterProblem, normalizeIdentifier, sameIdentifier } from './identity';
import { describeValue, idProblem, MAX_LENGTH, textProblem } from './validate';
import type { ManagerReference } from './managerRef';

export interface UserFields {
	userName?: string;
	givenName?: string | null;
	familyName?: string | null;
	displayName?: string | null;
	/** Primary work e-mail. */
	email?: string | null;
	active?: boolean;
	externalId?: string | null;
	title?: string | null;
	/** Work phone. */
	phoneNumber?: string | null;
	employeeNumber?: string | null;
	department?: string | null;
	managerId?: string | null;
	/** A manager named by username or employee number (Sync, Create or Update): resolved to `managerId` before a write. */
	managerReference?: ManagerReference;
	/** Any other SCIM attributes, in resource shape; merged over the fields above. */
	additionalAttributes?: Record<string, unknown>;
}

export interface FieldProblem {
	field: string;
	message: string;
}

/** The optional text attributes of UserFields (everything but userName, active and additionalAttributes). */
export const TEXT_FIELDS = [
	'givenName',
	'familyName',
	'displayName',
	'email',
	'externalId',
	'title',
	'phoneNumber',
	'employeeNumber',
	'department',
	'managerId',
] as const;

// Attributes the server owns, or that a field of the node sets (userName: the Username field);
// letting Additional Attributes set them would corrupt the request or silently win over the field.
const RESERVED_ATTRIBUTES = new Map([
	['schemas', 'it is set by the node'],
	['id', 'it is set by K2'],
	['meta', 'it is set by K2'],
	['username', 'use the Username field instead'],
]);

/** The labels the node's fields have, so problems name what the user sees. */
export const USER_FIELD_LABELS: Record<keyof UserFields, string> = {
	userName: 'Username',
	givenName: 'Given Name',
	familyName: 'Family Name',
	displayName: 'Display Name',
	email: 'Email',
	active: 'Active',
	externalId: 'External ID',
	title: 'Job Title',
	phoneNumber: 'Phone Number',
	employeeNumber: 'Employee Number',
	department: 'Department',
	managerId: 'Manager ID',
	managerReference: 'Manager',
	additionalAttributes: 'Additional Attributes (JSON)',
};

// Deliberately loose: one @, no spaces, a dot in the domain. K2 matches identities by e-mail,
// so we only catch obvious mistakes (empty domain, a name pasted into the e-mail column).
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

const ENTERPRISE = (attribute: string) => `${ENTERPRISE_USER_SCHEMA}:${attribute}`;

function maxLength(field: (typeof TEXT_FIELDS)[number]): number {
	return field === 'email' ? MAX_LENGTH.email : MAX_LENGTH.text;
}

/** Every text value inside Additional Attributes, with its path, for the length and control checks. */
function* stringsIn(value: unknown, at: string): Generator<[string, string]> {
	if (typeof value === 'string') yield [at, value];
	else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], `${at}[${i}]`);
	else if (isPlainObject(value)) for (const [key, entry] of Object.entries(value)) yield* stringsIn(entry, at ? `${at}.${key}` : key);
}

export function validateUserFields(fields: UserFields, options: { requireUserName: boolean }): FieldProblem[] {
	const problems: FieldProblem[] = [];
	const label = USER_FIELD_LABELS;
	const { userName } = fields;
	if (userName !== undefined && typeof userName !== 'string') {
		problems.push({ field: 'userName', message: `${label.userName} must be text, got ${describeValue(userName)}` });
	} else if (userName !== undefined && userName.trim() === '') {
		problems.push({ field: 'userName', message: `${label.userName} is empty: give the user's sign-in name, e.g. an e-mail address` });
	} else if (userName === undefined && options.requireUserName) {
		problems.push({ field: 'userName', message: `${label.userName} is required: give the user's sign-in name, e.g. an e-mail address` });
	} else if (userName !== undefined) {
		const problem = textProblem(userName, MAX_LENGTH.name) ?? invisibleCharacterProblem(userName);
		if (problem) problems.push({ field: 'userName', message: `${label.userName} ${problem}` });
	}

	for (const field of TEXT_FIELDS) {
		const value: unknown = fields[field];
		if (value === undefined || value === null) continue;
		if (typeof value !== 'string') {
			problems.push({ field, message: `${label[field]} must be text (or null to clear it), got ${describeValue(value)}` });
			continue;
		}
		// The manager is referenced by ID, which K2 resolves: the ID rules apply.
		const problem =
			field === 'managerId' ? idProblem(value) : (textProblem(value, maxLength(field)) ?? (field === 'externalId' ? invisibleCharacterProblem(value) : undefined));
		if (problem) problems.push({ field, message: `${label[field]} ${problem}` });
	}

	if (typeof fields.email === 'string' && !problems.some((p) => p.field === 'email') && !EMAIL.test(fields.email)) {
		problems.push({
			field: 'email',
			message: `${label.email} "${fields.email}" is not a valid email address: use the form name@example.com, or null to clear it`,
		});
	}

	if (fields.active !== undefined && typeof fields.active !== 'boolean') {
		problems.push({
			field: 'active',
			message: `${label.active} must be true or false, got ${describeValue(fields.active)}: convert text such as "yes" to a boolean first`,
		});
	}

	const extra = fields.additionalAttributes;
	if (extra !== undefined) {
		const extraProblems = additionalAttributeProblems(extra);
		problems.push(...extraProblems);
		if (!extraProblems.length) problems.push(...setTwiceProblems(fields, extra as Record<string, unknown>));
	}
	return problems;
}

/** The attribute path each field writes (emails and phoneNumbers: the whole multi-valued attribute). */
export const USER_FIELD_PATHS: Array<[keyof UserFields, string]> = [
	['givenName', 'name.givenName'],
	['familyName', 'name.familyName'],
	['displayName', 'displayName'],
	['email', 'emails'],
	['active', 'active'],
	['externalId', 'externalId'],
	['title', 'title'],
	['phoneNumber', 'phoneNumbers'],
	['employeeNumber', ENTERPRISE('employeeNumber')],
	['department', ENTERPRISE('department')],
	['managerId', ENTERPRISE('manager')],
];

/**
 * One attribute, one source: a field and Additional Attributes (JSON) may not both set it. If both
 * could, one would silently win, and two spellings of one value ("A@x.com" and "a@x.com") would
 * be written on every run, each undoing the other.
 */
function setTwiceProblems(fields: UserFields, extra: Record<string, unknown>): FieldProblem[] {
	const extraPaths = [...flattenAttributes(extra).keys()].map((path) => path.toLowerCase());
	const problems: FieldProblem[] = [];
	for (const [field, path] of USER_FIELD_PATHS) {
		if (fields[field] === undefined) continue;
		const lower = path.toLowerCase();
		const clash = extraPaths.find((p) => p === lower || p.startsWith(`${lower}.`) || lower.startsWith(`${p}.`));
		if (clash === undefined) continue;
		problems.push({
			field: 'additionalAttributes',
			message: `${USER_FIELD_LABELS[field]} and ${USER_FIELD_LABELS.additionalAttributes} both set ${path}: set it in one place (the field, or the JSON), not both`,
		});
	}
	return problems;
}

/**
 * Fields in the form they are compared and sent in: identifiers trimmed and in Unicode NFC, other
 * text in NFC (so a K2 that answers in NFD is not rewritten on every run). Other values as given.
 */
export function normalizeUserFields(fields: UserFields): UserFields {
	const normal: UserFields = { ...fields };
	if (typeof normal.userName === 'string') normal.userName = normalizeIdentifier(normal.userName);
	for (const field of TEXT_FIELDS) {
		const value = normal[field];
		if (typeof value === 'string') (normal as Record<string, unknown>)[field] = field === 'externalId' ? normalizeIdentifier(value) : value.normalize('NFC');
	}
	return normal;
}

function forbiddenSegment(path: string): string {
	return path.split(/[.:[\]]/).find((segment) => ['__proto__', 'constructor', 'prototype'].includes(segment.toLowerCase())) ?? path;
}

function additionalAttributeProblems(extra: unknown): FieldProblem[] {
	const field = 'additionalAttributes';
	const label = USER_FIELD_LABELS.additionalAttributes;
	if (!isPlainObject(extra)) {
		return [{ field, message: `${label} must be a JSON object such as {"nickName": "Bob"}, got ${describeValue(extra)}` }];
	}
	// First, and alone: paths cannot even be parsed safely while such a key is there.
	const forbidden = findForbiddenKey(extra);
	if (forbidden !== undefined) {
		return [{ field, message: `${label} must not contain the key "${forbiddenSegment(forbidden)}" (at ${forbidden}): it is not a SCIM attribute; remove it` }];
	}
	const problems: FieldProblem[] = [];
	// Top-level keys catch `meta: {}` (which flattens to nothing); flattened paths catch `urn:...:core:2.0:User:id`.
	const reserved = new Set<string>();
	for (const path of [...Object.keys(extra), ...flattenAttributes(extra).keys()]) {
		const { schema, attribute } = parsePath(path);
		if (schema === undefined && RESERVED_ATTRIBUTES.has(attribute.toLowerCase())) reserved.add(attribute);
	}
	for (const attribute of reserved) {
		problems.push({
			field,
			message: `${label} must not contain "${attribute}": ${RESERVED_ATTRIBUTES.get(attribute.toLowerCase())}; remove it from the object`,
		});
	}
	for (const [path, text] of stringsIn(extra, '')) {
		const problem = textProblem(text, MAX_LENGTH.text, true);
		if (problem) {
			problems.push({ field, message: `${label}: the value at ${path} ${problem}` });
			break;
		}
	}
	return problems;
}

/** A full SCIM User for POST (create) or PUT (replace). Null and undefined fields are left out. */
export function toScimUser(fields: UserFields): ScimUser {
	const user: ScimUser = { schemas: [USER_SCHEMA] };
	if (fields.userName != null) user.userName = fields.userName;
	const name: Record<string, string> = {};
	if (fields.givenName != null) name.givenName = fields.givenName;
	if (fields.familyName != null) name.familyName = fields.familyName;
	if (Object.keys(name).length > 0) user.name = name;
	if (fields.displayName != null) user.displayName = fields.displayName;
	if (fields.email != null) user.emails = [{ value: fields.email, type: 'work', primary: true }];
	if (fields.active !== undefined) user.active = fields.active;
	if (fields.externalId != null) user.externalId = fields.externalId;
	if (fields.title != null) user.title = fields.title;
	if (fields.phoneNumber != null) user.phoneNumbers = [{ value: fields.phoneNumber, type: 'work' }];

	const enterprise: ScimEnterpriseUser = {};
	if (fields.employeeNumber != null) enterprise.employeeNumber = fields.employeeNumber;
	if (fields.department != null) enterprise.department = fields.department;
	if (fields.managerId != null) enterprise.manager = { value: fields.managerId };
	if (Object.keys(enterprise).length > 0) user[ENTERPRISE_USER_SCHEMA] = enterprise;

	if (fields.additionalAttributes) {
		for (const [path, value] of flattenAttributes(fields.additionalAttributes)) {
			if (value !== null) setByPath(user, path, value);
		}
	}
	// Declare every extension schema the resource carries, and only those (RFC 7643 §3).
	for (const key of Object.keys(user)) {
		if (isSchemaUrn(key) && !user.schemas.includes(key)) user.schemas.push(key);
	}
	return user;
}

function pickEmail(emails: ScimMultiValued[] | undefined): ScimMultiValued | undefined {
	if (!Array.isArray(emails)) return undefined;
	return emails.find((e) => e.primary === true) ?? emails.find((e) => e.type === 'work') ?? emails[0];
}

/**
 * The one entry of a multi-valued attribute the node manages: the work entry; when no entry has a
 * type (a K2 that keeps values but not types), the primary one, else the first. Every other entry
 * (home, mobile, other) belongs to someone else and survives every write.
 */
export function managedEntry(entries: ScimMultiValued[] | undefined): ScimMultiValued | undefined {
	if (!Array.isArray(entries) || entries.length === 0) return undefined;
	const work = entries.find((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work');
	if (work) return work;
	if (entries.some((e) => typeof e.type === 'string' && e.type !== '')) return undefined;
	return entries.find((e) => e.primary === true) ?? entries[0];
}

function pickPhone(phones: ScimMultiValued[] | undefined): ScimMultiValued | undefined {
	if (!Array.isArray(phones)) return undefined;
	return phones.find((p) => p.type === 'work') ?? phones.find((p) => p.primary === true) ?? phones[0];
}

function enterpriseOf(user: ScimUser): ScimEnterpriseUser | undefined {
	const ext = getKey(user, ENTERPRISE_USER_SCHEMA);
	return isPlainObject(ext) ? (ext as ScimEnterpriseUser) : undefined;
}

/** A flat view of a SCIM User for n8n items; absent values are null so every item has the same columns. */
export function simplifyUser(user: ScimUser): SimpleView {
	const enterprise = enterpriseOf(user);
	const simple: SimpleView = {
		id: user.id ?? null,
		userName: user.userName ?? null,
		givenName: user.name?.givenName ?? null,
		familyName: user.name?.familyName ?? null,
		displayName: user.displayName ?? null,
		email: (managedEntry(user.emails) ?? pickEmail(user.emails))?.value ?? null,
		active: user.active ?? null,
		externalId: user.externalId ?? null,
		title: user.title ?? null,
		phoneNumber: (managedEntry(user.phoneNumbers) ?? pickPhone(user.phoneNumbers))?.value ?? null,
		employeeNumber: enterprise?.employeeNumber ?? null,
		department: enterprise?.department ?? null,
		managerId: enterprise?.manager?.value ?? null,
	};
	if (Array.isArray(user.groups)) simple.groups = user.groups.map((g) => g.display ?? g.value);
	simple.created = user.meta?.created ?? null;
	simple.lastModified = user.meta?.lastModified ?? null;
	return simple;
}

/** The attribute paths each simple field maps to, and how to read the current value. */
const SIMPLE_PATHS: Array<[keyof UserFields, string]> = [
	['userName', 'userName'],
	['givenName', 'name.givenName'],
	['familyName', 'name.familyName'],
	['displayName', 'displayName'],
	['active', 'active'],
	['externalId', 'externalId'],
	['title', 'title'],
	['employeeNumber', ENTERPRISE('employeeNumber')],
	['department', ENTERPRISE('department')],
];

function present(value: unknown): boolean {
	return value !== undefined && value !== null;
}

/**
 * The PATCH operations that turn `existing` into what `desired` asks for: only the attributes that
 * differ, so an unchanged user yields [] and costs no write. Keyed by path so an additional
 * attribute naming the same path as a field wins, as it does in `toScimUser`. `leaveOut` names
 * the paths not to compare (those K2 does not keep).
 */
export function userPatchOperations(existing: ScimUser, desired: UserFields, leaveOut?: (path: string) => boolean): PatchOperation[] {
	const ops = new Map<string, PatchOperation>();
	const diff = (path: string, current: unknown, wanted: unknown, value: unknown = wanted) => {
		if (wanted === undefined) return;
		if (wanted === null) {
			if (present(current)) ops.set(path.toLowerCase(), { op: 'remove', path });
		} else if (!sameValue(path, current, wanted)) {
			ops.set(path.toLowerCase(), { op: 'replace', path, value });
		}
	};

	for (const [field, path] of SIMPLE_PATHS) {
		// userName cannot be cleared (it is required); validation reports a null one.
		if (field === 'userName' && desired.userName === null) continue;
		diff(path, getByPath(existing, path), desired[field]);
	}
	const manager = enterpriseOf(existing)?.manager?.value;
	const managerId = desired.managerId;
	diff(ENTERPRISE('manager'), manager, managerId, managerId == null ? undefined : { value: managerId });

	const emails = multiValuedOperation('emails', existing.emails, desired.email, true);
	if (emails) ops.set('emails', emails);
	const phones = multiValuedOperation('phoneNumbers', existing.phoneNumbers, desired.phoneNumber, false);
	if (phones) ops.set('phonenumbers', phones);

	if (isPlainObject(desired.additionalAttributes)) {
		for (const [path, wanted] of flattenAttributes(desired.additionalAttributes)) {
			diff(path, getByPath(existing, path), wanted);
		}
	}
	// Attributes K2 does not keep (scim/kept.ts) would differ on every run: they are not compared.
	return [...ops.values()].filter((op) => !(leaveOut && op.path && leaveOut(op.path)));
}

/**
 * Whether K2's value already is the wanted one: identifiers in their normal form (userName without
 * case, as SCIM compares it), text in NFC, anything else exactly.
 */
function sameValue(path: string, current: unknown, wanted: unknown): boolean {
	const lower = path.toLowerCase();
	if (lower === 'username') return sameIdentifier('userName', current, wanted);
	if (lower === 'externalid') return identifierKey('externalId', current) === identifierKey('externalId', wanted);
	return deepEqual(nfc(current), nfc(wanted));
}

function nfc(value: unknown): unknown {
	if (typeof value === 'string') return value.normalize('NFC');
	if (Array.isArray(value)) return value.map(nfc);
	if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, nfc(entry)]));
	return value;
}

/**
 * One multi-valued attribute (emails, phoneNumbers) where the node manages one entry (see
 * managedEntry). The whole attribute is replaced (filtered paths like `emails[type eq "work"].value`
 * are optional for servers), carrying every other entry unchanged: value, type and primary flag.
 * The managed entry is primary only when it was, or when no other entry is (RFC 7643 §2.4: at
 * most one primary). E-mail values compare without case (emails.value is caseExact=false).
 */
function multiValuedOperation(
	attribute: 'emails' | 'phoneNumbers',
	current: ScimMultiValued[] | undefined,
	wanted: string | null | undefined,
	caseInsensitive: boolean,
): PatchOperation | undefined {
	if (wanted === undefined) return undefined;
	const entries = Array.isArray(current) ? current : [];
	const managed = managedEntry(entries);
	const others = entries.filter((e) => e !== managed);
	if (wanted === null) {
		if (!managed) return undefined;
		return others.length === 0 ? { op: 'remove', path: attribute } : { op: 'replace', path: attribute, value: others };
	}
	const same = (a: unknown) => typeof a === 'string' && (caseInsensitive ? a.normalize('NFC').toLowerCase() === wanted.normalize('NFC').toLowerCase() : a.normalize('NFC') === wanted.normalize('NFC'));
	if (managed && same(managed.value)) return undefined;
	const primary = managed?.primary === true || !others.some((e) => e.primary === true);
	const entry: ScimMultiValued = { value: wanted, type: 'work', ...(primary && (attribute === 'emails' || managed?.primary === true) ? { primary: true } : {}) };
	return { op: 'replace', path: attribute, value: [...others, entry] };
}

/**
 * The user as it is after a PATCH of the node's own operations (whole-attribute replace and
 * remove), for a K2 that answers 204 without the resource: what the write asked K2 to hold.
 */
export function withOperations<T extends ScimUser>(user: T, operations: readonly PatchOperation[]): T {
	const result = structuredClone(user);
	for (const op of operations) {
		if (!op.path) continue;
		if (op.op === 'remove') setByPath(result as Record<string, unknown>, op.path, undefined);
		else setByPath(result as Record<string, unknown>, op.path, op.value);
	}
	return JSON.parse(JSON.stringify(result)) as T; // drops the removed (undefined) attributes
}

export function patchRequest(operations: PatchOperation[]): PatchRequest {
	return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}
