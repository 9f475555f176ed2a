export { ConfpushClient, MeetingSession, type JoinOptions, type SessionEvents } from './client.js';
export { PushConnection, type PushConnectionInit, type PushConnectionSettings } from './connection.js';
export type { ConnectionEvents, ConnectionState, ConnectionStats } from './connection-state.js';
export { MeetingReplica, type ApplyOptions, type ApplyResult, type StreamMark } from './meeting.js';
export type * from './changes.js';
export { defaultOptions, type ConfpushClientInit, type ConfpushClientOptions } from './options.js';
export {
  adviseOnApiError,
  RestClient,
  signAppAuth,
  type AccessToken,
  type AccountAuthParams,
  type ApiFailureAdvice,
  type AppAuthIdentity,
  type AppAuthParams,
  type ConfTokenAuth,
  type ConfTokenInfo,
  type JsonRequestOptions,
  type RestClientOptions,
  type SignAppAuthInput,
} from './rest.js';
export {
  ConfpushApiError,
  ConfpushCloseError,
  ConfpushProtocolError,
  ConfpushSubscribeError,
} from './errors.js';
export type { RebuildReason } from './sync.js';
export { backoffDelay, type ReconnectOptions } from './backoff.js';
export { API_CLIENT_TYPE, pushSocketUrl } from '@confpush/protocol';
export type { WebSocketConstructor, WebSocketLike } from './socket.js';
export { TypedEmitter } from './emitter.js';
export { nextSequence } from './encoding.js';
export * from './views/attendees.js';
export * from './views/conference.js';
export * from './views/media.js';
export * from './views/participants.js';
export { MeetingManagement, type CreateMeetingBody, type CreatedMeeting } from './api/meetings.js';
export { MeetingControl, type InvitedAttendee } from './api/control.js';
export * from './api/media-plane.js';
export type { ConfControlReply } from './conf-control.js';
export {
  verifyWebhook,
  type VerifiedWebhook,
  type VerifyWebhookOptions,
  type WebhookEventInfo,
  type WebhookRequest,
} from './webhook-receiver.js';
