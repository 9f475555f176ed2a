/**
 * Frame schemas of the meeting-level push socket: client → server (`Subscribe`, `HeartBeat`, `ConfControl`) and
 * server → client (replies and push messages). One definition, used by the server, the SDK and the tests.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { PushCategory } from './categories.js';
import type { StreamPosition } from './position.js';

export const CLIENT_ACTIONS = ['Subscribe', 'HeartBeat', 'ConfControl'] as const;
export type ClientAction = (typeof CLIENT_ACTIONS)[number];

/** A position a reconnecting client already holds, per category (confpush extension of `Subscribe`). */
export const ResumePositionSchema = Type.Object({
  epoch: Type.String({ minLength: 1, maxLength: 64 }),
  seq: Type.Integer({ minimum: 0 }),
});

/** `SubscribeData`: the decoded `data` of a `Subscribe` frame. */
export const SubscribeDataSchema = Type.Object(
  {
    subscribeType: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
    confToken: Type.String({ minLength: 1, maxLength: 512 }),
    /** Documented as mandatory by Huawei but absent from every example; checked against the socket when sent. */
    conferenceID: Type.Optional(Type.String({ maxLength: 64 })),
    /** confpush extension: resume the listed categories from these positions instead of a full message. */
    resume: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), ResumePositionSchema)),
  },
  { additionalProperties: true },
);
export type SubscribeData = Static<typeof SubscribeDataSchema>;

/** `data` of a `ConfControl` frame (fields shared by every control `type`). */
export const ConfControlDataSchema = Type.Object(
  {
    conferenceID: Type.Optional(Type.String({ maxLength: 64 })),
    confToken: Type.String({ minLength: 1, maxLength: 512 }),
  },
  { additionalProperties: true },
);
export type ConfControlData = Static<typeof ConfControlDataSchema>;

export interface SubscribeFrame {
  action: 'Subscribe';
  sequence?: string;
  data: SubscribeData;
}
export interface HeartBeatFrame {
  action: 'HeartBeat';
  sequence: string;
}
export interface ConfControlFrame {
  action: 'ConfControl';
  sequence?: string;
  type: string;
  data: ConfControlData & Record<string, unknown>;
}
export type ClientFrame = SubscribeFrame | HeartBeatFrame | ConfControlFrame;

/** Per-category outcome in a successful `Subscribe` reply (confpush extension). */
export interface SubscribeStreamInfo {
  /** Position the client is at once the frames that follow the reply are applied. */
  epoch: string;
  seq: number;
  /** `resumed`: only the missing incrementals follow; `full`: a full message follows (first subscribe, or resume impossible). */
  delivery: 'resumed' | 'full';
}

export interface ReplyData {
  returnCode: number;
  returnDesc: string;
  /** confpush extension on a successful `Subscribe`: what follows for each accepted category. */
  streams?: Partial<Record<PushCategory, SubscribeStreamInfo>>;
  /** confpush extension on a successful `Subscribe`: requested names that are not pushed (ignored, not errors). */
  ignored?: string[];
  [extra: string]: unknown;
}

export interface ReplyFrame {
  action: 'Subscribe' | 'ConfControl' | string;
  sequence?: string;
  type?: string;
  data: ReplyData;
}

/** The envelope every push message carries (Huawei §5.2). */
export interface PushEnvelope {
  action: PushCategory;
  /** Full: generation time (ms). Incremental: the stream sequence number. String on `RealTimeSubtitleNotify`. */
  version: number | string;
  createTime: number | string;
  msgID: string;
  /** 0 full, 1 incremental. */
  msgMode: 0 | 1;
  confID: string;
  /** confpush extension on full messages: the stream sequence number the snapshot reflects. */
  seq?: number;
  /** confpush extension on full messages: the stream epoch. */
  epoch?: string;
  data?: unknown;
  [field: string]: unknown;
}

export const MSG_MODE_FULL = 0;
export const MSG_MODE_INCREMENTAL = 1;

export type { StreamPosition };
