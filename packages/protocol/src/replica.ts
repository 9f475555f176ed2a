/**
 * The state of one push category, rebuilt from full and incremental messages.
 *
 * The same class is the server's state of a stream (the server applies each change it commits with
 * `applyIncremental`, and renders full messages from it) and the client's copy of it (the SDK applies the frames
 * it receives with `applyFrame`). One definition of "what a frame means" on both sides.
 *
 *     full (msgMode 0) ──► reset state, position = frame.seq (if the server says it)
 *     incremental (msgMode 1, version n)
 *        n <= seq      ──► 'duplicate' (ignored)
 *        n == seq + 1  ──► applied, seq = n
 *        n >  seq + 1  ──► 'gap' (not applied: the caller must get a full message)
 */
import { CATEGORY_SPECS, type CategorySpec, type PushCategory } from './categories.js';
import { isPlainObject, toNumber, toStringValue, trimKeys } from './normalize.js';

export type Item = Record<string, unknown>;

export type ApplyOutcome = 'applied' | 'duplicate' | 'gap' | 'ignored';

/** Envelope keys; on `object` categories every other top-level key is state. */
const ENVELOPE_KEYS: ReadonlySet<string> = new Set([
  'action',
  'version',
  'createTime',
  'msgID',
  'msgMode',
  'confID',
  'seq',
  'epoch',
]);

/** Fields that identify a list item, tried in order (Huawei's attendee items may lack a site ID). */
const KEY_FALLBACKS: Readonly<Partial<Record<PushCategory, readonly string[]>>> = {
  AttendeesNotify: ['participantID', 'phone', 'userUUID', 'accountId'],
  NetConditionNotify: ['participantID', 'pid'],
};

export class CategoryReplica {
  readonly spec: CategorySpec;
  /** Stream epoch, when the server said it (confpush full messages and Subscribe replies). */
  epoch: string | undefined;
  /** Sequence number of the last change applied; undefined until known (a Huawei full message has none). */
  seq: number | undefined;
  /** Has a full message (or a server-side initial state) established this replica? */
  synced = false;
  readonly items = new Map<string, Item>();
  fields: Item = {};
  value: unknown = undefined;

  constructor(readonly category: PushCategory) {
    this.spec = CATEGORY_SPECS[category];
  }

  /** Applies a received push frame (already JSON-parsed). Tolerates trailing-space keys and string numbers. */
  applyFrame(rawFrame: unknown): ApplyOutcome {
    if (!isPlainObject(rawFrame)) return 'ignored';
    const frame = trimKeys(rawFrame) as Item;
    const mode = toNumber(frame['msgMode']);
    if (mode === 0) {
      const seq = toNumber(frame['seq']);
      const epoch = toStringValue(frame['epoch']);
      this.applyFull(this.payloadOf(frame), seq, epoch);
      return 'applied';
    }
    if (mode !== 1) return 'ignored';
    const version = toNumber(frame['version']);
    if (version !== undefined && this.seq !== undefined) {
      if (version <= this.seq) return 'duplicate';
      if (version > this.seq + 1) return 'gap';
    }
    this.applyIncremental(this.payloadOf(frame), version);
    return 'applied';
  }

  /** Replaces the whole state. `payload` is a full message's `data` (list, value) or its state fields (object). */
  applyFull(payload: unknown, seq?: number, epoch?: string): void {
    this.synced = true;
    this.seq = seq;
    if (epoch !== undefined) this.epoch = epoch;
    switch (this.spec.shape.kind) {
      case 'list':
        this.items.clear();
        if (Array.isArray(payload)) {
          for (const raw of payload) {
            if (!isPlainObject(raw)) continue;
            const key = this.keyOf(raw);
            if (key !== undefined && toNumber(raw['mode']) !== 1) this.items.set(key, this.stored(raw));
          }
        }
        break;
      case 'object':
        this.fields = isPlainObject(payload) ? { ...payload } : {};
        break;
      case 'value':
        this.value = payload;
        break;
    }
  }

  /** Applies one change. `payload` is an incremental message's `data` (list, value) or changed fields (object). */
  applyIncremental(payload: unknown, seq?: number): void {
    if (seq !== undefined) this.seq = seq;
    switch (this.spec.shape.kind) {
      case 'list':
        if (Array.isArray(payload)) for (const raw of payload) if (isPlainObject(raw)) this.applyItem(raw);
        break;
      case 'object':
        if (isPlainObject(payload)) Object.assign(this.fields, payload);
        break;
      case 'value':
        this.value = payload;
        break;
    }
  }

  /** The payload of a full message of the current state (list items are in insertion order). */
  snapshot(): unknown {
    switch (this.spec.shape.kind) {
      case 'list':
        return Array.from(this.items.values());
      case 'object':
        return { ...this.fields };
      case 'value':
        return this.value;
    }
  }

  keyOf(item: Item): string | undefined {
    const shape = this.spec.shape;
    if (shape.kind !== 'list') return undefined;
    for (const field of KEY_FALLBACKS[this.category] ?? [shape.key]) {
      const key = toStringValue(item[field]);
      if (key !== undefined && key !== '') return key;
    }
    return undefined;
  }

  private applyItem(item: Item): void {
    const key = this.keyOf(item);
    if (key === undefined) return;
    const existing = this.items.get(key);
    // Per-entity freshness: an item that says it is older than what we hold is late, not news.
    const itemSeq = toNumber(item['seq']);
    const heldSeq = existing ? toNumber(existing['seq']) : undefined;
    if (itemSeq !== undefined && heldSeq !== undefined && itemSeq <= heldSeq) return;
    if (toNumber(item['mode']) === 1) {
      this.items.delete(key);
      return;
    }
    const shape = this.spec.shape;
    if (existing && shape.kind === 'list' && shape.merge === 'pinfoMap') {
      const merged: Item = { ...existing, ...item };
      const oldMap = existing['pinfoMap'];
      const newMap = item['pinfoMap'];
      if (isPlainObject(oldMap) || isPlainObject(newMap)) {
        merged['pinfoMap'] = {
          ...(isPlainObject(oldMap) ? oldMap : {}),
          ...(isPlainObject(newMap) ? newMap : {}),
        };
      }
      this.items.set(key, this.stored(merged));
    } else {
      this.items.set(key, this.stored(item));
    }
  }

  private stored(item: Item): Item {
    const shape = this.spec.shape;
    if (shape.kind === 'list' && shape.hasMode) return item['mode'] === 0 ? item : { ...item, mode: 0 };
    if ('mode' in item) {
      const { mode: _mode, ...rest } = item;
      return rest;
    }
    return item;
  }

  private payloadOf(frame: Item): unknown {
    switch (this.spec.shape.kind) {
      case 'list':
        return frame['data'];
      case 'value':
        // Huawei's interpreter-group example carries the list under `interpreterGroups`, the table under `data`.
        return (
          frame['data'] ??
          (this.category === 'InterpreterGroupNotify' ? frame['interpreterGroups'] : undefined)
        );
      case 'object': {
        const fields: Item = {};
        for (const [k, v] of Object.entries(frame)) if (!ENVELOPE_KEYS.has(k)) fields[k] = v;
        return fields;
      }
    }
  }
}
