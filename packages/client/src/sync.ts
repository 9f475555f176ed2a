/**
 * The bookkeeping of one subscription: which positions a `Subscribe` asks to resume, what the reply promises
 * per category, when every promised stream has caught up, and which full messages mean "continuity was lost"
 * (`rebuilt`) or an incremental replay completed (`resumed`).
 *
 *   Subscribe(resume: positions) ──► reply.streams[c]
 *       delivery 'resumed' ──► incrementals from+1 … to ──► resumed(c, from, to)
 *       delivery 'full'    ──► full message            ──► rebuilt(c, reason) unless its seq proves continuity
 *   no `streams` (Huawei) ──► live at once; the first full per category after a reconnect is a rebuild
 */
import {
  base64Utf8,
  isPlainObject,
  REPLY_CODES,
  toNumber,
  toStringValue,
  type PushCategory,
  type StreamPosition,
  type SubscribeData,
} from '@confpush/protocol';
import type { ApplyResult, MeetingReplica } from './meeting.js';

/**
 * Why a full message replaced a category's state:
 * - `initial`: the first state of the category.
 * - `resume-impossible`: the client asked to resume but the server no longer had the missing changes (or
 *   resuming was switched off).
 * - `gap`: the client saw a gap in the incremental sequence and the server sent a full to repair it.
 * - `backpressure`: the server replaced a backlog it could not deliver with a full message.
 * - `huawei-no-resume`: the server has no resume extension (Huawei Cloud), so every reconnect starts over.
 */
export type RebuildReason = 'initial' | 'resume-impossible' | 'gap' | 'backpressure' | 'huawei-no-resume';

export type SyncEvent =
  | { kind: 'rebuilt'; category: PushCategory; reason: RebuildReason }
  | { kind: 'resumed'; category: PushCategory; from: number; to: number };

export type ReplyVerdict =
  | { ok: true; events: SyncEvent[]; inconsistent: PushCategory[] }
  | { ok: false; returnCode: number; returnDesc: string };

interface SyncContext {
  replica: MeetingReplica;
  categories: readonly PushCategory[];
  /** Ask to resume from known positions. */
  resume: boolean;
  /** Categories whose last connection ended on a sequence gap. */
  gapped: ReadonlySet<PushCategory>;
  /** Categories the server answered inconsistently about: take a full message. */
  noResume: ReadonlySet<PushCategory>;
}

type Pending = { kind: 'full' } | { kind: 'resumed'; from: number; to: number };

export class SubscriptionSync {
  readonly #ctx: SyncContext;
  /** Categories asked to resume, with the position sent. */
  readonly #asked = new Map<PushCategory, StreamPosition>();
  /** Why the next full message of a category (already synced before) would replace its state. */
  readonly #restart = new Map<PushCategory, RebuildReason>();
  readonly #pending = new Map<PushCategory, Pending>();
  #replied = false;
  /** The server described its streams (confpush); false against Huawei Cloud. */
  extensions = false;

  constructor(ctx: SyncContext) {
    this.#ctx = ctx;
  }

  get replied(): boolean {
    return this.#replied;
  }

  /** Every promised stream has arrived. */
  get complete(): boolean {
    return this.#replied && this.#pending.size === 0;
  }

