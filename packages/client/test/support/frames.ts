/** Builders of server → client frames, shaped like Huawei's examples plus confpush's `seq`/`epoch`/`streams`. */
import type { PushCategory, SubscribeStreamInfo } from '@confpush/protocol';
import { CONFERENCE_ID } from './fake-server.js';

let msgCounter = 0;

function envelope(category: PushCategory, msgMode: 0 | 1, version: number): Record<string, unknown> {
  return {
    confID: CONFERENCE_ID,
    msgID: (++msgCounter).toString(16).padStart(32, '0'),
    msgMode,
    version,
    createTime: 1_700_000_000_000 + msgCounter,
    action: category,
  };
}

export interface Position {
  epoch: string;
  seq: number;
}

/** A full message of a list or value category (`data`); pass `position` for confpush's extension fields. */
export function full(category: PushCategory, data: unknown, position?: Position): Record<string, unknown> {
  const frame: Record<string, unknown> = { data, ...envelope(category, 0, 1_700_000_000_000 + msgCounter) };
  if (position) Object.assign(frame, position);
  return frame;
}

/** A full message of an object category (fields at the top level). */
export function fullFields(category: PushCategory, fields: Record<string, unknown>, position?: Position) {
  const frame: Record<string, unknown> = {
    ...fields,
    ...envelope(category, 0, 1_700_000_000_000 + msgCounter),
  };
  if (position) Object.assign(frame, position);
  return frame;
}

export function inc(category: PushCategory, version: number, data: unknown): Record<string, unknown> {
  return { data, ...envelope(category, 1, version) };
}

export function incFields(category: PushCategory, version: number, fields: Record<string, unknown>) {
  return { ...fields, ...envelope(category, 1, version) };
}

/** A participant item (`mode` 0 upsert, 1 delete). */
export function participant(pid: string, pinfoMap: Record<string, string> = {}, mode: 0 | 1 = 0) {
  return { pid, mode, pinfoMap };
}

export type Streams = Partial<Record<PushCategory, SubscribeStreamInfo>>;

/** A Subscribe reply; `streams` adds the confpush extension; `huawei` spells `"returnDesc "` as published. */
export function reply(
  sequence: string,
  options: { streams?: Streams; returnCode?: number; returnDesc?: string; huawei?: boolean } = {},
): Record<string, unknown> {
  const data: Record<string, unknown> = { returnCode: options.returnCode ?? 0 };
  data[options.huawei ? 'returnDesc ' : 'returnDesc'] = options.returnDesc ?? 'SUCCESS';
  if (options.streams) data['streams'] = options.streams;
  return { action: 'Subscribe', sequence, data };
}
