// Diagnostic only, never part of the package: how much of a first sync's time is n8n-core's
// per-request path (credential read and expression resolution, a new HTTP agent and TCP
// connection per request, axios). While `withPlainClient` runs, the node's
// helpers.httpRequestWithAuthentication is replaced by a keep-alive fetch that sends the
// credential's current access token: no refresh, one credential read per run. Everything else
// (parameter reading, planning, the transport's retries and redaction, the output) is the node's.
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INodeType } from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../test/harness/run-workflow';
import { withExecute } from './measure';

interface FullResponse {
	statusCode: number;
	headers: Record<string, string>;
	body: unknown;
}

async function plainRequest(options: IHttpRequestOptions, accessToken: string): Promise<unknown> {
	const url = new URL(options.url);
	for (const [key, value] of Object.entries(options.qs ?? {})) {
		if (value !== undefined) url.searchParams.set(key, String(value));
	}
	const response = await fetch(url, {
		method: options.method ?? 'GET',
		headers: { ...(options.headers as Record<string, string>), authorization: `Bearer ${accessToken}` },
		body: options.body === undefined ? undefined : JSON.stringify(options.body),
		signal: AbortSignal.timeout(options.timeout ?? 60_000),
	});
	const text = await response.text();
	let body: unknown = text;
	try {
		body = text ? JSON.parse(text) : undefined;
	} catch {
		// not JSON: keep the text
	}
	const full: FullResponse = { statusCode: response.status, headers: Object.fromEntries(response.headers), body };
	if (response.status >= 400 && !options.ignoreHttpStatusErrors) {
		throw Object.assign(new Error(`HTTP ${response.status}`), { httpCode: String(response.status), context: { data: body } });
	}
	return options.returnFullResponse ? full : body;
}

/** Runs `run` with the node type's requests sent by a plain keep-alive client (see above). */
export async function withPlainClient<T>(nodeType: INodeType, run: () => Promise<T>): Promise<T> {
	return await withExecute(
		nodeType,
		(original) =>
			async function (this: IExecuteFunctions) {
				const credentials = await this.getCredentials(CREDENTIAL_TYPE);
				const accessToken = String((credentials.oauthTokenData as IDataObject | undefined)?.access_token ?? '');
				this.helpers.httpRequestWithAuthentication = async (_type: string, options: IHttpRequestOptions) =>
					await plainRequest(options, accessToken);
				return await original.call(this);
			},
		run,
	);
}
