// The scim.onk2.com stand-in: /tokens/<scimToken>/scim/v2/... behind a bearer check, plus the
// token-less /scim/v2/ServiceProviderConfig, plus /_sandbox/ control endpoints for tests and
// benchmarks (never faulted, never delayed, no auth: loopback dev tool only).
import http from 'node:http';
import https from 'node:https';

import type { SandboxTls } from './tls';
import express, { Router } from 'express';
import type { Request, Response, NextFunction } from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { ScimStore } from './store';
import { Knobs, parseFaultKinds } from './faults';
import { resourceRouter, initScimmy, MAX_PAGE } from './scim-resources';
import { filterOperators } from './filter-fix';
import { scimErrorHandler, sendScimError } from './scim-errors';
import type { AuthResult } from './auth';

export interface ScimServerOptions {
	/** Serve over HTTPS with this certificate (sandbox/tls.ts). */
	tls?: SandboxTls;
	host: string;
	port: number;
	scimToken: string;
	store: ScimStore;
	knobs: Knobs;
	verify: (authorization: string | undefined) => AuthResult;
	requiredScope: string;
	log: (msg: string) => void;
	quiet: boolean;
}

export interface ScimServer {
	server: http.Server;
	baseUrl: string;
}

/** The SCIM token is a secret that sits in URL paths: keep it out of every log line. */
export function redactToken(text: string, token: string): string {
	return text.split(token).join('***').replace(/\/tokens\/[^/?\s]+/gi, '/tokens/***');
}

function configureServiceProvider(): void {
	// After SCIMMYRouters' constructor, which sets its own defaults. K2 has no bulk, no sort.
	SCIMMY.Config.set({
		documentationUri: 'https://help.nintex.com/en-US/k2cloud/',
		patch: { supported: true },
		filter: { supported: true, maxResults: MAX_PAGE },
		bulk: { supported: false },
		sort: { supported: false },
		changePassword: { supported: false },
		etag: { supported: false },
	});
}

