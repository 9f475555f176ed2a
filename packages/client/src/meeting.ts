/**
 * `MeetingReplica`: the client's copy of one meeting, one `CategoryReplica` per push category, with typed
 * views and the change events each frame causes.
 *
 *     frame ──► view before ──► CategoryReplica.applyFrame ──► view after ──► diff ──► MeetingChange[]
 *
 * List views are kept incrementally: an incremental message re-reads only the items it names, so a frame costs
 * O(items in the frame), not O(participants).
 */
import {
  CategoryReplica,
  isPlainObject,
  isPushCategory,
  PUSH_CATEGORIES,
  toNumber,
  toStringValue,
  trimKeys,
  type ApplyOutcome,
  type Item,
  type PushCategory,
  type StreamPosition,
} from '@confpush/protocol';
import {
  diffAttendees,
  diffBasicInfo,
  diffInterpreterGroups,
  diffInviteResults,
  diffNetConditions,
  diffParticipants,
  diffSpeakers,
  diffStatus,
  diffSubtitle,
  diffWaitingList,
  type EntryPair,
  type MeetingChange,
  type Via,
} from './changes.js';
import { parseAttendee, type Attendee } from './views/attendees.js';
import { parseBasicInfo, parseStatus, type BasicInfo, type ConfStatus } from './views/conference.js';
import {
  parseInterpreterGroups,
  parseInviteResult,
  parseNetCondition,
  parseSpeakers,
  parseSubtitle,
  type InterpreterGroup,
  type InviteResult,
  type NetCondition,
  type Speaker,
  type Subtitle,
} from './views/media.js';
import {
  parseParticipant,
  parseWaitingMember,
  type Participant,
  type WaitingMember,
} from './views/participants.js';

/** Where a stream stood before a frame was applied. */
export interface StreamMark {
  readonly synced: boolean;
  readonly epoch: string | undefined;
  readonly seq: number | undefined;
}

export interface ApplyResult {
  /** Undefined when the frame is not a push message. */
  readonly category: PushCategory | undefined;
  readonly outcome: ApplyOutcome;
  /** 0 full, 1 incremental. */
  readonly msgMode: 0 | 1 | undefined;
  readonly changes: readonly MeetingChange[];
  readonly before: StreamMark;
  /** `seq` / `epoch` a full message carried (confpush extension). */
  readonly frameSeq: number | undefined;
  readonly frameEpoch: string | undefined;
}

export interface ApplyOptions {
  /** Apply an incremental even when its `version` skips numbers (for servers whose versions are not per stream). */
  acceptGap?: boolean;
  /**
   * Work out the changes the frame causes (default true). With false, `changes` is empty and the category's typed
   * view is read again from the replica when next asked for: a consumer of the raw state only (the relay) saves the
   * parsing and the diff.
   */
  describe?: boolean;
}

/** A list category's typed entries, kept in step with its replica. */
class ListView<T> {
  #cache: Map<string, T> | undefined;

  constructor(
    private readonly replica: CategoryReplica,
    private readonly parse: (key: string, item: Item) => T,
  ) {}

  get map(): Map<string, T> {
    if (!this.#cache) {
      this.#cache = new Map();
      for (const [key, item] of this.replica.items) this.#cache.set(key, this.parse(key, item));
    }
    return this.#cache;
  }

  /** Makes sure the entries reflect the replica before it changes. */
  touch(): void {
    void this.map;
  }

  /** Drops the typed entries: the next read parses the replica again. */
  forget(): void {
    this.#cache = undefined;
  }

  /** Re-reads `keys` (every item when undefined) from the replica; returns each entry before and after. */
  refresh(keys: readonly string[] | undefined): EntryPair<T>[] {
    const before = this.map;
    const pairs: EntryPair<T>[] = [];
    if (keys === undefined) {
      const next = new Map<string, T>();
      for (const [key, item] of this.replica.items) next.set(key, this.parse(key, item));
      for (const [key, value] of before) pairs.push([key, value, next.get(key)]);
      for (const [key, value] of next) if (!before.has(key)) pairs.push([key, undefined, value]);
      this.#cache = next;
      return pairs;
    }
    for (const key of new Set(keys)) {
      const previous = before.get(key);
      const item = this.replica.items.get(key);
      const value = item ? this.parse(key, item) : undefined;
      if (value === undefined) before.delete(key);
      else before.set(key, value);
      pairs.push([key, previous, value]);
    }
    return pairs;
  }
}

/** A non-list category's typed value, re-read after every frame. */
class ValueView<T> {
  #value: T | undefined;
  #valid = false;

  constructor(private readonly read: () => T) {}

