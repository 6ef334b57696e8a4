/**
 * K2's SCIM resources as calls: `users.get(ctx, id, options)`, `groups.patch(...)`. Paths, the
 * encoding of IDs, typed bodies and answers live here once, so that operations read as intent.
 * Every call goes through scimRequest (retries, redaction, errors) or listResources (paging).
 */
import type { IDataObject, NodeApiError } from 'n8n-workflow';

import type { PatchOperation, PatchRequest, ScimGroup, ScimListResponse, ScimUser } from '../scim/schemas';
import { patchRequest } from '../scim/user';
import { scimRequest } from './index';
import type { ScimContext, ScimRequestOptions } from './index';
import { noteOwnWrite } from './ownWrites';
import { listResources } from './paging';
import type { ListQuery } from './paging';

/** A user as K2 answers it: SCIM-typed, and JSON that an n8n item may carry as it is. */
export type User = ScimUser & IDataObject;
/** A group as K2 answers it: SCIM-typed, and JSON that an n8n item may carry as it is. */
export type Group = ScimGroup & IDataObject;

/** The query of one list page; keys go out in the order given. */
export interface PageQuery {
	startIndex?: number;
	count?: number;
	filter?: string;
	attributes?: string;
	excludedAttributes?: string;
}

/** What `find` may add to its filter; keys go out in the order given. */
export type FindQuery = Pick<PageQuery, 'count' | 'attributes' | 'excludedAttributes'>;

function resource<T extends ScimUser | ScimGroup>(collection: '/Users' | '/Groups') {
	type Answer = T & IDataObject;
	// Every accepted write is remembered in this process, for the trigger's "Ignore Own Changes".
	const kind = collection === '/Users' ? 'user' : 'group';
	const noted = <A extends Answer | undefined>(id: string | undefined, answer: A): A => {
		noteOwnWrite(kind, id ?? answer?.id, answer?.meta?.lastModified);
		return answer;
	};
	// An ID is one path segment: encoded, so `a/b` or `?x` cannot change the request's path.
	const one = (id: string) => `${collection}/${encodeURIComponent(id)}`;
	const get = async (ctx: ScimContext, id: string, options: ScimRequestOptions): Promise<Answer> =>
		await scimRequest<Answer>(ctx, { method: 'GET', path: one(id) }, options);
	const page = async (ctx: ScimContext, query: PageQuery, options: ScimRequestOptions): Promise<ScimListResponse<Answer>> =>
		await scimRequest<ScimListResponse<Answer>>(ctx, { method: 'GET', path: collection, qs: { ...query } }, options);
	return {
		get,

		/** One list page as K2 answers it (totalResults, startIndex, Resources). */
		page,

		/**
		 * One list page with another SCIM token in the path, the same access token: how K2 answers a
		 * wrong SCIM token (Connection > Check's Test Writes). A 401 comes back as it is, unrefreshed.
		 */
		async pageWithScimToken(ctx: ScimContext, scimToken: string, query: PageQuery, options: ScimRequestOptions): Promise<ScimListResponse<Answer>> {
			return await scimRequest<ScimListResponse<Answer>>(ctx, { method: 'GET', path: collection, qs: { ...query }, otherScimToken: scimToken }, options);
		},

		/** The resource, or undefined when K2 answers 404 (an ID that names no such resource). */
		async getIfExists(ctx: ScimContext, id: string, options: ScimRequestOptions): Promise<Answer | undefined> {
			return await get(ctx, id, options).catch((error: NodeApiError) => {
				if (error.httpCode === '404') return undefined;
				throw error;
			});
		},

		/** Every resource (or up to `query.limit`), paged at K2's 100 per page. */
		async list(ctx: ScimContext, query: ListQuery, options: ScimRequestOptions): Promise<Answer[]> {
			// The transport checked each entry is an object with a text id: the one cast to the resource type.
			return (await listResources(ctx, collection, query, options)) as Answer[];
		},

		/** The Resources of the first page matching `filter` (none when the answer has no Resources). */
		async find(ctx: ScimContext, filter: string, query: FindQuery, options: ScimRequestOptions): Promise<Answer[]> {
			return (await page(ctx, { filter, ...query }, options)).Resources ?? [];
		},

		/** POST. `options.findExisting` looks the resource up before a re-send: a lost answer makes no duplicate. */
		async create(ctx: ScimContext, body: T, options: ScimRequestOptions): Promise<Answer> {
			const created = await scimRequest<Answer>(ctx, { method: 'POST', path: collection, body }, options);
			return noted(undefined, created);
		},

		/** PUT: the whole resource; attributes left out are removed. */
		async replace(ctx: ScimContext, id: string, body: T, options: ScimRequestOptions): Promise<Answer> {
			return noted(id, await scimRequest<Answer>(ctx, { method: 'PUT', path: one(id), body }, options));
		},

		/** PATCH. Undefined when K2 answers 204 or an empty object instead of the resource. */
		async patch(
			ctx: ScimContext,
			id: string,
			patch: PatchOperation[] | PatchRequest,
			options: ScimRequestOptions,
		): Promise<Answer | undefined> {
			const body = Array.isArray(patch) ? patchRequest(patch) : patch;
			return noted(id, await scimRequest<Answer | undefined>(ctx, { method: 'PATCH', path: one(id), body }, options));
		},

		async delete(ctx: ScimContext, id: string, options: ScimRequestOptions): Promise<void> {
			await scimRequest<undefined>(ctx, { method: 'DELETE', path: one(id) }, options);
			noted(id, undefined);
		},
	};
}

export const users = resource<ScimUser>('/Users');
export const groups = resource<ScimGroup>('/Groups');