export async function startScim(opts: ScimServerOptions): Promise<ScimServer> {
	initScimmy();
	const app = express();
	app.disable('x-powered-by');
	const server = opts.tls ? (https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, app) as unknown as http.Server) : http.createServer(app);
	server.on('connection', () => opts.knobs.countConnection());
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.port, opts.host, () => resolve());
	});
	const { port } = server.address() as { port: number };
	const baseUrl = `${opts.tls ? 'https' : 'http'}://${opts.host}:${port}`;
	const scimRoot = `${baseUrl}/tokens/${opts.scimToken}/scim/v2`;
	const { knobs, store } = opts;

	if (!opts.quiet) {
		app.use((req, res, next) => {
			const started = Date.now();
			res.on('finish', () =>
				opts.log(redactToken(`${req.method} ${req.originalUrl} -> ${res.statusCode} (${Date.now() - started} ms)`, opts.scimToken)),
			);
			next();
		});
	}

	// --- control endpoints --------------------------------------------------------------
	const control = Router();
	control.use(express.json());
	control.get('/stats', (_req, res) => res.json(knobs.getStats()));
	control.post('/stats/reset', (_req, res) => {
		knobs.resetStats();
		res.json(knobs.getStats());
	});
	control.get('/faults', (_req, res) => res.json(knobs.faults));
	control.post('/faults', (req, res) => {
		try {
			const b = req.body ?? {};
			knobs.setFaults({
				rate: Number(b.rate ?? 0),
				kinds: parseFaultKinds(b.kinds),
				retryAfterSeconds: b.retryAfterSeconds === undefined ? undefined : Number(b.retryAfterSeconds),
				seed: b.seed === undefined ? undefined : Number(b.seed),
				only: Array.isArray(b.only) ? b.only.map(String) : undefined,
				limit: b.limit === undefined ? undefined : Number(b.limit),
				firstOf: Array.isArray(b.firstOf) ? b.firstOf.map(String) : undefined,
			});
			res.json(knobs.faults);
		} catch (ex) {
			res.status(400).json({ error: (ex as Error).message });
		}
	});
	control.get('/throttle', (_req, res) => res.json(knobs.throttle.settings));
	control.post('/throttle', (req, res) => {
		try {
			const b = req.body ?? {};
			const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v));
			knobs.throttle.set({ maxInFlight: num(b.maxInFlight), perSecond: num(b.perSecond), retryAfterSeconds: num(b.retryAfterSeconds) });
			res.json(knobs.throttle.settings);
		} catch (ex) {
			res.status(400).json({ error: (ex as Error).message });
		}
	});
	control.post('/latency', (req, res) => {
		try {
			knobs.setLatency(Number(req.body?.ms ?? req.body?.latencyMs ?? 0));
			res.json({ latencyMs: knobs.latencyMs });
		} catch (ex) {
			res.status(400).json({ error: (ex as Error).message });
		}
	});
	control.post('/filter-operators', (req, res) => {
		const operators = req.body?.operators;
		if (operators !== null && !(Array.isArray(operators) && operators.every((op: unknown) => typeof op === 'string'))) {
			return res.status(400).json({ error: 'operators: a list of filter operators, or null for all' });
		}
		knobs.setFilterOperators(operators ?? undefined);
		return res.json({ operators: knobs.filterOperators ?? null });
	});
	control.get('/profile', (_req, res) => res.json(knobs.profile));
	control.post('/profile', (req, res) => {
		try {
			knobs.setProfile(req.body);
			res.json(knobs.profile);
		} catch (ex) {
			res.status(400).json({ error: (ex as Error).message });
		}
	});
	control.post('/users-list-groups', (req, res) => {
		if (typeof req.body?.enabled !== 'boolean') return res.status(400).json({ error: 'enabled: true or false' });
		knobs.usersListGroups = req.body.enabled;
		return res.json({ enabled: knobs.usersListGroups });
	});
	control.post('/reset', (_req, res) => {
		store.reset();
		res.json({ users: 0, groups: 0 });
	});
	app.use('/_sandbox', control);

	// --- SCIM ---------------------------------------------------------------------------
	app.use(knobs.middleware());

	const authenticate = (req: Request, res: Response, next: NextFunction) => {
		const result = opts.verify(req.headers.authorization);
		if (result.ok) return next();
		// WWW-Authenticate with error="invalid_token" is what makes n8n refresh and retry.
		res.setHeader(
			'WWW-Authenticate',
			result.error === 'insufficient_scope'
				? `Bearer error="insufficient_scope", error_description="${result.description}", scope="${opts.requiredScope}"`
				: `Bearer error="invalid_token", error_description="${result.description}"`,
		);
		sendScimError(res, result.status, undefined, result.description);
	};

	// Discovery endpoints come from scimmy-routers. Auth is done before it, so its handler is a no-op.
	const discovery = new SCIMMYRouters({ type: 'bearer', handler: () => '', baseUri: () => baseUrl }) as unknown as Router;
	configureServiceProvider();

	// Token-less ServiceProviderConfig, as K2 serves it at {baseUrl}/scim/v2/ServiceProviderConfig.
	app.use('/scim/v2', authenticate, (req, res, next) => {
		if (!/^\/ServiceProviderConfig\/?$/i.test(req.path)) return sendScimError(res, 404, undefined, 'Endpoint Not Found');
		return discovery(req, res, next);
	});

	const tenant = Router({ mergeParams: true });
	tenant.use((req, res, next) => {
		const allowed = knobs.filterOperators;
		if (allowed === undefined || typeof req.query.filter !== 'string') return next();
		const unsupported = filterOperators(req.query.filter).filter((op) => !allowed.includes(op));
		if (unsupported.length === 0) return next();
		return sendScimError(res, 400, 'invalidFilter', `Filter operator ${unsupported.map((op) => `"${op}"`).join(', ')} is not supported`);
	});
	tenant.use(resourceRouter({ store, scimRoot, usersListGroups: () => knobs.usersListGroups, profile: (field) => knobs.get(field) }));
	tenant.use((req, res, next) => {
		if (/^\/(Schemas|ResourceTypes|ServiceProviderConfig)(\/|$)/i.test(req.path)) return discovery(req, res, next);
		return sendScimError(res, 404, undefined, 'Endpoint Not Found');
	});

	/** The profile's `wrongToken`: our 404 with a SCIM error, or ASP.NET's bare 401 challenge / 403 with an empty body. */
	const wrongToken = (res: Response) => {
		const status = knobs.get('wrongToken') ?? '404';
		if (status === '404') return sendScimError(res, 404, undefined, 'No SCIM endpoint for this token: check the SCIM Token');
		if (status === '401') res.setHeader('WWW-Authenticate', 'Bearer');
		return void res.status(Number(status)).end();
	};

	app.use('/tokens/:token/scim/v2', authenticate, (req, res, next) => {
		// Compared case-insensitively (it is a GUID); never echoed back.
		if (req.params.token.toLowerCase() !== opts.scimToken.toLowerCase()) return wrongToken(res);
		return tenant(req, res, next);
	});

	app.use((_req: Request, res: Response) => sendScimError(res, 404, undefined, 'Endpoint Not Found'));
	app.use(scimErrorHandler(opts.log));

	return { server, baseUrl };
}
