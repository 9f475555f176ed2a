/**
 * Where push messages are encoded. Each message is encoded once, straight into a complete WebSocket frame
 * (hub/wire.ts), and the same bytes go to every subscriber. Field order follows Huawei's examples: payload first, then the envelope.
 */
import { CATEGORY_SPECS, type CategoryReplica, type PushCategory } from '@confpush/protocol';
import { createHash } from 'node:crypto';
import { textFrame, textFrameOf, type WireFrame } from './wire.js';

interface EnvelopeInput {
  confId: string;
  category: PushCategory;
  msgMode: 0 | 1;
  /** Full: creation time; incremental: the sequence number. */
  version: number;
  createTime: number;
  /** The stream position the message reflects (full) or brings the stream to (incremental). */
  seq: number;
  epoch: string;
  /** Whether `seq` and `epoch` are written into the frame (full messages only). */
  withPosition: boolean;
}

/**
 * The `msgID` of a message: derived from what it carries (meeting, category, epoch, seq, full or incremental), so
 * every node and every replay sends the same ID for the same change, and two different changes never share one.
 * 32 lower-case hex characters (the first 128 bits of a SHA-256), the shape of Huawei's IDs.
 */
export function msgId(
  confId: string,
  category: PushCategory,
  epoch: string,
  seq: number,
  msgMode: 0 | 1,
): string {
  return createHash('sha256')
    .update(JSON.stringify([confId, category, epoch, seq, msgMode]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The JSON text of each list item as UTF-8 bytes, kept while the item object lives. Committed items are immutable
 * (a change replaces the object), so a full message of a big meeting copies the bytes of its items instead of
 * serializing every member again: only what changed since the last full message is serialized.
 */
const itemBytes = new WeakMap<object, Buffer>();
const COMMA = Buffer.from(',');

function listChunks(items: readonly unknown[], chunks: (string | Buffer)[]): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const cacheable = typeof item === 'object' && item !== null;
    let bytes = cacheable ? itemBytes.get(item) : undefined;
    if (bytes === undefined) {
      bytes = Buffer.from(JSON.stringify(item) ?? 'null');
      if (cacheable) itemBytes.set(item, bytes);
    }
    if (i > 0) chunks.push(COMMA);
    chunks.push(bytes);
  }
}

function render(payload: unknown, e: EnvelopeInput): WireFrame {
  const spec = CATEGORY_SPECS[e.category];
  const frame: Record<string, unknown> = {};
  let list: unknown[] | undefined;
  switch (spec.shape.kind) {
    case 'object':
      Object.assign(frame, payload as Record<string, unknown>);
      break;
    case 'list':
      // Full messages of lists: the items' cached bytes (see itemBytes), spliced in as the first field.
      if (e.msgMode === 0 && Array.isArray(payload)) list = payload;
      else frame['data'] = payload ?? [];
      break;
    case 'value':
      if (e.category === 'InterpreterGroupNotify') {
        // The table names the list `data`, the published example `interpreterGroups`: send both.
        frame['data'] = payload ?? [];
        frame['interpreterGroups'] = payload ?? [];
      } else if (payload !== undefined && payload !== null) {
        // SpeakerChangeNotify: "if data is absent, nobody is speaking".
        frame['data'] = payload;
      }
      break;
  }
  frame['confID'] = e.confId;
  frame['msgID'] = msgId(e.confId, e.category, e.epoch, e.seq, e.msgMode);
  frame['msgMode'] = e.msgMode;
  frame['version'] = spec.stringVersion ? String(e.version) : e.version;
  frame['createTime'] = spec.stringVersion ? String(e.createTime) : e.createTime;
  if (e.withPosition) {
    frame['seq'] = e.seq;
    frame['epoch'] = e.epoch;
  }
  frame['action'] = e.category;
  const envelope = JSON.stringify(frame);
  if (list === undefined) return textFrame(envelope);
  const chunks: (string | Buffer)[] = ['{"data":['];
  listChunks(list, chunks);
  chunks.push(`],${envelope.slice(1)}`);
  return textFrameOf(chunks);
}

/** A full message (msgMode 0) of the replica's current state; `version` is the generation time. */
export function encodeFull(confId: string, replica: CategoryReplica, now: number): WireFrame {
  return render(replica.snapshot(), {
    confId,
    category: replica.category,
    msgMode: 0,
    version: now,
    createTime: now,
    seq: replica.seq ?? 0,
    epoch: replica.epoch ?? '',
    withPosition: true,
  });
}

/** An incremental message (msgMode 1) whose `version` is the stream sequence number. */
export function encodeIncremental(
  confId: string,
  change: {
    category: PushCategory;
    epoch: string;
    seq: number;
    payload: unknown;
    createdAt: number;
  },
): WireFrame {
  return render(change.payload, {
    confId,
    category: change.category,
    msgMode: 1,
    version: change.seq,
    createTime: change.createdAt,
    seq: change.seq,
    epoch: change.epoch,
    withPosition: false,
  });
}
