/**
 * Where a socket frame is parsed (client → server) and where replies are shaped (server → client).
 * Parsing never throws: it returns either a frame or a `FrameFault` that says what the server must answer.
 */
import { Value } from '@sinclair/typebox/value';
import { REPLY_CODES, type ReplyCodeSpec } from './codes.js';
import {
  ConfControlDataSchema,
  SubscribeDataSchema,
  type ClientFrame,
  type ConfControlFrame,
  type ReplyData,
  type ReplyFrame,
} from './frames.js';
import { decodeData, isPlainObject, toStringValue, trimKeys } from './normalize.js';

/** Why a frame was refused: `close` ends the connection (not a frame at all), `reply` answers it with an error. */
export type FrameFault =
  | { kind: 'close'; message: string }
  | { kind: 'reply'; action: string; sequence?: string; type?: string; code: ReplyCodeSpec; message: string };

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; fault: FrameFault };

export function parseClientFrame(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return closeFault('frame is not valid JSON');
  }
  if (!isPlainObject(raw)) return closeFault('frame is not a JSON object');
  const obj = trimKeys(raw) as Record<string, unknown>;
  const action = obj['action'];
  if (typeof action !== 'string') return closeFault('frame has no string "action"');
  const sequence = toStringValue(obj['sequence']);
  const base = sequence === undefined ? {} : { sequence };

  switch (action) {
    case 'HeartBeat': {
      // The echo must carry the client's own value back: only a JSON string is one (Huawei: `sequence` String).
      const raw = obj['sequence'];
      if (typeof raw !== 'string') {
        return replyFault(
          action,
          sequence,
          undefined,
          REPLY_CODES.INVALID_SEQUENCE,
          'HeartBeat frame has no string "sequence"',
        );
      }
      return { ok: true, frame: { action, sequence: raw } };
    }
    case 'Subscribe': {
      const data = trimKeys(decodeData(obj['data']));
      if (!Value.Check(SubscribeDataSchema, data)) {
        return replyFault(
          action,
          sequence,
          undefined,
          REPLY_CODES.INVALID_DATA,
          describe(SubscribeDataSchema, data),
        );
      }
      return { ok: true, frame: { action, ...base, data } };
    }
    case 'ConfControl': {
      const type = obj['type'];
      if (typeof type !== 'string') {
        return replyFault(
          action,
          sequence,
          undefined,
          REPLY_CODES.INVALID_DATA,
          'ConfControl frame has no string "type"',
        );
      }
      const data = trimKeys(decodeData(obj['data']));
      if (!Value.Check(ConfControlDataSchema, data)) {
        return replyFault(
          action,
          sequence,
          type,
          REPLY_CODES.INVALID_DATA,
          describe(ConfControlDataSchema, data),
        );
      }
      return { ok: true, frame: { action, ...base, type, data: data as ConfControlFrame['data'] } };
    }
    default:
      return replyFault(
        action,
        sequence,
        undefined,
        REPLY_CODES.UNKNOWN_ACTION,
        `unknown action "${action.slice(0, 64)}"`,
      );
  }
}

function closeFault(message: string): ParseResult {
  return { ok: false, fault: { kind: 'close', message } };
}

function replyFault(
  action: string,
  sequence: string | undefined,
  type: string | undefined,
  code: ReplyCodeSpec,
  message: string,
): ParseResult {
  const fault: FrameFault = { kind: 'reply', action: action.slice(0, 64), code, message };
  if (sequence !== undefined) fault.sequence = sequence;
  if (type !== undefined) fault.type = type.slice(0, 64);
  return { ok: false, fault };
}

function describe(schema: Parameters<typeof Value.Errors>[0], value: unknown): string {
  if (value === undefined) return '"data" is missing or not JSON';
  const first = Value.Errors(schema, value).First();
  if (!first) return '"data" is invalid';
  const path = first.path === '' ? 'data' : `data${first.path.replaceAll('/', '.')}`;
  return `${path}: ${first.message}`;
}

/** The reply to a `Subscribe` or `ConfControl` frame (Huawei: `{"action","sequence","data":{"returnCode","returnDesc"}}`). */
export function buildReply(
  action: string,
  sequence: string | undefined,
  code: ReplyCodeSpec,
  extra?: Omit<ReplyData, 'returnCode' | 'returnDesc'> & { type?: string },
): ReplyFrame {
  const { type, ...rest } = extra ?? {};
  const frame: ReplyFrame = { action, data: { returnCode: code.code, returnDesc: code.desc, ...rest } };
  if (sequence !== undefined) frame.sequence = sequence;
  if (type !== undefined) frame.type = type;
  return frame;
}

/** The heartbeat answer: the request echoed, same `sequence` (Huawei §7). */
export function encodeHeartBeat(sequence: string): string {
  return `{"sequence":${JSON.stringify(sequence)},"action":"HeartBeat"}`;
}