  get value(): T {
    if (!this.#valid) {
      this.#value = this.read();
      this.#valid = true;
    }
    return this.#value as T;
  }

  /** Makes sure the value reflects the replica before it changes. */
  touch(): void {
    void this.value;
  }

  /** Drops the typed value: the next read parses the replica again. */
  forget(): void {
    this.#valid = false;
    this.#value = undefined;
  }

  /** Returns [before, after] around a change of the replica (call `value` before changing it). */
  refresh(): [T, T] {
    const before = this.value;
    this.#valid = false;
    return [before, this.value];
  }
}

export class MeetingReplica {
  readonly #streams = new Map<PushCategory, CategoryReplica>();
  readonly #attendees: ListView<Attendee>;
  readonly #participants: ListView<Participant>;
  readonly #netConditions: ListView<NetCondition>;
  readonly #inviteResults: ListView<InviteResult>;
  readonly #waitingList: ListView<WaitingMember>;
  readonly #status: ValueView<ConfStatus | undefined>;
  readonly #basicInfo: ValueView<BasicInfo | undefined>;
  readonly #speakers: ValueView<Speaker[]>;
  readonly #subtitle: ValueView<Subtitle | undefined>;
  readonly #interpreterGroups: ValueView<InterpreterGroup[]>;
  /** The typed view of each category. */
  readonly #views: Record<PushCategory, { touch(): void; forget(): void }>;

