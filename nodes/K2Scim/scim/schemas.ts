/**
 * SCIM 2.0 schema URNs, K2's limits and the resource shapes (RFC 7643 §4, RFC 7644 §3).
 * Pure data: nothing here knows about n8n or HTTP.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** K2 answers a list GET with at most 100 resources, whatever `count` asks for. */
export const MAX_PAGE_SIZE = 100;
/** K2 returns at most 100 members per group read; we also keep each PATCH operation at or below 100 members. */
export const MAX_MEMBERS_PER_OPERATION = 100;

export interface ScimMeta {
	resourceType?: string;
	created?: string;
	lastModified?: string;
	location?: string;
	version?: string;
}

export interface ScimMultiValued {
	value?: string;
	display?: string;
	type?: string;
	primary?: boolean;
	[key: string]: unknown;
}

export interface ScimName {
	formatted?: string;
	familyName?: string;
	givenName?: string;
	middleName?: string;
	honorificPrefix?: string;
	honorificSuffix?: string;
	[key: string]: unknown;
}

export interface ScimEnterpriseUser {
	employeeNumber?: string;
	costCenter?: string;
	organization?: string;
	division?: string;
	department?: string;
	manager?: { value?: string; $ref?: string; displayName?: string };
	[key: string]: unknown;
}

/** A group member as it appears in `Group.members` (RFC 7643 §4.2). */
export interface ScimMember {
	value: string;
	display?: string;
	$ref?: string;
	type?: string;
}

export interface ScimUser {
	schemas: string[];
	id?: string;
	externalId?: string;
	userName?: string;
	name?: ScimName;
	displayName?: string;
	title?: string;
	active?: boolean;
	emails?: ScimMultiValued[];
	phoneNumbers?: ScimMultiValued[];
	groups?: ScimMultiValued[];
	meta?: ScimMeta;
	[ENTERPRISE_USER_SCHEMA]?: ScimEnterpriseUser;
	/** Other core or extension attributes a server may return. */
	[key: string]: unknown;
}

export interface ScimGroup {
	schemas: string[];
	id?: string;
	externalId?: string;
	displayName?: string;
	members?: ScimMember[];
	meta?: ScimMeta;
	[key: string]: unknown;
}

export interface ScimListResponse<T> {
	schemas: string[];
	totalResults: number;
	startIndex?: number;
	itemsPerPage?: number;
	Resources?: T[];
}

/** A value of a simplified view: plain JSON, which an n8n item carries as it is. */
export type SimpleValue = string | number | boolean | null | undefined | SimpleValue[] | { [key: string]: SimpleValue };
/** A flat view of a resource for n8n items (simplifyUser, simplifyGroup). */
export type SimpleView = { [key: string]: SimpleValue };

export interface PatchOperation {
	op: 'add' | 'remove' | 'replace';
	path?: string;
	value?: unknown;
}

export interface PatchRequest {
	schemas: string[];
	Operations: PatchOperation[];
}
