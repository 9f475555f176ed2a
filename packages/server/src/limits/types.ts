/** Names of the abuse limits: the `limit` label of `confpush_limit_rejections_total`. */
export const LIMIT_NAMES = [
  'auth_address',
  'auth_target',
  'ws_tokens_meeting',
  'connections_address',
  'connections_meeting',
  'frame_rate',
  'meetings_enterprise',
  'attendees_enterprise',
  'attendees_meeting',
] as const;

export type LimitName = (typeof LIMIT_NAMES)[number];

/** Told about every refusal by a limit (the node's metrics). */
export interface LimitReporter {
  limitRejected(limit: LimitName): void;
}