  constructor() {
    for (const category of PUSH_CATEGORIES) this.#streams.set(category, new CategoryReplica(category));
    this.#attendees = new ListView(this.stream('AttendeesNotify'), parseAttendee);
    this.#participants = new ListView(this.stream('ParticipantsNotify'), parseParticipant);
    this.#netConditions = new ListView(this.stream('NetConditionNotify'), parseNetCondition);
    this.#inviteResults = new ListView(this.stream('InviteResultNotify'), parseInviteResult);
    this.#waitingList = new ListView(this.stream('WaitingListNotify'), parseWaitingMember);
    // Object categories update `fields` in place: each view reads a copy, so before and after stay distinct.
    const status = this.stream('ConfDynamicInfoNotify');
    this.#status = new ValueView(() =>
      status.synced || hasKeys(status.fields) ? parseStatus({ ...status.fields }) : undefined,
    );
    const basic = this.stream('ConfBasicInfoNotify');
    this.#basicInfo = new ValueView(() =>
      basic.synced || hasKeys(basic.fields) ? parseBasicInfo({ ...basic.fields }) : undefined,
    );
    const speakers = this.stream('SpeakerChangeNotify');
    this.#speakers = new ValueView(() => parseSpeakers(speakers.value));
    const subtitle = this.stream('RealTimeSubtitleNotify');
    this.#subtitle = new ValueView(() => parseSubtitle(subtitle.value));
    const groups = this.stream('InterpreterGroupNotify');
    this.#interpreterGroups = new ValueView(() => parseInterpreterGroups(groups.value));
    this.#views = {
      AttendeesNotify: this.#attendees,
      ParticipantsNotify: this.#participants,
      NetConditionNotify: this.#netConditions,
      InviteResultNotify: this.#inviteResults,
      WaitingListNotify: this.#waitingList,
      ConfDynamicInfoNotify: this.#status,
      ConfBasicInfoNotify: this.#basicInfo,
      SpeakerChangeNotify: this.#speakers,
      RealTimeSubtitleNotify: this.#subtitle,
      InterpreterGroupNotify: this.#interpreterGroups,
    };
  }

  /** The raw replica of one category (state, `epoch`, `seq`, `synced`). */
  stream(category: PushCategory): CategoryReplica {
    const replica = this.#streams.get(category);
    if (!replica) throw new TypeError(`unknown push category ${String(category)}`);
    return replica;
  }

  /** The resumable position of every category that has one (a confpush epoch and a sequence number). */
  positions(): Partial<Record<PushCategory, StreamPosition>> {
    const out: Partial<Record<PushCategory, StreamPosition>> = {};
    for (const [category, replica] of this.#streams) {
      if (replica.synced && replica.epoch && replica.seq !== undefined) {
        out[category] = { epoch: replica.epoch, seq: replica.seq };
      }
    }
    return out;
  }

  /** Invited attendees by key (`participantID`, else `phone`, `userUUID`, `accountId`). */
  get attendees(): ReadonlyMap<string, Attendee> {
    return this.#attendees.map;
  }
  /** Online participants by `pid`, in arrival order. */
  get participants(): ReadonlyMap<string, Participant> {
    return this.#participants.map;
  }
  /** Up to three loudest speakers; empty when nobody speaks. */
  get speakers(): readonly Speaker[] {
    return this.#speakers.value;
  }
  /** Meeting status; undefined until received. */
  get status(): ConfStatus | undefined {
    return this.#status.value;
  }
  /** Basic meeting information; undefined until received. */
  get basicInfo(): BasicInfo | undefined {
    return this.#basicInfo.value;
  }
  /** Media quality by participant ID. */
  get netConditions(): ReadonlyMap<string, NetCondition> {
    return this.#netConditions.map;
  }
  /** Latest invitation result (or leave reason) by called number. */
  get inviteResults(): ReadonlyMap<string, InviteResult> {
    return this.#inviteResults.map;
  }
  /** The latest live caption; undefined until captions arrive. */
  get subtitles(): Subtitle | undefined {
    return this.#subtitle.value;
  }
  /** Waiting-room members by `pid`. */
  get waitingList(): ReadonlyMap<string, WaitingMember> {
    return this.#waitingList.map;
  }
  get interpreterGroups(): readonly InterpreterGroup[] {
    return this.#interpreterGroups.value;
  }

  /** Applies one received frame (already JSON-parsed) and returns its outcome and the changes it caused. */
  applyFrame(rawFrame: unknown, options: ApplyOptions = {}): ApplyResult {
    const frame = isPlainObject(rawFrame) ? (trimKeys(rawFrame) as Item) : {};
    const category = isPushCategory(frame['action']) ? frame['action'] : undefined;
    const mode = toNumber(frame['msgMode']);
    const msgMode: 0 | 1 | undefined = mode === 0 || mode === 1 ? mode : undefined;
    const frameSeq = msgMode === 0 ? toNumber(frame['seq']) : undefined;
    const frameEpoch = msgMode === 0 ? toStringValue(frame['epoch']) : undefined;
    const base = { category, msgMode, frameSeq, frameEpoch };
    if (!category)
      return {
        ...base,
        outcome: 'ignored',
        changes: [],
        before: { synced: false, epoch: undefined, seq: undefined },
      };
    const replica = this.stream(category);
    const before: StreamMark = { synced: replica.synced, epoch: replica.epoch, seq: replica.seq };
    const describe = options.describe ?? true;
    const view = this.#views[category];
    if (describe) view.touch();
    let outcome = replica.applyFrame(frame);
    if (outcome === 'gap' && options.acceptGap) {
      const version = toNumber(frame['version']);
      if (version !== undefined) replica.seq = version - 1;
      outcome = replica.applyFrame(frame);
    }
    if (outcome !== 'applied') return { ...base, outcome, changes: [], before };
    if (!describe) {
      view.forget();
      return { ...base, outcome, changes: [], before };
    }
    const via: Via = msgMode === 0 ? 'full' : 'incremental';
    const keys = msgMode === 0 ? undefined : this.#keysOf(replica, frame['data']);
    return { ...base, outcome, changes: this.#diff(category, keys, via), before };
  }

  #diff(category: PushCategory, keys: string[] | undefined, via: Via): MeetingChange[] {
    switch (category) {
      case 'AttendeesNotify':
        return diffAttendees(this.#attendees.refresh(keys), via);
      case 'ParticipantsNotify':
        return diffParticipants(this.#participants.refresh(keys), via);
      case 'NetConditionNotify':
        return diffNetConditions(this.#netConditions.refresh(keys), via);
      case 'InviteResultNotify':
        return diffInviteResults(this.#inviteResults.refresh(keys), via);
      case 'WaitingListNotify': {
        const pairs = this.#waitingList.refresh(keys);
        return diffWaitingList(pairs, [...this.#waitingList.map.values()], via);
      }
      case 'ConfDynamicInfoNotify':
        return diffStatus(...this.#status.refresh(), via);
      case 'ConfBasicInfoNotify':
        return diffBasicInfo(...this.#basicInfo.refresh(), via);
      case 'SpeakerChangeNotify':
        return diffSpeakers(...this.#speakers.refresh(), via);
      case 'RealTimeSubtitleNotify':
        return diffSubtitle(...this.#subtitle.refresh(), via);
      case 'InterpreterGroupNotify':
        return diffInterpreterGroups(...this.#interpreterGroups.refresh(), via);
    }
  }

  #keysOf(replica: CategoryReplica, data: unknown): string[] {
    if (!Array.isArray(data)) return [];
    const keys: string[] = [];
    for (const item of data) {
      const key = isPlainObject(item) ? replica.keyOf(item) : undefined;
      if (key !== undefined) keys.push(key);
    }
    return keys;
  }
}

function hasKeys(value: object): boolean {
  for (const _ in value) return true;
  return false;
}
