/**
 * SCIM error responses (RFC 7644 §3.12) turned into messages an n8n user can act on.
 * Bodies come in many shapes (SCIM 2.0 errors, SCIM 1.1 `Errors`, OAuth errors, plain text,
 * HTML from a proxy), so parsing is forgiving and never throws.
 */
import { isPlainObject } from './path';

export interface ScimErrorInfo {
	status: number;
	scimType?: string;
	detail?: string;
}

export interface ScimErrorContext {
	resource: 'user' | 'group';
	/** The n8n operation, e.g. 'create', 'update', 'get', 'getMany', 'delete', 'addMember'. */
	operation: string;
	userName?: string;
	displayName?: string;
	id?: string;
}

export interface ExplainedError {
	message: string;
	description: string;
}

const MAX_DETAIL_LENGTH = 500;

function text(value: unknown): string | undefined {
	if (typeof value === 'string' && value.trim() !== '') return value.trim();
	if (typeof value === 'number') return String(value);
	return undefined;
}

function validStatus(value: unknown): number | undefined {
	const status = typeof value === 'string' ? Number(value.trim()) : value;
	return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}

function fromObject(body: Record<string, unknown>): Omit<ScimErrorInfo, 'status'> & { status?: number } {
	// SCIM 1.1 and some gateways wrap errors in a list: { Errors: [{ code, description }] }.
	const list = body.Errors ?? body.errors;
	if (Array.isArray(list) && isPlainObject(list[0])) {
		const first = fromObject(list[0]);
		return { ...first, status: first.status ?? validStatus(body.status) };
	}
	const detail =
		text(body.detail) ??
		text(body.description) ??
		text(body.error_description) ??
		text(body.message) ??
		text(body.title) ??
		text(body.error);
	// RFC 7644 sends status as a string ("409"); others send a number or call it `code`.
	return { status: validStatus(body.status) ?? validStatus(body.code), scimType: text(body.scimType), detail };
}

/** Reads whatever an error response carried. The body's own status wins over the HTTP one when valid. */
export function parseScimError(status: number, body: unknown): ScimErrorInfo {
	let value = body;
	if (value instanceof Uint8Array) value = Buffer.from(value).toString('utf8');
	if (typeof value === 'string') {
		const trimmed = value.trim();
		try {
			value = trimmed.startsWith('{') ? JSON.parse(trimmed) : trimmed;
		} catch {
			value = trimmed; // Not JSON after all: keep the text as the detail.
		}
	}
	let info: Omit<ScimErrorInfo, 'status'> & { status?: number } = {};
	if (isPlainObject(value)) info = fromObject(value);
	else if (typeof value === 'string' && value !== '') info = { detail: stripHtml(value) };

	const result: ScimErrorInfo = { status: info.status ?? validStatus(status) ?? status };
	if (info.scimType) result.scimType = info.scimType;
	if (info.detail) {
		result.detail = info.detail.length > MAX_DETAIL_LENGTH ? `${info.detail.slice(0, MAX_DETAIL_LENGTH)}…` : info.detail;
	}
	return result;
}

