// SCIM error responses (RFC 7644 §3.12): one shape for everything the SCIM service rejects.
import type { Request, Response, NextFunction } from 'express';
import SCIMMY from 'scimmy';
import { ConflictError, NotFoundError } from './store';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export class ScimHttpError extends Error {
	constructor(
		readonly status: number,
		readonly scimType: string | undefined,
		detail: string,
	) {
		super(detail);
	}
}

export function scimError(status: number, scimType: string | undefined, detail: string): ScimHttpError {
	return new ScimHttpError(status, scimType, detail);
}

export function errorBody(status: number, scimType: string | undefined, detail: string) {
	return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

export function sendScimError(res: Response, status: number, scimType: string | undefined, detail: string): void {
	res.status(status).type('application/scim+json').send(JSON.stringify(errorBody(status, scimType, detail)));
}

/** Express error handler: maps our errors, SCIMMY's errors and body-parser errors to SCIM errors. */
export function scimErrorHandler(log: (msg: string) => void) {
	return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
		if (res.headersSent) return;
		const e = err as { status?: number; statusCode?: number; scimType?: string; type?: string; message?: string };
		if (err instanceof ConflictError) return sendScimError(res, 409, 'uniqueness', e.message!);
		if (err instanceof NotFoundError) return sendScimError(res, 404, undefined, e.message!);
		if (err instanceof ScimHttpError || err instanceof SCIMMY.Types.Error)
			return sendScimError(res, e.status ?? 400, e.scimType ?? undefined, e.message ?? 'Bad request');
		if (e.type === 'entity.parse.failed') return sendScimError(res, 400, 'invalidSyntax', 'Request body is not valid JSON');
		if (e.type === 'entity.too.large') return sendScimError(res, 413, undefined, 'Request body too large');
		log(`SCIM internal error: ${(err as Error)?.stack ?? String(err)}`);
		return sendScimError(res, 500, undefined, 'Internal server error');
	};
}
