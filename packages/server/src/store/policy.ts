/**
 * How long the stores keep what has expired, the same for every backend: the SQLite store purges a record this long
 * after its expiry, the Redis store gives its key this much more lifetime. Within the grace a late use is answered
 * "expired" rather than "unknown".
 */

/** An expired meeting-control token is still recognised this long. */
export const CONF_TOKEN_GRACE_MS = 24 * 3_600_000;
/** A WebSocket token is kept this long past its expiry. */
export const WS_TOKEN_GRACE_MS = 3_600_000;
/** An access token is kept this long past both of its lifetimes (refresh and "expired" answers need it). */
export const ACCESS_TOKEN_GRACE_MS = 3_600_000;
