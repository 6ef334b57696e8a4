/**
 * Checks the K2 credential before the first SCIM request: the Bearer token and the SCIM token
 * must only ever travel encrypted, to the host the user typed, in the URL path where K2 expects
 * them. Each refusal names the credential field and the fix, from the URL text alone (no lookup).
 */
import { NodeOperationError } from 'n8n-workflow';
import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';

import { isLoopbackHost } from './loopback';

/** The credential's URL fields, with the labels the credential shows. */
const URL_FIELDS = [
	{ name: 'scimBaseUrl', label: 'SCIM Base URL', required: true, example: 'https://scim.onk2.com' },
	{ name: 'authority', label: 'Authority', required: true, example: 'https://login.onk2.com/<tenant ID>' },
	{ name: 'authorizationUrl', label: 'Authorization URL', required: false, example: 'https://login.onk2.com/<tenant ID>/connect/authorize' },
	{ name: 'tokenUrl', label: 'Access Token URL', required: false, example: 'https://login.onk2.com/<tenant ID>/connect/token' },
] as const;

export interface Problem {
	/** Short, for the error message: "must use https://". */
	reason: string;
	/** Why it matters, for the description. */
	why: string;
}

/** Why a URL is refused, or undefined when it is fine. Never repeats a part that may hold a secret. */
export function urlProblem(value: string): Problem | undefined {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return { reason: 'is not a valid URL', why: 'It could not be read as a URL.' };
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		return { reason: 'must start with https://', why: `It starts with ${url.protocol}//.` };
	}
	if (url.hostname === '') return { reason: 'has no host name', why: 'There is no host after https://.' };
	// Checked on the text too: "https://@host" and "https://host/?" parse to an empty username / search.
	if (url.username !== '' || url.password !== '' || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value)) {
		return {
			reason: 'must not contain a user name or password',
			why: 'It has a user@ part: credentials in a URL travel to every proxy and log. Remove it.',
		};
	}
	if (value.includes('?')) {
		return {
			reason: 'must not contain a query string',
			why: 'It has a ?... part: the SCIM path and token are added after the URL, so they would end up in the query string. Remove it.',
		};
	}
	if (value.includes('#')) {
		return {
			reason: 'must not contain a fragment',
			why: 'It has a #... part: everything after # (the SCIM path and token) would never be sent. Remove it.',
		};
	}
	if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
		return {
			reason: 'must start with https://',
			why: `It is http://${url.host}: the access token and the SCIM token would travel unencrypted. Only localhost, 127.0.0.0/8 and ::1 may use http://.`,
		};
	}
	return undefined;
}

/** Whether the text holds a C0 control or DEL (U+0000-U+001F, U+007F). */
function hasAsciiControl(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code <= 0x1f || code === 0x7f) return true;
	}
	return false;
}

/** Why a SCIM token is refused: it is a path segment of every SCIM URL, so it must be one segment. */
export function scimTokenProblem(token: string): string | undefined {
	if (token === '') return 'is empty: paste the SCIM token (a GUID) K2 Cloud operations gave you';
	if (token === '.' || token === '..') return 'is "." or "..", which would change the SCIM path: paste the GUID K2 gave you';
	if (/[\s/?#%\\]/.test(token) || hasAsciiControl(token)) {
		return 'contains a space, "/", "?", "#", "%", "\\" or a control character, which no K2 token has: paste the GUID K2 gave you (without quotes, spaces or a URL around it)';
	}
	return undefined;
}

/** Throws, naming the field and the fix, if the credential could send a token where it must not go. */
export function assertSafeCredential(node: INode, credentials: ICredentialDataDecryptedObject, credentialName: string): void {
	for (const field of URL_FIELDS) {
		const raw = credentials[field.name];
		const value = typeof raw === 'string' ? raw.trim() : '';
		if (value === '') {
			if (!field.required) continue;
			throw new NodeOperationError(node, `The ${field.label} of the credential "${credentialName}" is empty`, {
				description: `Fix: open the credential "${credentialName}" and enter the ${field.label}, e.g. ${field.example}. Nothing was sent to K2.`,
			});
		}
		const problem = urlProblem(value);
		if (problem) {
			throw new NodeOperationError(node, `The ${field.label} of the credential "${credentialName}" ${problem.reason}`, {
				description: `${problem.why} Fix: open the credential "${credentialName}" and set the ${field.label} to the https:// URL K2 gave you, e.g. ${field.example}. Nothing was sent to K2.`,
			});
		}
	}
	const token = typeof credentials.scimToken === 'string' ? credentials.scimToken.trim() : '';
	const problem = scimTokenProblem(token);
	if (problem) {
		throw new NodeOperationError(node, `The SCIM Token of the credential "${credentialName}" is not a K2 SCIM token`, {
			description: `The SCIM Token ${problem}. Fix: open the credential "${credentialName}" and paste the "scim.token" value again. Nothing was sent to K2.`,
		});
	}
}
