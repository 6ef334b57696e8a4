/**
 * Connection > Check > Test Writes: learns how a real K2 tenant answers what its documentation
 * leaves open, with throwaway users (`k2-scim-check-<random>@example.invalid`, `…-2@example.invalid`)
 * and a group (`k2-scim-check-<random>`) that it always removes again. Each request and K2's answer is a step of the report; what they mean is a profile in the
 * sandbox's vocabulary (tenantProfile.ts). Every request goes through the transport.
 *
 * Requests against a K2 that shows writes at once: 35 (a wrong-token read; 3 creates; 7 reads
 * after writes; 13 filters, one per operator; 2 pages; a user PATCH, a PUT, 2 member PATCHes; a
 * DELETE and a create again; 3 deletes to clean up). A K2 that shows a create late adds at most
 * 36 reads to each of the 3 waits for one (10 s each).
 */
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, JsonObject } from 'n8n-workflow';

import type { ScimErrorContext } from '../../scim/error';
import { and, eq, escapeFilterValue, or } from '../../scim/filter';
import { memberPatchRequests, toScimGroup } from '../../scim/group';
import type { PatchRequest, ScimListResponse, ScimUser } from '../../scim/schemas';
import { toScimUser, userPatchOperations } from '../../scim/user';
import type { UserFields } from '../../scim/user';
import type { ScimRequestOptions } from '../../transport';
import { groups, users } from '../../transport/resources';
import type { Group, User } from '../../transport/resources';
import { findGroupByDisplayName } from '../group/lookup';
import { findUser } from '../user/locate';
import { attributeLabel, FILTER_OPERATORS, keptAttributes, pagingOf, profileWarnings, storedAttributesOf, wrongTokenAnswer } from './tenantProfile';
import type { FilterOperator, PageRead, TenantProfile } from './tenantProfile';

/** How long a read waits for a write K2 has answered to show (K2 writes through a staging database). */
const READ_WAIT_MS = 10_000;
/** Added to the measured lag before a read that checks an update: the lag was measured only to the poll's step. */
const LAG_MARGIN_MS = 250;

/** One request (or one wait of reads) and K2's answer. */
interface Step {
	step: string;
	/** What was sent: method, path under the tenant's SCIM root (never the token), and what it asked. */
	sent: string;
	/** K2's HTTP status; null when n8n did not pass it on. */
	status: number | null;
	meaning: string;
}

interface Throwaway {
	type: 'user' | 'group';
	name: string;
	id?: string;
	/** Deleted during the test (the DELETE step), or the create was refused for sure. */
	gone?: boolean;
}

/** K2 said no to what was asked (a status it may answer a request it does not support with). */
interface Refusal {
	status: number;
	scimType?: string;
	/** Whether the answer carried an error body (a SCIM error, text), or was empty. */
	withBody: boolean;
}

/** The statuses that mean "K2 does not support this": RFC 7644's 400 (invalidFilter, invalidPath...) and 501. */
const UNSUPPORTED = (status: number) => status === 400 || status === 501;

type Answer<T> = { value: T; status: number | null; refused?: undefined } | { refused: Refusal };

/** The throwaway users' e-mail domain: `.invalid` is reserved (RFC 2606), no mail can reach it. */
const MAIL_DOMAIN = '@example.invalid';

function randomSuffix(): string {
	return Math.random().toString(36).slice(2, 10).padEnd(8, '0');
}

