import { Credentials } from 'n8n-core';
import { ICredentialsHelper, NodeHelpers, Workflow } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	ICredentialType,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeParameters,
	INodeProperties,
	INodeTypes,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

interface StoredCredential {
	id: string;
	name: string;
	type: string;
	data: ICredentialDataDecryptedObject;
}

const mockNode: INode = {
	id: 'credential-resolver',
	name: '',
	typeVersion: 1,
	type: 'mock',
	position: [0, 0],
	parameters: {},
};

/**
 * Keeps credentials in memory and behaves like n8n's own CredentialsHelper where it matters
 * for OAuth2: parent properties merged (`extends`), defaults applied, `$self` expressions
 * resolved (the Authority-derived URLs), and refreshed tokens saved back.
 */
export class InMemoryCredentialsHelper extends ICredentialsHelper {
	private readonly store = new Map<string, StoredCredential>();

	/** Every `oauthTokenData` n8n saved after a refresh, oldest first. */
	readonly savedTokens: Array<Record<string, unknown>> = [];

	/** When each of `savedTokens` was saved (Date.now()), same order. */
	readonly savedAt: number[] = [];

	constructor(
		private readonly credentialTypes: Map<string, ICredentialType>,
		private readonly nodeTypes: INodeTypes,
	) {
		super();
	}

	add(credential: StoredCredential): INodeCredentialsDetails {
		this.store.set(credential.id, structuredClone(credential));
		return { id: credential.id, name: credential.name };
	}

	nameOf(id: string): string {
		return this.store.get(id)!.name;
	}

	/** The stored (raw) data, as n8n's database would hold it. */
	stored(id: string): ICredentialDataDecryptedObject {
		return this.store.get(id)!.data;
	}

	getParentTypes(name: string): string[] {
		const type = this.credentialTypes.get(name);
		const parents = type?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = this.credentialTypes.get(type);
		if (!credentialType) throw new Error(`Unknown credential type ${type}`);
		if (!credentialType.extends) {
			if (type === 'oAuth2Api') {
				return [
					...credentialType.properties,
					{ displayName: 'oauthTokenData', name: 'oauthTokenData', type: 'json', default: {} },
				];
			}
			return credentialType.properties;
		}
		const combined: INodeProperties[] = [];
		for (const parent of credentialType.extends) {
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		}
		NodeHelpers.mergeNodeProperties(combined, credentialType.properties);
		return combined;
	}

	async authenticate(
		_credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return requestOptions;
	}

	async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string) {
		const stored = this.find(nodeCredentials);
		const credentials = new Credentials({ id: stored.id, name: stored.name }, type);
		return credentials;
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const stored = this.find(nodeCredentials);
		const properties = this.getCredentialsProperties(type);
		const withDefaults = NodeHelpers.getNodeParameters(
			properties,
			structuredClone(stored.data) as INodeParameters,
			true,
			false,
			null,
			null,
		) as ICredentialDataDecryptedObject;
		// n8n resolves credential expressions with the credential itself as $self.
		const workflow = new Workflow({
			nodes: [mockNode],
			connections: {},
			active: false,
			nodeTypes: this.nodeTypes,
		});
		return workflow.expression.getComplexParameterValue(
			mockNode,
			withDefaults as INodeParameters,
			'internal',
			{},
			undefined,
			undefined,
			withDefaults,
		) as ICredentialDataDecryptedObject;
	}

	async updateCredentials(
		nodeCredentials: INodeCredentialsDetails,
		_type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.find(nodeCredentials).data = structuredClone(data);
	}

	async updateCredentialsOauthTokenData(
		nodeCredentials: INodeCredentialsDetails,
		_type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const tokenData = structuredClone(data.oauthTokenData) as Record<string, unknown>;
		this.find(nodeCredentials).data.oauthTokenData = tokenData as IDataObject;
		this.savedTokens.push(tokenData);
		this.savedAt.push(Date.now());
	}

	private find(nodeCredentials: INodeCredentialsDetails): StoredCredential {
		const stored = nodeCredentials.id ? this.store.get(nodeCredentials.id) : undefined;
		if (!stored) throw new Error(`No credential with id ${nodeCredentials.id}`);
		return stored;
	}
}
