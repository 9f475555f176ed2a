/**
 * Collects the changes one command makes, per category, against the current state: list items are merged per key
 * (a second write to the same participant in one command extends the first), object fields keep only real
 * changes, and `pinfoMap` writes carry only the keys whose value differs from the state.
 */
import { CATEGORY_SPECS, PUSH_CATEGORIES, type Item, type PushCategory } from '@confpush/protocol';
import type { Change } from './decide.js';
import type { MeetingState } from './meeting.js';

export class ChangeBuilder {
  readonly #state: MeetingState;
  readonly #lists = new Map<PushCategory, Map<string, Item>>();
  readonly #fields = new Map<PushCategory, Record<string, unknown>>();
  readonly #values = new Map<PushCategory, unknown>();

  constructor(state: MeetingState) {
    this.#state = state;
  }

  /** The item as it will be after this command (state plus pending writes); undefined when absent or deleted. */
  item(category: PushCategory, key: string): Item | undefined {
    const pending = this.#lists.get(category)?.get(key);
    if (pending)
      return pending['mode'] === 1
        ? undefined
        : mergeItem(category, this.#state.streams[category].items.get(key), pending);
    return this.#state.streams[category].items.get(key);
  }

  /** Keys of the category's items as they will be after this command, in order. */
  keys(category: PushCategory): string[] {
    const keys = [...this.#state.streams[category].items.keys()];
    for (const [key, item] of this.#lists.get(category) ?? []) {
      const at = keys.indexOf(key);
      if (item['mode'] === 1) {
        if (at >= 0) keys.splice(at, 1);
      } else if (at < 0) keys.push(key);
    }
    return keys.filter((k) => this.item(category, k) !== undefined);
  }

  /** Upserts a whole item (replace categories) or an item with a full pinfoMap (new participants). */
  put(category: PushCategory, key: string, item: Item): void {
    const shape = CATEGORY_SPECS[category].shape;
    // Items of categories without a per-item mode (InviteResultDTO) carry none, in full and incremental alike.
    this.#pending(category).set(key, shape.kind === 'list' && !shape.hasMode ? item : { ...item, mode: 0 });
  }

  /** Sets `pinfoMap` keys of an existing item; keys whose value is unchanged are left out. */
  patchInfo(category: PushCategory, key: string, info: Record<string, string>): void {
    const current = this.item(category, key);
    if (!current) return;
    const map = (current['pinfoMap'] ?? {}) as Record<string, string>;
    const changed: Record<string, string> = {};
    for (const [k, v] of Object.entries(info)) if (map[k] !== v) changed[k] = v;
    if (Object.keys(changed).length === 0) return;
    const pending = this.#pending(category);
    const held = pending.get(key);
    const idField = keyField(category);
    if (held && held['mode'] !== 1) {
      pending.set(key, {
        ...held,
        pinfoMap: { ...(held['pinfoMap'] as Record<string, string>), ...changed },
      });
    } else {
      pending.set(key, { [idField]: key, mode: 0, pinfoMap: changed });
    }
  }

  remove(category: PushCategory, key: string): void {
    const pending = this.#pending(category);
    const existed = this.#state.streams[category].items.has(key);
    if (!existed) pending.delete(key);
    else pending.set(key, { [keyField(category)]: key, mode: 1 });
  }

  /** Sets object-category fields; only values that differ from the state are kept. */
  fields(category: PushCategory, fields: Record<string, unknown>): void {
    const current = this.#state.streams[category].fields;
    const pending = this.#fields.get(category) ?? {};
    for (const [k, v] of Object.entries(fields)) {
      if (JSON.stringify(current[k]) !== JSON.stringify(v)) pending[k] = v;
      else delete pending[k];
    }
    this.#fields.set(category, pending);
  }

  field(category: PushCategory, name: string): unknown {
    const pending = this.#fields.get(category);
    return pending && name in pending ? pending[name] : this.#state.streams[category].fields[name];
  }

  value(category: PushCategory, value: unknown): void {
    if (JSON.stringify(this.#state.streams[category].value) === JSON.stringify(value))
      this.#values.delete(category);
    else this.#values.set(category, value);
  }

  build(): Change[] {
    const changes: Change[] = [];
    for (const category of PUSH_CATEGORIES) {
      const items = this.#lists.get(category);
      if (items && items.size > 0) changes.push({ category, payload: [...items.values()] });
      const fields = this.#fields.get(category);
      if (fields && Object.keys(fields).length > 0) changes.push({ category, payload: fields });
      if (this.#values.has(category)) changes.push({ category, payload: this.#values.get(category) });
    }
    return changes;
  }

  #pending(category: PushCategory): Map<string, Item> {
    let m = this.#lists.get(category);
    if (!m) this.#lists.set(category, (m = new Map()));
    return m;
  }
}

function keyField(category: PushCategory): string {
  const shape = CATEGORY_SPECS[category].shape;
  return shape.kind === 'list' ? shape.key : 'key';
}

function mergeItem(category: PushCategory, held: Item | undefined, pending: Item): Item {
  const shape = CATEGORY_SPECS[category].shape;
  if (!held || shape.kind !== 'list' || shape.merge !== 'pinfoMap') return pending;
  return {
    ...held,
    ...pending,
    pinfoMap: {
      ...(held['pinfoMap'] as Record<string, string>),
      ...(pending['pinfoMap'] as Record<string, string>),
    },
  };
}
