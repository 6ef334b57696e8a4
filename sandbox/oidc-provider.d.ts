// oidc-provider 9 ships no type declarations (and @types/oidc-provider targets older majors).
// This covers just what the sandbox uses, so `tsc` can check sandbox/ without a new dependency.
declare module 'oidc-provider' {
	import type { IncomingMessage, ServerResponse } from 'node:http';

	export type AdapterPayload = Record<string, unknown> & {
		consumed?: number;
		grantId?: string;
		uid?: string;
		userCode?: string;
	};

	export interface Adapter {
		upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
		find(id: string): Promise<AdapterPayload | undefined>;
		findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
		findByUid(uid: string): Promise<AdapterPayload | undefined>;
		consume(id: string): Promise<void>;
		destroy(id: string): Promise<void>;
		revokeByGrantId(grantId: string): Promise<void>;
	}

	export interface ClientLike {
		clientId: string;
		clientAuthMethod: string;
		grantTypeAllowed(type: string): boolean;
	}

	export interface KoaContextWithOIDC {
		type: string;
		body: unknown;
		oidc: { route: string; entities: Record<string, unknown> };
	}

	export interface TokenLike {
		kind: string;
		scopes: Set<string>;
	}

	// Configuration is deliberately loose: the sandbox's literal is checked by oidc-provider at runtime.
	export type Configuration = Record<string, unknown>;

	export const errors: { InvalidTarget: new (description?: string) => Error } & Record<string, new (...args: unknown[]) => Error>;

	export default class Provider {
		constructor(issuer: string, configuration?: Configuration);
		readonly issuer: string;
		callback(): (req: IncomingMessage, res: ServerResponse) => void;
	}
}