/** A random GUID in place of the SCIM token: the shape K2's tokens have, so only its value is wrong. */
function randomGuid(): string {
	const hex = (count: number) => Array.from({ length: count }, () => Math.floor(Math.random() * 16).toString(16)).join('');
	return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(Math.random() * 4)).toString(16)}${hex(3)}-${hex(12)}`;
}

function statusOf(error: unknown): number | undefined {
	const code = error instanceof NodeApiError ? error.httpCode : undefined;
	return typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : undefined;
}

function refusalOf(error: unknown, isRefusal: (status: number) => boolean): Refusal | undefined {
	const status = statusOf(error);
	if (status === undefined || !isRefusal(status)) return undefined;
	// The transport builds its NodeApiErrors from a clean { status, scimType, detail } of K2's answer.
	const scim = (error as NodeApiError).errorResponse as JsonObject | undefined;
	const scimType = typeof scim?.scimType === 'string' ? scim.scimType : undefined;
	return { status, scimType, withBody: Boolean(scimType || scim?.detail) };
}

function described(refusal: Refusal): string {
	return `${refusal.status}${refusal.scimType ? ` ${refusal.scimType}` : ''}`;
}

const idsOf = (page: ScimListResponse<User>): string[] => (page.Resources ?? []).map((user) => String(user.id));

/** Runs Test Writes and cleans up; never throws for what K2 answered (that is the report). */
export async function testWrites(ctx: IExecuteFunctions, itemIndex: number): Promise<{ profile: TenantProfile; testWrites: IDataObject; warnings: string[] }> {
	return await new TestWrites(ctx, itemIndex).run();
}

class TestWrites {
	private readonly steps: Step[] = [];
	private readonly throwaways: Throwaway[] = [];
	private readonly learned: TenantProfile = {};
	/** The group's display name; the users' names are e-mail-shaped (K2 usernames often are e-mails). */
	private readonly base = `k2-scim-check-${randomSuffix()}`;
	private readonly userNames = [`${this.base}${MAIL_DOMAIN}`, `${this.base}-2${MAIL_DOMAIN}`];
	private notKept: string[] = [];
	private kept: string[] = [];
	private membersKept: boolean | undefined;
	private groupExternalIdKept: boolean | undefined;
	/** The longest a write took to show to reads; what every read after a write waits first. */
	private lagMs = 0;
	private readonly warnings: string[] = [];
	/** The step under way, for the report when it stops there. */
	private current: string | undefined;

	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly itemIndex: number,
	) {}

	async run(): Promise<{ profile: TenantProfile; testWrites: IDataObject; warnings: string[] }> {
		let stoppedAt: IDataObject | undefined;
		let cleanup: IDataObject;
		try {
			await this.exercise();
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			const step = this.current ?? 'start';
			stoppedAt = { step, error: message, status: statusOf(error) ?? null };
			this.warnings.push(`Test Writes stopped at "${step}": ${message}. The profile holds only what was learned before.`);
		} finally {
			cleanup = await this.cleanUp();
		}
		const profile = this.profile();
		const testWrites: IDataObject = {
			complete: stoppedAt === undefined,
			names: { users: this.userNames, group: this.base },
			steps: this.steps as unknown as IDataObject[],
			cleanup,
		};
		if (stoppedAt) testWrites.stoppedAt = stoppedAt;
		return { profile, testWrites, warnings: [...profileWarnings(profile, this.notKept), ...this.warnings] };
	}

	/** The profile in K2Profile's field order; readAfterWriteLagMs only once a write was seen to show. */
	private profile(): TenantProfile {
		const learned = this.learned;
		const profile: TenantProfile = {};
		if (this.kept.length + this.notKept.length > 0) {
			const stored = storedAttributesOf(this.kept, this.notKept, this.membersKept, this.groupExternalIdKept);
			if (stored) profile.storedAttributes = stored;
		}
		if (learned.filterOperators) profile.filterOperators = learned.filterOperators;
		if (learned.totalResults) profile.totalResults = learned.totalResults;
		if (learned.startIndex) profile.startIndex = learned.startIndex;
		if (learned.wrongToken) profile.wrongToken = learned.wrongToken;
		if (learned.patchAnswer) profile.patchAnswer = learned.patchAnswer;
		if (learned.deleteMode) profile.deleteMode = learned.deleteMode;
		if (learned.readAfterWriteLagMs !== undefined) profile.readAfterWriteLagMs = learned.readAfterWriteLagMs;
		return profile;
	}

	private record(step: Step): void {
		this.steps.push(step);
	}

	private options(context: ScimErrorContext, onStatus?: (status: number) => void): ScimRequestOptions {
		return { context, itemIndex: this.itemIndex, onStatus };
	}

	/** Sends; K2's answer, or its refusal when `isRefusal` accepts its status. Any other failure stops the test. */
	private async send<T>(
		step: string,
		context: ScimErrorContext,
		request: (options: ScimRequestOptions) => Promise<T>,
		isRefusal: (status: number) => boolean = () => false,
	): Promise<Answer<T>> {
		this.current = step;
		let status: number | null = null;
		return await request(this.options(context, (s) => (status = s))).then(
			(value): Answer<T> => ({ value, status }),
			(error: unknown): Answer<T> => {
				const refused = refusalOf(error, isRefusal);
				if (refused) return { refused };
				throw error;
			},
		);
	}

	/** Stops the test at a step whose answer leaves nothing sound to go on with. */
	private stop(message: string): NodeOperationError {
		return new NodeOperationError(this.ctx.getNode(), message, { itemIndex: this.itemIndex });
	}

	private async exercise(): Promise<void> {
		await this.wrongToken();
		// The second user first: the first one's manager, and the second result of every page.
		const second = await this.createUser(this.userNames[1], { displayName: `${this.base}-2`, externalId: `${this.base}-2` });
		await this.waitUntilVisible('user', second);
		const fields = this.allFields(second.id!, '');
		const user = await this.createUser(this.userNames[0], fields);
		const created = await this.waitUntilVisible<User>('user', user);
		this.attributes('create', fields, created, 'the read above');
		await this.filters(user, second);
		await this.paging(user, second);
		await this.patch(user, created);
		await this.put(user, second);
		await this.membership(user);
		await this.deleteAndCreateAgain(user);
	}

	/** Every attribute the node writes to the first user; `mark` makes the PUT's values differ from the create's. */
	private allFields(managerId: string, mark: string): UserFields {
		return {
			userName: this.userNames[0],
			givenName: `K2 SCIM${mark}`,
			familyName: `Check${mark}`,
			displayName: `${this.base}${mark}`,
			email: `${this.base}${mark.trim()}${MAIL_DOMAIN}`,
			active: true,
			externalId: this.base,
			title: `Connection check${mark}`,
			phoneNumber: mark ? '+1 555 0101' : '+1 555 0100',
			employeeNumber: `${this.base}${mark}`,
			department: `K2 SCIM check${mark}`,
			managerId,
		};
	}

	private async wrongToken(): Promise<void> {
		const step = 'wrong SCIM token';
		const sent = 'GET /Users?count=1 with a random GUID in place of the SCIM token, the same access token';
		const context: ScimErrorContext = { resource: 'user', operation: 'getMany' };
		const answer = await this.send(
			step,
			context,
			async (options) => await users.pageWithScimToken(this.ctx, randomGuid(), { count: 1 }, options),
			() => true,
		);
		if (!answer.refused) {
			this.record({ step, sent, status: answer.status, meaning: 'K2 answered a wrong SCIM token as if it were right: it does not tell tenants apart by the token' });
			this.warnings.push('K2 answered a request with a random SCIM token as if it were right.');
			return;
		}
		const { status, withBody } = answer.refused;
		this.learned.wrongToken = wrongTokenAnswer(status);
		this.record({ step, sent, status, meaning: `A wrong SCIM token gets ${status} ${withBody ? 'with an error body' : 'with an empty body'}` });
	}

	private async createUser(userName: string, fields: UserFields): Promise<Throwaway> {
		const throwaway: Throwaway = { type: 'user', name: userName };
		this.throwaways.push(throwaway);
		const context: ScimErrorContext = { resource: 'user', operation: 'create', userName };
		const answer = await this.send(`create user ${userName}`, context, async (options) =>
			await users.create(this.ctx, toScimUser({ ...fields, userName }), {
				...options,
				// A create whose answer was lost may have landed: found, not made twice.
				findExisting: async () => await findUser(this.ctx, 'userName', userName, 'create', this.itemIndex),
			}),
		);
		if (answer.refused) throw this.stop(`K2 refused to create the user ${userName}`);
		throwaway.id = String(answer.value.id);
		const attributes = Object.keys(fields).filter((key) => key !== 'userName' && key !== 'managerId').length;
		this.record({
			step: `create user ${userName}`,
			sent: `POST /Users userName "${userName}"${fields.managerId ? ', every attribute the node writes' : ` and ${attributes} other attribute${attributes === 1 ? '' : 's'}`}`,
			status: answer.status,
			meaning: `Created (id ${throwaway.id})`,
		});
		return throwaway;
	}

	/**
	 * Reads a resource just created until K2 shows it (K2 writes through a staging database), for at
	 * most READ_WAIT_MS. The time it took is the read-after-write lag.
	 */
	private async waitUntilVisible<T extends User | Group>(type: 'user' | 'group', throwaway: Throwaway): Promise<T> {
		const step = `read ${type} ${throwaway.name} after its create`;
		this.current = step;
		const collection = type === 'user' ? users : groups;
		const context: ScimErrorContext = { resource: type, operation: 'get', id: throwaway.id };
		const since = Date.now();
		for (let reads = 1; ; reads++) {
			const sentAt = Date.now();
			const found = (await collection.getIfExists(this.ctx, throwaway.id!, this.options(context))) as T | undefined;
			const sent = `GET /${type === 'user' ? 'Users' : 'Groups'}/${throwaway.id} until found (${reads} read${reads === 1 ? '' : 's'})`;
			if (found) {
				const lagMs = reads === 1 ? 0 : sentAt - since;
				this.lagMs = Math.max(this.lagMs, lagMs);
				this.learned.readAfterWriteLagMs = this.lagMs;
				this.record({ step, sent, status: 200, meaning: lagMs === 0 ? 'Found at once' : `Found ${lagMs} ms after the create's answer` });
				return found;
			}
			const waited = Date.now() - since;
			if (waited >= READ_WAIT_MS) {
				this.record({ step, sent, status: 404, meaning: `Not found ${waited} ms after the create's answer` });
				throw this.stop(`K2 did not show the new ${type} to reads within ${READ_WAIT_MS / 1000} s`);
			}
			await sleep(waited < 2000 ? 100 : 500);
		}
	}

	/** Before a read that checks an update: K2 showed a create only after `lagMs`, an update may take as long. */
	private async readAfterWrite<T extends User | Group>(type: 'user' | 'group', throwaway: Throwaway): Promise<T> {
		if (this.lagMs > 0) await sleep(this.lagMs + LAG_MARGIN_MS);
		const step = `read ${type} ${throwaway.name}`;
		const collection = type === 'user' ? users : groups;
		const answer = await this.send(step, { resource: type, operation: 'get', id: throwaway.id }, async (options) => await collection.get(this.ctx, throwaway.id!, options));
		if (answer.refused) throw this.stop(`K2 refused to read the ${type} ${throwaway.name}`);
		return answer.value as T;
	}

	/** Which attributes the node writes K2 kept (read back after the create, checked again after the PUT). */
	private attributes(after: 'create' | 'PUT', wanted: UserFields, read: ScimUser, sent: string): void {
		const { kept, notKept } = keptAttributes(wanted, read);
		if (after === 'create') {
			this.kept = kept;
			this.notKept = notKept;
		}
		this.record({
			step: `attributes kept after the ${after}`,
			sent,
			status: 200,
			meaning:
				notKept.length === 0
					? `K2 kept all ${kept.length} attributes written`
					: `K2 kept ${kept.map(attributeLabel).join(', ') || 'none'}; not ${notKept.map(attributeLabel).join(', ')}`,
		});
		if (after === 'PUT') {
			const unchanged = notKept.filter((path) => this.kept.includes(path));
			if (unchanged.length > 0) this.warnings.push(`K2 answered the PUT, but did not change: ${unchanged.map(attributeLabel).join(', ')}.`);
		}
	}

	private async filters(user: Throwaway, second: Throwaway): Promise<void> {
		const rand = this.base.slice('k2-scim-check-'.length);
		const both = [user.id!, second.id!].sort();
		// One filter per operator, each using that operator alone (and, or, not around eq).
		const probes: Array<[FilterOperator, string, string[] | undefined]> = [
			['eq', eq('userName', user.name), [user.id!]],
			['ne', `userName ne "${escapeFilterValue(user.name)}"`, undefined],
			['co', `userName co "${escapeFilterValue(rand)}"`, both],
			['sw', `userName sw "${escapeFilterValue(this.base)}"`, both],
			['ew', `userName ew "${escapeFilterValue(`${rand}-2${MAIL_DOMAIN}`)}"`, [second.id!]],
			['gt', `userName gt "${escapeFilterValue(user.name)}"`, undefined],
			['ge', `userName ge "${escapeFilterValue(user.name)}"`, undefined],
			['lt', `userName lt "${escapeFilterValue(second.name)}"`, undefined],
			['le', `userName le "${escapeFilterValue(second.name)}"`, undefined],
			['pr', 'externalId pr', undefined],
			['and', and(eq('userName', user.name), eq('externalId', this.base)), [user.id!]],
			['or', or(eq('userName', user.name), eq('userName', second.name)), both],
			['not', `not (${eq('userName', user.name)})`, undefined],
		];
		const accepted: FilterOperator[] = [];
		for (const [operator, filter, expected] of probes) {
			const step = `filter ${operator}`;
			const sent = `GET /Users?filter=${filter}&count=2`;
			const answer = await this.send(step, { resource: 'user', operation: 'getMany' }, async (options) => await users.page(this.ctx, { filter, count: 2 }, options), UNSUPPORTED);
			if (answer.refused) {
				this.record({ step, sent, status: answer.refused.status, meaning: `Refused (${described(answer.refused)})` });
				continue;
			}
			accepted.push(operator);
			const ids = idsOf(answer.value).sort();
			const right = expected === undefined || (ids.length === expected.length && ids.every((id, i) => id === expected[i]));
			this.record({ step, sent, status: answer.status, meaning: right ? 'Accepted' : `Accepted, but answered ${ids.length} user(s) other than the ${expected!.length} it asks for` });
			if (!right) this.warnings.push(`K2 accepted the filter operator ${operator} but answered other users than it asks for.`);
		}
		this.learned.filterOperators = FILTER_OPERATORS.filter((operator) => accepted.includes(operator));
	}

	/**
	 * Two pages of one, filtered to the two throwaway users when K2 accepts a filter that finds both
	 * (sw, else or); unfiltered otherwise (the tenant then holds at least those two).
	 */
	private async paging(user: Throwaway, second: Throwaway): Promise<void> {
		const operators = this.learned.filterOperators ?? [];
		const filter = operators.includes('sw')
			? `userName sw "${escapeFilterValue(this.base)}"`
			: operators.includes('or')
				? or(eq('userName', user.name), eq('userName', second.name))
				: undefined;
		const read = async (startIndex: number): Promise<PageRead> => {
			const step = `page ${startIndex}`;
			const answer = await this.send(step, { resource: 'user', operation: 'getMany' }, async (options) => await users.page(this.ctx, { startIndex, count: 1, ...(filter ? { filter } : {}) }, options));
			if (answer.refused) throw this.stop('K2 refused a list page');
			const page = { ids: idsOf(answer.value), totalResults: answer.value.totalResults };
			this.record({
				step,
				sent: `GET /Users?startIndex=${startIndex}&count=1${filter ? `&filter=${filter}` : ' (no filter K2 accepts finds both throwaway users)'}`,
				status: answer.status,
				meaning: `${page.ids.length} user(s) (${page.ids.join(', ') || 'none'}), totalResults ${page.totalResults ?? 'absent'}`,
			});
			return page;
		};
		const first = await read(1);
		const next = await read(2);
		const paging = pagingOf(first, next, filter ? 2 : undefined);
		Object.assign(this.learned, paging);
		this.record({
			step: 'paging',
			sent: 'the two pages above',
			status: null,
			meaning: [
				paging.startIndex === 'honoured' ? 'startIndex is honoured' : paging.startIndex === 'ignored' ? 'startIndex is ignored: page 2 starts at the first user' : 'startIndex: cannot tell (a page was empty)',
				paging.totalResults === 'all' ? 'totalResults counts every match' : paging.totalResults === 'page' ? 'totalResults counts only the page' : 'totalResults: cannot tell',
				first.ids.length > 1 ? 'K2 ignored count=1' : '',
			]
				.filter(Boolean)
				.join('; '),
		});
	}

	private async patch(user: Throwaway, current: User): Promise<void> {
		const step = 'PATCH the user';
		const displayName = `${this.base} patched`;
		const operations = userPatchOperations(current, { displayName });
		const answer = await this.send(step, { resource: 'user', operation: 'update', userName: user.name }, async (options) => await users.patch(this.ctx, user.id!, operations, options), UNSUPPORTED);
		const sent = `PATCH /Users/${user.id} replace displayName`;
		if (answer.refused) {
			this.record({ step, sent, status: answer.refused.status, meaning: `Refused (${described(answer.refused)})` });
			this.warnings.push(`K2 refused a PATCH that replaces displayName (${described(answer.refused)}).`);
			return;
		}
		this.learned.patchAnswer = answer.value ? '200' : '204';
		this.record({ step, sent, status: answer.status, meaning: answer.value ? 'Answered with the resource' : 'Answered without a body' });
		if (!this.kept.includes('displayName')) return;
		const read = await this.readAfterWrite<User>('user', user);
		const applied = read.displayName === displayName;
		this.record({ step: 'PATCH applied', sent: `GET /Users/${user.id}`, status: 200, meaning: applied ? 'The new displayName is there' : 'displayName is unchanged' });
		if (!applied) this.warnings.push('K2 answered the PATCH, but the user\'s displayName did not change.');
	}

	private async put(user: Throwaway, second: Throwaway): Promise<void> {
		const step = 'PUT the user';
		const fields = this.allFields(second.id!, ' 2');
		const answer = await this.send(step, { resource: 'user', operation: 'replace', userName: user.name }, async (options) => await users.replace(this.ctx, user.id!, toScimUser(fields), options), UNSUPPORTED);
		const sent = `PUT /Users/${user.id} every attribute the node writes, new values`;
		if (answer.refused) {
			this.record({ step, sent, status: answer.refused.status, meaning: `Refused (${described(answer.refused)})` });
			this.warnings.push(`K2 refused a PUT of a user (${described(answer.refused)}).`);
			return;
		}
		this.record({ step, sent, status: answer.status, meaning: 'Replaced' });
		this.attributes('PUT', fields, await this.readAfterWrite<User>('user', user), `GET /Users/${user.id}`);
	}

	private async membership(user: Throwaway): Promise<void> {
		const group: Throwaway = { type: 'group', name: this.base };
		this.throwaways.push(group);
		const created = await this.send(`create group ${group.name}`, { resource: 'group', operation: 'create', displayName: group.name }, async (options) =>
			await groups.create(this.ctx, toScimGroup({ displayName: group.name, externalId: group.name }), {
				...options,
				findExisting: async () => await findGroupByDisplayName(this.ctx, group.name, 'create'),
			}),
		);
		if (created.refused) throw this.stop(`K2 refused to create the group ${group.name}`);
		group.id = String(created.value.id);
		this.record({ step: `create group ${group.name}`, sent: `POST /Groups displayName "${group.name}", externalId`, status: created.status, meaning: `Created (id ${group.id})` });
		const read = await this.waitUntilVisible<Group>('group', group);
		if (read.displayName !== group.name) this.warnings.push('K2 did not keep the group\'s displayName as written.');
		this.groupExternalIdKept = read.externalId === group.name;
		if (!this.groupExternalIdKept) {
			this.warnings.push('K2 did not keep the group\'s External ID: Group > Create or Update leaves it out of its comparison (and reports the External ID K2 holds).');
		}

		const change = async (what: 'add' | 'remove', request: PatchRequest): Promise<boolean | undefined> => {
			const step = `${what} a member`;
			const answer = await this.send(step, { resource: 'group', operation: what === 'add' ? 'addMembers' : 'removeMembers', displayName: group.name }, async (options) => await groups.patch(this.ctx, group.id!, request, options), UNSUPPORTED);
			const sent = `PATCH /Groups/${group.id} ${what === 'add' ? 'add members [{value}]' : 'remove members[value eq "…"]'}`;
			const thenRead = `${sent}, then GET /Groups/${group.id}`;
			if (answer.refused) {
				this.record({ step, sent, status: answer.refused.status, meaning: `Refused (${described(answer.refused)})` });
				this.warnings.push(`K2 refused to ${what} a group member by PATCH (${described(answer.refused)}).`);
				return undefined;
			}
			const members = (await this.readAfterWrite<Group>('group', group)).members ?? [];
			const isMember = members.some((member) => member.value === user.id);
			this.record({ step, sent: thenRead, status: answer.status, meaning: `${answer.value ? 'Answered with the group' : 'Answered without a body'}; the user is ${isMember ? '' : 'not '}a member on the next read` });
			return isMember;
		};
		const added = await change('add', memberPatchRequests(group.id, [user.id!], [])[0]);
		if (added === undefined) return;
		this.membersKept = added;
		if (!added) this.warnings.push('K2 answered the member PATCH, but the group showed no such member on the next read.');
		const stillMember = await change('remove', memberPatchRequests(group.id, [], [user.id!])[0]);
		if (stillMember === true) this.warnings.push('K2 answered the PATCH that removes a member, but the user was still a member on the next read.');
	}

	/** DELETE, then a create with the same userName: 201 means K2 deleted it, 409 that the name is still taken. */
	private async deleteAndCreateAgain(user: Throwaway): Promise<void> {
		const deleted = await this.send('DELETE the user', { resource: 'user', operation: 'delete', userName: user.name }, async (options) => await users.delete(this.ctx, user.id!, options));
		if (deleted.refused) throw this.stop('K2 refused to delete the user');
		user.gone = true;
		this.record({ step: 'DELETE the user', sent: `DELETE /Users/${user.id}`, status: deleted.status, meaning: 'Deleted' });

		const again: Throwaway = { type: 'user', name: user.name };
		this.throwaways.push(again);
		const step = 'create the deleted user again';
		const answer = await this.send(step, { resource: 'user', operation: 'create', userName: user.name }, async (options) => await users.create(this.ctx, toScimUser({ userName: user.name }), options), (status) => status === 409);
		const sent = `POST /Users userName "${user.name}" (the deleted user's)`;
		if (answer.refused) {
			again.gone = true;
			this.learned.deleteMode = 'soft';
			this.record({ step, sent, status: answer.refused.status, meaning: 'The userName is still taken: K2 deletes softly' });
			return;
		}
		again.id = String(answer.value.id);
		this.learned.deleteMode = 'hard';
		this.record({ step, sent, status: answer.status, meaning: `Created (id ${again.id}): K2 deleted the user for good` });
	}

	/** Removes every throwaway resource left, the group first; never throws. */
	private async cleanUp(): Promise<IDataObject> {
		const removed: IDataObject[] = [];
		const notRemoved: IDataObject[] = [];
		const left = this.throwaways.filter((t) => !t.gone).sort((a, b) => (a.type === b.type ? 0 : a.type === 'group' ? -1 : 1));
		for (const throwaway of left) {
			const collection = throwaway.type === 'user' ? users : groups;
			const path = throwaway.type === 'user' ? 'Users' : 'Groups';
			const context: ScimErrorContext = { resource: throwaway.type, operation: 'delete', id: throwaway.id };
			try {
				if (throwaway.id === undefined) {
					// Its create failed: it may have landed anyway (an answer lost on the way back).
					const found =
						throwaway.type === 'user'
							? await findUser(this.ctx, 'userName', throwaway.name, 'delete', this.itemIndex)
							: await findGroupByDisplayName(this.ctx, throwaway.name, 'delete');
					if (!found) continue;
					throwaway.id = String(found.id);
				}
				let status: number | null = null;
				await collection.delete(this.ctx, throwaway.id, this.options(context, (s) => (status = s)));
				this.record({ step: `clean up ${throwaway.type} ${throwaway.name}`, sent: `DELETE /${path}/${throwaway.id}`, status, meaning: 'Deleted' });
				removed.push({ type: throwaway.type, id: throwaway.id, name: throwaway.name });
			} catch (error) {
				if (statusOf(error) === 404 && throwaway.id !== undefined) {
					removed.push({ type: throwaway.type, id: throwaway.id, name: throwaway.name, note: 'already gone (404)' });
					continue;
				}
				const reason = error instanceof Error ? error.message : String(error);
				notRemoved.push({ type: throwaway.type, id: throwaway.id ?? null, name: throwaway.name, reason });
				this.warnings.push(
					`Could not remove the throwaway ${throwaway.type} "${throwaway.name}"${throwaway.id ? ` (id ${throwaway.id})` : ''}: ${reason}. Delete it in K2.`,
				);
			}
		}
		return { removed, notRemoved };
	}
}
