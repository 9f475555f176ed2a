/**
 * The REST wire, defined once (TypeBox): the request and response schemas the server validates with and generates
 * OpenAPI from, and whose `Static<>` types the SDK uses.
 */
export * from './attendee.js';
export * from './auth.js';
export * from './common.js';
export * from './control.js';
export * from './media.js';
export * from './control-token.js';
export * from './meeting.js';
export * from './ops.js';
export * from './webhook-log.js';
