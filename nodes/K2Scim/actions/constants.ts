/** Input items (or writes) sent to K2 at the same time unless the user sets "Requests in Flight". */
export const DEFAULT_REQUESTS_IN_FLIGHT = 4;
