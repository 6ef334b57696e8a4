import type { Sandbox } from '../../sandbox';
import { clientCredentialsToken } from './oidc-login';

/**
 * Direct SCIM calls to the sandbox, outside the node: to seed data before a run and to check
 * the effect after it. Uses a client-credentials token, as an admin script would.
 */
export class ScimClient {
	private token?: string;

	constructor(private readonly sandbox: Sandbox) {}

	private get root(): string {
		return `${this.sandbox.scimBaseUrl}/tokens/${this.sandbox.scimToken}/scim/v2`;
	}

	async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
		this.token ??= (await clientCredentialsToken(this.sandbox)).access_token as string;
		const response = await fetch(`${this.root}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${this.token}`,
				'content-type': 'application/scim+json',
				accept: 'application/scim+json',
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		return { status: response.status, body: text ? JSON.parse(text) : undefined };
	}

	async createUser(userName: string, extra: Record<string, unknown> = {}): Promise<any> {
		const { status, body } = await this.request('POST', '/Users', {
			schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
			userName,
			active: true,
			...extra,
		});
		if (status !== 201) throw new Error(`seeding user ${userName} failed: ${status} ${JSON.stringify(body)}`);
		return body;
	}

	async createGroup(displayName: string, memberIds: string[] = []): Promise<any> {
		const { status, body } = await this.request('POST', '/Groups', {
			schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
			displayName,
			members: memberIds.map((value) => ({ value })),
		});
		if (status !== 201) throw new Error(`seeding group ${displayName} failed: ${status} ${JSON.stringify(body)}`);
		return body;
	}

	async findUser(userName: string): Promise<any | undefined> {
		const filter = encodeURIComponent(`userName eq "${userName.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
		const { body } = await this.request('GET', `/Users?filter=${filter}`);
		return body?.Resources?.[0];
	}

	async listUsers(): Promise<any[]> {
		const users: any[] = [];
		for (let start = 1; ; start += 100) {
			const { body } = await this.request('GET', `/Users?startIndex=${start}&count=100`);
			users.push(...(body.Resources ?? []));
			// Not totalResults: a K2 profile may count only the page (sandbox/profile.ts). A short page ends the list.
			if ((body.Resources?.length ?? 0) < 100) return users;
		}
	}
}