  /** The `data` of the `Subscribe` frame, with the resume positions this attempt can offer. */
  subscribeData(controlToken: string): SubscribeData {
    const { replica, categories, gapped, noResume } = this.#ctx;
    const resume: Record<string, StreamPosition> = {};
    const positions = replica.positions();
    for (const category of categories) {
      const stream = replica.stream(category);
      const position = positions[category];
      if (stream.synced) {
        this.#restart.set(
          category,
          gapped.has(category) ? 'gap' : position ? 'resume-impossible' : 'huawei-no-resume',
        );
      }
      if (position && this.#ctx.resume && !noResume.has(category)) {
        resume[category] = position;
        this.#asked.set(category, position);
      }
      // Without an epoch the numbering is the server's own (Huawei): it restarts with the connection.
      if (!stream.epoch) stream.seq = undefined;
    }
    const data: SubscribeData = {
      subscribeType: [...categories],
      confToken: `Basic ${base64Utf8(controlToken)}`,
    };
    if (Object.keys(resume).length > 0) data.resume = resume;
    return data;
  }

  /** Reads the `data` of the `Subscribe` reply. */
  onReply(data: Record<string, unknown>): ReplyVerdict {
    const returnCode = toNumber(data['returnCode']);
    const returnDesc = toStringValue(data['returnDesc']) ?? '';
    if (returnCode !== REPLY_CODES.SUCCESS.code)
      return { ok: false, returnCode: returnCode ?? -1, returnDesc };
    this.#replied = true;
    const streams = isPlainObject(data['streams']) ? data['streams'] : undefined;
    this.extensions = streams !== undefined;
    const events: SyncEvent[] = [];
    const inconsistent: PushCategory[] = [];
    for (const category of this.#ctx.categories) {
      const info = streams?.[category];
      if (!isPlainObject(info)) continue;
      const seq = toNumber(info['seq']);
      if (info['delivery'] !== 'resumed') {
        this.#pending.set(category, { kind: 'full' });
        continue;
      }
      const asked = this.#asked.get(category);
      const stream = this.#ctx.replica.stream(category);
      if (!asked || seq === undefined || toStringValue(info['epoch']) !== stream.epoch || asked.seq > seq) {
        inconsistent.push(category);
        continue;
      }
      if (asked.seq === seq) {
        this.#restart.delete(category);
        events.push({ kind: 'resumed', category, from: asked.seq, to: seq });
      } else {
        this.#pending.set(category, { kind: 'resumed', from: asked.seq, to: seq });
      }
    }
    return { ok: true, events, inconsistent };
  }

  /** Accounts for one applied push frame; returns the sync events it completes. */
  onApplied(result: ApplyResult): SyncEvent[] {
    const category = result.category;
    if (!category) return [];
    const pending = this.#pending.get(category);
    if (result.msgMode === 1) {
      const seq = this.#ctx.replica.stream(category).seq;
      if (pending?.kind !== 'resumed' || seq === undefined || seq < pending.to) return [];
      this.#pending.delete(category);
      this.#restart.delete(category);
      return [{ kind: 'resumed', category, from: pending.from, to: pending.to }];
    }
    if (pending) this.#pending.delete(category);
    const reason = this.#rebuildReason(category, result);
    this.#restart.delete(category);
    return reason ? [{ kind: 'rebuilt', category, reason }] : [];
  }

  /** Undefined when the full message provably continues the state it replaced. */
  #rebuildReason(category: PushCategory, result: ApplyResult): RebuildReason | undefined {
    const { before, frameSeq, frameEpoch } = result;
    if (!before.synced) return 'initial';
    const fullOnly = this.#ctx.replica.stream(category).spec.fullOnly;
    // A full-only category moves one step per full message; any other category's full must not move at all.
    const continuous =
      before.epoch !== undefined &&
      before.epoch === frameEpoch &&
      before.seq !== undefined &&
      frameSeq !== undefined &&
      frameSeq >= before.seq &&
      frameSeq <= before.seq + (fullOnly ? 1 : 0);
    if (continuous) return undefined;
    const restart = this.#restart.get(category);
    if (restart) return restart;
    // Mid-connection: only a server that numbers its streams can tell a skipped backlog from an ordinary full.
    return before.epoch !== undefined ? 'backpressure' : undefined;
  }
}

/** What a refused `Subscribe` means: the meeting is over, retrying cannot help, or a new token may. */
export function subscribeRefusal(returnCode: number): 'meeting-ended' | 'fatal' | 'new-token' {
  switch (returnCode) {
    case REPLY_CODES.MEETING_NOT_IN_PROGRESS.code:
      return 'meeting-ended';
    case REPLY_CODES.INVALID_DATA.code:
    case REPLY_CODES.CONF_TOKEN_WRONG_MEETING.code:
    case REPLY_CODES.UNKNOWN_ACTION.code:
      return 'fatal';
    default:
      return 'new-token';
  }
}