// A proxy or load balancer may answer with an HTML page; its text is what helps.
function stripHtml(value: string): string {
	if (!/^<(!doctype|html|\?xml)/i.test(value)) return value;
	return value.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Plain-English meanings of RFC 7644 Table 9 scimType values. */
const SCIM_TYPE_MEANINGS: Record<string, string> = {
	invalidFilter: 'The filter is not valid SCIM syntax, or uses an attribute or operator K2 does not support. Check quotes and operators, e.g. userName eq "bob@example.com".',
	tooMany: 'The filter matched more resources than K2 will return. Narrow the filter.',
	uniqueness: 'A value that must be unique is already used by another resource.',
	mutability: 'The request tries to change an attribute K2 does not allow to be changed (read-only or immutable). Leave that attribute out.',
	invalidSyntax: 'The request body is not a valid SCIM message. Check Additional Attributes for malformed values.',
	invalidPath: 'An attribute path in the request is not valid for this resource. Check the attribute names in Additional Attributes.',
	noTarget: 'The attribute path did not match anything on this resource.',
	invalidValue: 'A required value is missing, or a value has the wrong type or format for its attribute.',
	invalidVers: 'The resource changed since it was read (version mismatch). Read it again and retry.',
	sensitive: 'The request put sensitive information in the URL, which K2 refuses.',
};

// n8n operation values read badly in a sentence ("to getMany the user"), so known ones get verbs.
const OPERATION_VERBS: Record<string, string> = {
	get: 'read',
	getMany: 'list',
	getAll: 'list',
	createOrUpdate: 'create or update',
	upsert: 'create or update',
	addMember: 'add members to',
	addMembers: 'add members to',
	removeMember: 'remove members from',
	removeMembers: 'remove members from',
};

/** "create the user "bob"", "list users". */
function action(context: ScimErrorContext): string {
	const verb = OPERATION_VERBS[context.operation] ?? context.operation;
	if (verb === 'list') return `list ${context.resource}s`;
	return `${verb} ${subject(context)}`;
}

function subject(context: ScimErrorContext): string {
	const name = context.resource === 'user' ? context.userName : context.displayName;
	const label = name ?? context.id;
	return label === undefined ? `the ${context.resource}` : `the ${context.resource} "${label}"`;
}

function serverDetails(info: ScimErrorInfo): string {
	const parts: string[] = [];
	if (info.detail) parts.push(`K2 said: ${info.detail}`);
	if (info.scimType) parts.push(`SCIM error type: ${info.scimType}`);
	parts.push(`HTTP status: ${info.status}`);
	return parts.join(' | ');
}

function withDetails(message: string, description: string, info: ScimErrorInfo): ExplainedError {
	return { message, description: `${description} (${serverDetails(info)})` };
}

/**
 * Whether a 404's detail blames the SCIM token, leaving out what only names the resource: its
 * id (which may contain "token") and URL paths (every SCIM path has /tokens/ in it).
 */
function mentionsToken(detail: string | undefined, id: string): boolean {
	if (!detail) return false;
	const lower = detail.toLowerCase();
	const withoutId = id === '' ? lower : lower.split(id.toLowerCase()).join(' ');
	const withoutPaths = withoutId.replace(/\S*\/tokens\/\S*/g, ' ');
	return /\b(scim[ -]?)?tokens?\b/.test(withoutPaths);
}

/** A filter K2 refused, and the operators to blame (transport/filterOperators.ts). */
export interface FilterRefusal {
	filter: string;
	/** Its operators K2 refused earlier in the run, or else the ones K2 has not accepted yet. */
	suspects: string[];
	/** The operators K2 accepted in this run. */
	accepted: string[];
}

/** A 400 that refuses the filter: `invalidFilter`, or no SCIM type at all (a bare 400 to a GET). */
export function isFilterRefusalAnswer(info: ScimErrorInfo): boolean {
	return info.status === 400 && (info.scimType === undefined || info.scimType === 'invalidFilter');
}

/** What an operator K2 refuses means for a user of the node, where the node has no fallback. */
function withoutOperator(operator: string): string {
	if (operator === 'eq') {
		return 'Without "eq" the node cannot find a user by userName or External ID, nor a group by display name (User By Username, Create or Update, members given by userName, Group By Display Name): use K2 IDs where the node offers them.';
	}
	if (operator === 'and') return 'Get Many joins its filters with "and": use one filter at a time.';
	return `If you typed this filter (Get Many > SCIM Filter, Sync > Deprovision Filter), write it without "${operator}".`;
}

const MAX_FILTER_SHOWN = 200;

/** K2 refused a filter: the message names the operator, the description what that means. */
export function explainFilterRefusal(info: ScimErrorInfo, context: ScimErrorContext, refusal: FilterRefusal): ExplainedError {
	const quoted = refusal.suspects.map((operator) => `"${operator}"`);
	const blamed = quoted.length === 1 ? `the filter operator ${quoted[0]}` : `a filter operator (one of ${quoted.join(', ')})`;
	const filter = refusal.filter.length > MAX_FILTER_SHOWN ? `${refusal.filter.slice(0, MAX_FILTER_SHOWN)}…` : refusal.filter;
	const description = [
		`K2 does not accept every SCIM filter operator, and refused the filter ${filter}.`,
		refusal.accepted.length ? `In this run K2 accepted: ${refusal.accepted.join(', ')}.` : '',
		...refusal.suspects.map(withoutOperator),
		'Connection > Check lists the operators K2 refuses.',
	];
	return withDetails(`K2 refused ${blamed} in the request to ${action(context)}`, description.filter(Boolean).join(' '), info);
}

/** An actionable message and description for a failed SCIM request. */
export function explainScimError(info: ScimErrorInfo, context: ScimErrorContext): ExplainedError {
	const { status, scimType, detail } = info;
	const isUser = context.resource === 'user';

	if (status === 409 || scimType === 'uniqueness') {
		const message = isUser
			? `A user with userName "${context.userName ?? context.id ?? '?'}" already exists in K2`
			: `A group named "${context.displayName ?? context.id ?? '?'}" already exists in K2`;
		// K2 holds the name but no read shows it: created since, or a deleted user whose name K2 keeps.
		const hidden =
			'If no read finds it, K2 may keep the names of deleted users and groups (a soft delete): such a name cannot be used again until K2 support removes it or restores the account. Offboard with Deactivate rather than Delete so that a rehire reactivates the same account.';
		const description =
			isUser && context.operation === 'sync'
				? `Sync found no K2 user with this userName or External ID in its complete listing of K2, yet K2 holds the userName: it was created since the listing, or K2 does not show it in reads. Run Sync again (it matches users it can list); if this user fails again, look for it with User > Get Many filtered by userName and give it the External ID of its input item. ${hidden}`
				: isUser && context.operation === 'createOrUpdate'
					? `Create or Update found no K2 user with this userName or External ID, yet K2 holds the userName. ${hidden}`
					: isUser
						? `Use the "Create or Update" operation to update existing users, or find the existing user with "Get Many" filtered by userName. ${hidden}`
						: `Group names are unique in K2. Use the existing group (find it with "Get Many"), or choose another name. ${hidden}`;
		return withDetails(message, description, info);
	}

	if (status === 401) {
		return withDetails(
			'K2 rejected the credential (401 Unauthorized)',
			'The access token is missing, expired or not valid for K2 SCIM, and could not be refreshed. Reconnect the K2 credential (sign in again): K2 refresh tokens expire 30 days after sign-in. Also check that the Authority URL names your K2 tenant.',
			info,
		);
	}

	if (status === 403) {
		return withDetails(
			`The K2 credential is not allowed to ${action(context)}`,
			'The K2 credential lacks the https://scim.onk2.com/write scope, or the signed-in account may not manage identities. Add the scope to the credential\'s Scope field, reconnect, and make sure K2 has enabled SCIM for this tenant.',
			info,
		);
	}

	if (status === 404) {
		// A bad SCIM token makes every URL under /tokens/{token}/ unknown; requests without an id
		// (create, list) can only 404 for that reason. With an id, only K2's own words tell.
		if (context.id === undefined || mentionsToken(detail, context.id)) {
			return withDetails(
				'K2 did not recognise the SCIM token',
				'Check the SCIM Token in the K2 credential: it must be the token K2 issued for your identity-provider domain (a GUID), and the SCIM Base URL must be https://scim.onk2.com unless K2 gave you another.',
				info,
			);
		}
		return withDetails(
			`The ${context.resource} "${context.id}" was not found in K2`,
			`Check the ID: it must be the K2 SCIM id of the ${context.resource}, not its ${isUser ? 'userName or e-mail' : 'name'}. Use "Get Many" with a ${isUser ? 'userName' : 'displayName'} filter to find it; it may also have been deleted.`,
			info,
		);
	}

	if (status === 429) {
		return withDetails(
			'K2 is throttling requests (429 Too Many Requests)',
			'K2 received more requests than it allows, and kept refusing them through the retries (or asked to wait longer than 2 minutes). If the node\'s Options > Requests in Flight Mode is Fixed, set it to Auto (it slows down when K2 throttles) or lower Requests in Flight; otherwise run the workflow again later, when fewer workflows send to K2 at once.',
			info,
		);
	}

	if (status >= 500) {
		return withDetails(
			`K2's SCIM service failed (${status})`,
			`This is an error inside K2, not a problem with the data sent for ${subject(context)}. Retry later; if it persists, contact K2 support with the details below.`,
			info,
		);
	}

	if (status === 400 || status === 413) {
		const meaning = (scimType && SCIM_TYPE_MEANINGS[scimType]) ??
			(status === 413 ? 'The request is too large for K2. Send fewer members or attributes per request.' : 'K2 found the request invalid. The server detail below says which value.');
		return withDetails(`K2 rejected the request to ${action(context)}${scimType ? ` (${scimType})` : ''}`, meaning, info);
	}

	return withDetails(
		`K2 returned HTTP ${status} for the request to ${action(context)}`,
		'The request did not succeed.',
		info,
	);
}
