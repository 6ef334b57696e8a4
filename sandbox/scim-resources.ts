// Users and Groups endpoints with K2's behaviour: pages of at most 100, at most 100 group
// members on reads, 409 uniqueness on userName / displayName, SCIM errors with scimType.
// SCIMMY does the schema work (input validation and coercion, PatchOp); the store and our
// filter matcher do the lookups, so a list page never builds 10k SCIMMY instances.
import express, { Router } from 'express';
import type { Request, Response, NextFunction } from 'express';
import SCIMMY from 'scimmy';
import { ConflictError, ScimStore, ScimRecord, ResourceType } from './store';
import { parseFilter, simpleEquality, matches } from './filter-fix';
import { scimError } from './scim-errors';
import type { K2Profile } from './profile';

/** K2: "A GET returns at most 100 items; a group read returns at most 100 members." */
export const MAX_PAGE = 100;
export const MAX_MEMBERS_ON_READ = 100;

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let scimmyReady = false;
/** SCIMMY's resource registry is process-global: declare once, whatever the number of sandboxes. */
export function initScimmy(): void {
	if (scimmyReady) return;
	const { Resources, Schemas } = SCIMMY;
	if (!Resources.declared(Resources.User)) Resources.declare(Resources.User.extend(Schemas.EnterpriseUser, false));
	if (!Resources.declared(Resources.Group)) Resources.declare(Resources.Group);
	scimmyReady = true;
}

type SchemaClass = typeof SCIMMY.Schemas.User | typeof SCIMMY.Schemas.Group;
const schemaOf = (type: ResourceType): SchemaClass => (type === 'User' ? SCIMMY.Schemas.User : SCIMMY.Schemas.Group);
const endpointOf = (type: ResourceType) => (type === 'User' ? 'Users' : 'Groups');

/** Validate and coerce a request body with SCIMMY's schema; returns plain JSON attributes. */
function validateIn(type: ResourceType, body: unknown, method: string): Record<string, unknown> {
	if (body === undefined || body === null || (typeof body === 'object' && !Object.keys(body).length && method !== 'PATCH'))
		throw scimError(400, 'invalidSyntax', `Missing request body payload for ${method} operation`);
	if (typeof body !== 'object' || Array.isArray(body))
		throw scimError(400, 'invalidSyntax', `Operation ${method} expected request body payload to be single complex value`);
	try {
		const Schema = schemaOf(type);
		return JSON.parse(JSON.stringify(new Schema(body as Record<string, unknown>, 'in')));
	} catch (ex) {
		if (ex instanceof SCIMMY.Types.Error) throw ex;
		throw scimError(400, 'invalidValue', (ex as Error).message);
	}
}

/** Group members must reference existing users (or groups); fill `display` and `type` like K2 would. */
function checkMembers(store: ScimStore, attrs: Record<string, unknown>): void {
	const members = attrs.members as Array<Record<string, unknown>> | undefined;
	if (!members) return;
	const seen = new Set<string>();
	const out: Array<Record<string, unknown>> = [];
	for (const m of members) {
		const id = String(m.value ?? '');
		if (seen.has(id)) continue;
		seen.add(id);
		const user = store.get('User', id);
		const group = user ? undefined : store.get('Group', id);
		if (!user && !group) throw scimError(400, 'invalidValue', `Member ${id} does not exist`);
		out.push({
			value: id,
			display: m.display ?? (user ? (user.displayName ?? user.userName) : group!.displayName),
			type: user ? 'User' : 'Group',
		});
	}
	attrs.members = out;
}

// --- attribute projection (attributes / excludedAttributes) ---------------------------------

