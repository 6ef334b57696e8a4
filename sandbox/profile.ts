// K2's behaviours that its public documentation leaves open, as one vocabulary. The sandbox
// takes a profile (`--profile strict`, `--profile-file k2.json`) and the node's Connection >
// Check > Test Writes reports a real tenant in the same shape, so a user can run the sandbox as
// their K2 and send the file to the maintainers. Every field is optional: absent means the
// sandbox default, which is the full SCIM RFC (the first value listed for each field).

export interface K2Profile {
	/**
	 * Attributes K2 keeps: top-level names (`title`), sub-attributes (`name.givenName`) or extension
	 * URNs, for users and groups alike, or for one type when prefixed `User:` or `Group:`
	 * (`Group:externalId`). Others are dropped without an error, also from the answer to the write.
	 * `id`, `schemas` and `meta` are always kept. Absent: all.
	 */
	storedAttributes?: string[];
	/** Filter operators K2 accepts (eq ne co sw ew gt ge lt le pr and or not); others get 400 invalidFilter. Absent: all. */
	filterOperators?: string[];
	/** `all`: totalResults counts every match (RFC 7644). `page`: it counts only the resources on this page. */
	totalResults?: 'all' | 'page';
	/** `honoured`: pages start at startIndex. `ignored`: every page starts at the first resource. */
	startIndex?: 'honoured' | 'ignored';
	/** A request with a wrong SCIM token: `404` with a SCIM error (default), or `401` / `403` with an empty body (an ASP.NET default). */
	wrongToken?: '404' | '401' | '403';
	/** PATCH answers `200` with the resource, or `204` with no body. */
	patchAnswer?: '200' | '204';
	/** `hard`: DELETE removes the resource. `soft`: it disappears from reads, but its userName / displayName stays taken (409 on re-create). */
	deleteMode?: 'hard' | 'soft';
	/** A write is visible to reads (get, list, filter) only this many ms after its answer (K2's staging database). Uniqueness is checked at once. 0: none. */
	readAfterWriteLagMs?: number;
	/** IdentityToken: a refresh token is issued only when the sign-in asked for `offline_access` (IdentityServer's rule). Default false. */
	refreshTokenNeedsOfflineAccess?: boolean;
	/** IdentityToken: redirect URIs match exactly, no port wildcard on loopback (IdentityServer's rule). Default false. */
	exactRedirectUris?: boolean;
}

/**
 * The strictest plausible K2: every unknown at its least convenient answer at once (core user
 * attributes only; groups keep their name and members, not an External ID), except
 * startIndex (a K2 that ignores it cannot list more than 100 of anything; the node stops with a
 * paging error there, tested on its own switch).
 */
export const STRICT_PROFILE: Required<K2Profile> = {
	storedAttributes: ['userName', 'name.givenName', 'name.familyName', 'displayName', 'emails', 'active', 'User:externalId', 'members'],
	filterOperators: ['eq', 'and'],
	totalResults: 'page',
	startIndex: 'honoured',
	wrongToken: '401',
	patchAnswer: '204',
	deleteMode: 'soft',
	readAfterWriteLagMs: 500,
	refreshTokenNeedsOfflineAccess: true,
	exactRedirectUris: true,
};

export const PROFILES: Record<string, K2Profile> = {
	default: {},
	strict: STRICT_PROFILE,
};