function keyOf(obj: Record<string, unknown>, name: string): string | undefined {
	const lower = name.toLowerCase();
	return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/** "urn:...:core:2.0:User:name.givenName" -> ["name","givenName"]; extension URNs stay one segment. */
function splitPath(type: ResourceType, rec: Record<string, unknown>, attr: string): string[] {
	const a = attr.trim();
	if (a.toLowerCase().startsWith('urn:')) {
		const ext = Object.keys(rec).find((k) => k.startsWith('urn:') && (a.toLowerCase() === k.toLowerCase() || a.toLowerCase().startsWith(k.toLowerCase() + ':')));
		if (ext) return a.length === ext.length ? [ext] : [ext, ...a.slice(ext.length + 1).split('.')];
		const core = `urn:ietf:params:scim:schemas:core:2.0:${type}:`;
		if (a.toLowerCase().startsWith(core.toLowerCase())) return a.slice(core.length).split('.');
		return [a];
	}
	return a.split('.');
}

function copyPath(src: unknown, dst: Record<string, unknown>, parts: string[]): void {
	if (!src || typeof src !== 'object' || Array.isArray(src)) return;
	const key = keyOf(src as Record<string, unknown>, parts[0]);
	if (!key) return;
	const value = (src as Record<string, unknown>)[key];
	if (parts.length === 1) {
		dst[key] = value;
	} else if (Array.isArray(value)) {
		const prev = (dst[key] as Array<Record<string, unknown>> | undefined) ?? value.map(() => ({}));
		value.forEach((el, i) => copyPath(el, prev[i], parts.slice(1)));
		dst[key] = prev;
	} else if (value && typeof value === 'object') {
		const sub = (dst[key] as Record<string, unknown> | undefined) ?? {};
		copyPath(value, sub, parts.slice(1));
		dst[key] = sub;
	}
}

function deletePath(obj: unknown, parts: string[]): void {
	if (!obj || typeof obj !== 'object') return;
	if (Array.isArray(obj)) return obj.forEach((el) => deletePath(el, parts));
	const key = keyOf(obj as Record<string, unknown>, parts[0]);
	if (!key) return;
	if (parts.length === 1) delete (obj as Record<string, unknown>)[key];
	else deletePath((obj as Record<string, unknown>)[key], parts.slice(1));
}

/** A storedAttributes entry for one resource type: `User:title` and `Group:externalId` apply to that type only, a bare name to both. */
export function storedFor(type: ResourceType, entry: string): string | undefined {
	const qualified = /^(user|group):(.+)$/i.exec(entry.trim());
	if (!qualified) return entry;
	return qualified[1].toLowerCase() === type.toLowerCase() ? qualified[2] : undefined;
}

/**
 * The profile's `storedAttributes`: what K2 keeps of a write, the rest dropped without an error.
 * `id`, `schemas` and `meta` always stay; an extension left out entirely leaves `schemas` too.
 */
function keepStored(type: ResourceType, attrs: Record<string, unknown>, stored: string[] | undefined): Record<string, unknown> {
	if (!stored) return attrs;
	const out: Record<string, unknown> = {};
	for (const always of ['schemas', 'id', 'meta']) if (attrs[always] !== undefined) out[always] = attrs[always];
	for (const entry of stored) {
		const a = storedFor(type, entry);
		if (a !== undefined) copyPath(attrs, out, splitPath(type, attrs, a));
	}
	if (Array.isArray(attrs.schemas))
		out.schemas = attrs.schemas.filter((urn: string) => !(urn in attrs) || urn in out);
	return out;
}

interface Projection {
	attributes?: string[];
	excluded?: string[];
}

function parseProjection(q: Request['query']): Projection {
	const list = (v: unknown, name: string) => {
		if (v === undefined) return undefined;
		if (typeof v !== 'string' || !v.trim()) throw scimError(400, 'invalidValue', `Expected ${name} to be a comma-separated list`);
		return v.split(',').map((s) => s.trim()).filter(Boolean);
	};
	return { attributes: list(q.attributes, 'attributes'), excluded: list(q.excludedAttributes, 'excludedAttributes') };
}

function project(type: ResourceType, rec: Record<string, unknown>, p: Projection): Record<string, unknown> {
	if (p.attributes) {
		// id and schemas are returned always (RFC 7643 "returned: always").
		const out: Record<string, unknown> = { schemas: rec.schemas, id: rec.id };
		for (const a of p.attributes) copyPath(rec, out, splitPath(type, rec, a));
		return out;
	}
	if (p.excluded) {
		const out = structuredClone(rec);
		for (const a of p.excluded) {
			const parts = splitPath(type, rec, a);
			if (parts.length === 1 && /^(id|schemas)$/i.test(parts[0])) continue;
			deletePath(out, parts);
		}
		return out;
	}
	return rec;
}

// --- routes --------------------------------------------------------------------------------

export interface ResourceRouterOptions {
	store: ScimStore;
	/** Absolute URL of the SCIM root for this tenant, e.g. http://127.0.0.1:7602/tokens/<token>/scim/v2 */
	scimRoot: string;
	/** Whether User reads carry the read-only `groups` attribute (K2's behaviour is not documented). */
	usersListGroups: () => boolean;
	/** One switch of the K2 profile in force (sandbox/profile.ts), read per request. */
	profile: <K extends keyof K2Profile>(field: K) => K2Profile[K];
}

export function resourceRouter({ store, scimRoot, usersListGroups, profile }: ResourceRouterOptions): Router {
	initScimmy();
	const router = Router({ mergeParams: true });
	router.use(express.json({ type: ['application/scim+json', 'application/json', '*/*+json'], limit: '50mb' }));

	const locationOf = (type: ResourceType, id: string) => `${scimRoot}/${endpointOf(type)}/${id}`;

	/** What a read returns: location added, members capped at 100, attributes projected. */
	const render = (type: ResourceType, rec: ScimRecord, p: Projection = {}) => {
		const out: Record<string, unknown> = { ...rec, meta: { ...rec.meta, location: locationOf(type, rec.id) } };
		if (Array.isArray(out.members) && out.members.length > MAX_MEMBERS_ON_READ) out.members = out.members.slice(0, MAX_MEMBERS_ON_READ);
		if (type === 'User' && usersListGroups()) {
			const groups = store.groupsOf(rec.id);
			if (groups.length) out.groups = groups;
		}
		return project(type, out, p);
	};

	const send = (res: Response, status: number, body?: unknown) => {
		res.status(status).type('application/scim+json');
		if (body === undefined) return res.end();
		return res.send(JSON.stringify(body));
	};

	const found = (rec: ScimRecord | undefined, id: string): ScimRecord => {
		if (!rec) throw scimError(404, undefined, `Resource ${id} not found`);
		return rec;
	};
	/** For writes: the real state. */
	const mustGet = (type: ResourceType, id: string) => found(store.get(type, id), id);
	/** For reads: what a read sees (an older state within the read-after-write lag). */
	const mustRead = (type: ResourceType, id: string) => found(store.read(type, id), id);
	/** A write body as K2 would store it: validated, members checked, only the stored attributes. */
	const toStore = (type: ResourceType, body: unknown, method: string): Record<string, unknown> => {
		const attrs = validateIn(type, body, method);
		if (type === 'Group') checkMembers(store, attrs);
		return keepStored(type, attrs, profile('storedAttributes'));
	};

	const intParam = (v: unknown, name: string): number | undefined => {
		if (v === undefined || v === '') return undefined;
		if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw scimError(400, 'invalidValue', `Expected ${name} to be an integer`);
		return Number(v);
	};

	for (const type of ['User', 'Group'] as const) {
		const base = `/${endpointOf(type)}`;
		const wrap = (fn: (req: Request, res: Response) => unknown) => (req: Request, res: Response, next: NextFunction) => {
			Promise.resolve().then(() => fn(req, res)).catch(next);
		};

		router.get(base, wrap((req, res) => {
			const p = parseProjection(req.query);
			const asked = Math.max(intParam(req.query.startIndex, 'startIndex') ?? 1, 1);
			const startIndex = profile('startIndex') === 'ignored' ? 1 : asked;
			const count = Math.min(Math.max(intParam(req.query.count, 'count') ?? MAX_PAGE, 0), MAX_PAGE);
			let matched: ScimRecord[];
			if (req.query.filter !== undefined) {
				if (typeof req.query.filter !== 'string') throw scimError(400, 'invalidFilter', 'Expected filter to be a single string');
				const filter = parseFilter(req.query.filter);
				const eq = simpleEquality(filter);
				matched = (eq && store.lookup(type, eq.attr, eq.value)) || [...store.all(type)].filter((r) => matches(filter, r));
			} else {
				matched = [...store.all(type)];
			}
			const page = matched.slice(startIndex - 1, startIndex - 1 + count);
			send(res, 200, {
				schemas: [LIST_RESPONSE],
				totalResults: profile('totalResults') === 'page' ? page.length : matched.length,
				startIndex,
				itemsPerPage: page.length,
				Resources: page.map((r) => render(type, r, p)),
			});
		}));

		router.get(`${base}/:id`, wrap((req, res) => {
			const rec = mustRead(type, req.params.id);
			res.setHeader('ETag', rec.meta.version);
			send(res, 200, render(type, rec, parseProjection(req.query)));
		}));

		router.post(base, wrap((req, res) => {
			const rec = store.create(type, toStore(type, req.body, 'POST'));
			res.setHeader('Location', locationOf(type, rec.id));
			res.setHeader('ETag', rec.meta.version);
			send(res, 201, render(type, rec, parseProjection(req.query)));
		}));

		router.put(`${base}/:id`, wrap((req, res) => {
			mustGet(type, req.params.id);
			const rec = store.replace(type, req.params.id, toStore(type, req.body, 'PUT'));
			res.setHeader('ETag', rec.meta.version);
			send(res, 200, render(type, rec, parseProjection(req.query)));
		}));

		router.patch(`${base}/:id`, wrap(async (req, res) => {
			const id = req.params.id;
			const existing = mustGet(type, id);
			const body = req.body;
			if (!body || typeof body !== 'object' || Array.isArray(body))
				throw scimError(400, 'invalidSyntax', 'PatchOp request expected message body to be single complex value');
			const Schema = schemaOf(type);
			let message: InstanceType<typeof SCIMMY.Messages.PatchOp>;
			try {
				message = new SCIMMY.Messages.PatchOp(body);
			} catch (ex) {
				if (ex instanceof SCIMMY.Types.Error) throw ex;
				throw scimError(400, 'invalidSyntax', (ex as Error).message);
			}
			let saved: ScimRecord = existing;
			// SCIMMY wraps errors thrown by the write handler; keep a uniqueness conflict a 409.
			let conflict: ConflictError | undefined;
			try {
				// The patch is applied to the full resource (all members), not to the capped read view.
				await message.apply(new Schema(existing, 'out', locationOf(type, '').slice(0, -1)), async (instance: unknown) => {
					const attrs = toStore(type, JSON.parse(JSON.stringify(instance)), 'PATCH');
					try {
						saved = store.replace(type, id, attrs);
					} catch (ex) {
						if (ex instanceof ConflictError) conflict = ex;
						throw ex;
					}
					return saved;
				});
			} catch (ex) {
				if (conflict) throw conflict;
				if (ex instanceof SCIMMY.Types.Error || (ex as { status?: number }).status) throw ex;
				throw scimError(400, 'invalidValue', (ex as Error).message);
			}
			res.setHeader('ETag', saved.meta.version);
			// 200 with the resource by default; RFC 7644 also allows 204 without a body (no Content-Type either).
			if (profile('patchAnswer') === '204') return void res.status(204).end();
			send(res, 200, render(type, saved, parseProjection(req.query)));
		}));

		router.delete(`${base}/:id`, wrap((req, res) => {
			mustGet(type, req.params.id);
			store.delete(type, req.params.id, { soft: profile('deleteMode') === 'soft' });
			send(res, 204);
		}));
	}

	return router;
}

export { ENTERPRISE };
