/**
 * Janus's event handler (`sampleevh`) posts what happens in the rooms; this turns it into commands on the meetings
 * (docs/janus.md has the table): `joined` → join, `leaving` / `kicked` / PeerConnection hangup → leave with its
 * reason, `talking` / `stopped-talking` → speakers, `moderated` → MUTE / camera, `published` → camera, media
 * statistics → network quality. Every event names its participant by itself (room and publisher ID, or the opaque
 * ID of the join call), so any node of a cluster can take it; events of one room posted to one node are applied in
 * the order Janus sent them.
 */
import type { Item } from '@confpush/protocol';
import type { Logger } from 'pino';
import { LEAVE_REASONS, type Command } from '../domain/commands.js';
import { DomainError } from '../domain/errors.js';
import type { SourcePort } from '../sources/source.js';
import { VIDEOROOM } from './client.js';
import type { JanusIdentity, OpaqueHandle } from './identity.js';
import { netReportOf } from './netstats.js';
import type { Rooms } from './rooms.js';

/** Event types of Janus's event handlers. */
const EVENT_TYPES = { WEBRTC: 16, MEDIA: 32, PLUGIN: 64 } as const;

type Json = Record<string, unknown>;

/** Janus's average audio level is in dBov (0 loudest, 127 silence); a speaker's volume is 0–100. */
export function volumeOfDbov(dbov: unknown): number {
  const level = typeof dbov === 'number' && Number.isFinite(dbov) ? dbov : 127;
  return Math.min(100, Math.max(1, Math.round(100 - level)));
}

/** The participant of a handle; `handle` is known from an opaque ID of the join call only. */
type Handle = Omit<OpaqueHandle, 'handle'> & { handle?: OpaqueHandle['handle'] };

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const idOf = (v: unknown): string | undefined =>
  typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : undefined;

export interface JanusEventsOptions {
  port: SourcePort;
  identity: JanusIdentity;
  rooms: Rooms;
  logger: Logger;
}

export class JanusEvents {
  readonly #o: JanusEventsOptions;
  /** The participant of each publisher handle (`session:handle`), from its `joined` event. */
  readonly #handles = new Map<string, { confId: string; pid: string }>();
  /** Room of each participant (kicked and leaving events name the room; hangups and statistics do not). */
  readonly #roomOf = new Map<string, string>();
  /** Kind of each stream (`mid`) of each participant, from `published`. */
  readonly #mids = new Map<string, Map<string, string>>();
  readonly #queues = new Map<string, Promise<void>>();
  /** Participants being kicked by a host's hang-up: whatever way they leave, it is that. */
  readonly #kicking = new Set<string>();
  /** Events taken and commands refused, for the status. */
  readonly counts = { events: 0, commands: 0, refused: 0 };

  constructor(options: JanusEventsOptions) {
    this.#o = options;
  }

  /** Takes one post of the event handler (one event or, with grouping, an array of them). */
  accept(body: unknown): void {
    for (const event of Array.isArray(body) ? body : [body]) {
      if (!isObject(event)) continue;
      this.counts.events += 1;
      this.#dispatch(event);
    }
  }

  /** Waits until every accepted event has been applied. */
  async settled(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all([...this.#queues.values()]);
  }

  #dispatch(event: Json): void {
    const body = isObject(event['event']) ? event['event'] : undefined;
    if (!body) return;
    switch (event['type']) {
      case EVENT_TYPES.PLUGIN:
        if (body['plugin'] === VIDEOROOM && isObject(body['data'])) this.#plugin(event, body['data']);
        return;
      case EVENT_TYPES.WEBRTC:
        if (body['connection'] === 'hangup') {
          const who = this.#participantOf(event);
          // A subscriber handle hanging up is the page no longer watching one feed, not leaving.
          if (who && who.handle !== 'subscriber')
            this.#run(who.confId, () => this.#leave(who.confId, who.pid, LEAVE_REASONS.LEFT_BY_ITSELF));
        }
        return;
      case EVENT_TYPES.MEDIA:
        this.#media(event, body);
        return;
      default:
    }
  }

  #plugin(event: Json, data: Json): void {
    const confId = idOf(data['room']);
    const pid = idOf(data['id']);
    if (!confId) return;
    const kind = typeof data['event'] === 'string' ? data['event'] : data['videoroom'];
    switch (kind) {
      case 'joined':
        if (!pid) return;
        this.#handles.set(`${String(event['session_id'])}:${String(event['handle_id'])}`, { confId, pid });
        this.#roomOf.set(pid, confId);
        this.#run(confId, () => this.#joined(confId, pid, String(data['display'] ?? '')));
        return;
      case 'published':
        if (!pid) return;
        this.#run(confId, () => this.#published(confId, pid, data['streams']));
        return;
      case 'leaving':
      case 'kicked':
        if (!pid) return;
        this.#run(confId, () =>
          this.#leave(
            confId,
            pid,
            kind === 'kicked' ? LEAVE_REASONS.HUNG_UP_BY_HOST : LEAVE_REASONS.LEFT_BY_ITSELF,
          ),
        );
        return;
      case 'talking':
      case 'stopped-talking':
        if (!pid) return;
        this.#run(confId, () =>
          this.#speaking(confId, pid, kind === 'talking' ? volumeOfDbov(data['audio-level-dBov-avg']) : 0),
        );
        return;
      case 'moderated':
        if (!pid) return;
        this.#run(confId, () =>
          this.#moderated(confId, pid, String(data['mid'] ?? ''), data['moderation'] === 'muted'),
        );
        return;
      default:
    }
  }

  /**
   * The participant of an event without a room (hangup, statistics): from the opaque ID the join call answered
   * (any node can read it), else, for a page that used the bare participant ID or no opaque ID, from what this node
   * saw of the participant's `joined` event.
   */
  #participantOf(event: Json): Handle | undefined {
    const opaque = idOf(event['opaque_id']);
    const derived = opaque ? this.#o.identity.fromOpaqueId(opaque) : undefined;
    if (derived) return derived;
    if (opaque) {
      const confId = this.#roomOf.get(opaque);
      if (confId) return { confId, pid: opaque };
    }
    return this.#handles.get(`${String(event['session_id'])}:${String(event['handle_id'])}`);
  }

  /** Runs `work` in the meeting's order of events (a control call confirmed by Janus commits through here). */
  apply(confId: string, work: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#run(confId, () => work().then(resolve, reject));
    });
  }

  /** A host hangs this participant up: its leaving, kick or hangup event is reason 11076002. */
  kicking(pid: string, on: boolean): void {
    if (on) this.#kicking.add(pid);
    else this.#kicking.delete(pid);
  }

  /** A participant found in a room by reconciliation. */
  remember(confId: string, pid: string): void {
    this.#roomOf.set(pid, confId);
  }

  #run(confId: string, work: () => Promise<void>): void {
    const previous = this.#queues.get(confId) ?? Promise.resolve();
    const next = previous.then(work).catch((error: unknown) => {
      this.#o.logger.error({ err: error, confId }, 'Janus event failed');
    });
    this.#queues.set(confId, next);
    void next.then(() => {
      if (this.#queues.get(confId) === next) this.#queues.delete(confId);
    });
  }

  /** Executes a command; a refusal (the meeting ended, the participant left meanwhile) is logged and returned. */
  async #execute(confId: string, command: Command): Promise<DomainError | undefined> {
    try {
      await this.#o.port.execute(confId, command);
      this.counts.commands += 1;
      return undefined;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.counts.refused += 1;
      this.#o.logger.debug({ confId, command: command.type, code: error.code }, 'Janus event refused');
      return error;
    }
  }

  async #joined(confId: string, pid: string, display: string): Promise<void> {
    const state = await this.#o.port.read(confId);
    // A room of another application on the same Janus (no such meeting), or of a meeting that ended: not ours.
    if (!state || state.record.state !== 'Created') return;
    const issued = this.#o.identity.verify(pid);
    if (!issued) {
      // Not a participant of the join API (a made-up publisher ID): it has no place in the meeting.
      await this.#o.rooms.kick(confId, pid).catch(() => undefined);
      return;
    }
    // The token was single-use.
    await this.#o.rooms
      .allow(confId, 'remove', [this.#o.identity.token(pid)])
      .catch((error: unknown) =>
        this.#o.logger.warn({ err: error, confId }, 'could not remove a used token'),
      );
    const present = state.streams.ParticipantsNotify.items.get(pid);
    if (present) {
      // An invited attendee is "being called" (STATE "1") from its join call on: joining the room answers it.
      if ((present['pinfoMap'] as Json | undefined)?.['STATE'] === '1') {
        const refused = await this.#execute(confId, { type: 'callResult', pid, resultCode: 0 });
        if (refused) await this.#o.rooms.kick(confId, pid).catch(() => undefined);
      }
      // Otherwise admitted from the waiting room (or reconciled): already a participant.
      return;
    }
    const refused = await this.#execute(confId, {
      type: 'join',
      site: { pid, name: display || pid, tel: pid, role: issued.role, video: true, camera: false },
    });
    if (refused) await this.#o.rooms.kick(confId, pid).catch(() => undefined);
  }

  async #published(confId: string, pid: string, streams: unknown): Promise<void> {
    const mids = new Map<string, string>();
    for (const stream of Array.isArray(streams) ? streams : []) {
      if (isObject(stream) && typeof stream['mid'] === 'string' && typeof stream['type'] === 'string')
        mids.set(stream['mid'], stream['type']);
    }
    this.#mids.set(pid, mids);
    if ([...mids.values()].includes('video')) await this.#execute(confId, { type: 'camera', pid, on: true });
  }

  /** The `mid` of a participant's stream of this kind (Janus numbers them in the order the page added them). */
  midOf(pid: string, kind: 'audio' | 'video'): string | undefined {
    for (const [mid, type] of this.#mids.get(pid) ?? []) if (type === kind) return mid;
    return undefined;
  }

  async #leave(confId: string, pid: string, reason: number): Promise<void> {
    this.#roomOf.delete(pid);
    this.#mids.delete(pid);
    for (const [key, who] of this.#handles) if (who.pid === pid) this.#handles.delete(key);
    const state = await this.#o.port.read(confId);
    if (!state?.streams.ParticipantsNotify.items.has(pid) && !state?.streams.WaitingListNotify.items.has(pid))
      return;
    const cause = this.#kicking.has(pid) ? LEAVE_REASONS.HUNG_UP_BY_HOST : reason;
    await this.#execute(confId, { type: 'leave', pid, reason: cause });
  }

  /**
   * Janus reports transitions only (talking, stopped-talking), so the speakers are the committed ones with this
   * change: whichever node of a cluster got the previous transitions, and a leave already took its speaker out.
   */
  async #speaking(confId: string, pid: string, volume: number): Promise<void> {
    const state = await this.#o.port.read(confId);
    const current = (state?.streams.SpeakerChangeNotify.value ?? []) as Item[];
    const volumes = new Map(current.map((c) => [String(c['pid']), Number(c['speakingVolume']) || 1]));
    if (volume > 0) volumes.set(pid, volume);
    else if (!volumes.delete(pid)) return;
    await this.#execute(confId, {
      type: 'speakers',
      volumes: [...volumes].map(([p, v]) => ({ pid: p, volume: v })),
    });
  }

  async #moderated(confId: string, pid: string, mid: string, muted: boolean): Promise<void> {
    const kind = this.#mids.get(pid)?.get(mid) ?? (mid === '0' || mid === '' ? 'audio' : 'video');
    if (kind === 'video') {
      await this.#execute(confId, { type: 'camera', pid, on: !muted });
      return;
    }
    const state = await this.#o.port.read(confId);
    const current = state?.streams.ParticipantsNotify.items.get(pid)?.['pinfoMap'] as Json | undefined;
    if (current?.['MUTE'] !== (muted ? '1' : '0'))
      await this.#execute(confId, { type: 'mute', pid, mute: muted });
    // Janus stops measuring the level of a muted stream: no stopped-talking follows, so muting is one.
    if (muted) await this.#speaking(confId, pid, 0);
  }

  /** Statistics of a participant's audio (docs/janus.md): of its publisher handle or of a subscriber handle. */
  #media(event: Json, body: Json): void {
    // Only statistics: Janus's other media events (`receiving`, slow link) carry no counters.
    const counted = typeof body['packets-received'] === 'number' || typeof body['packets-sent'] === 'number';
    if (body['media'] !== 'audio' || !counted) return;
    const who = this.#participantOf(event);
    if (!who) return;
    this.#run(who.confId, async () => {
      const state = await this.#o.port.read(who.confId);
      if (!state?.streams.ParticipantsNotify.items.has(who.pid)) return;
      const current = state.streams.NetConditionNotify.items.get(who.pid);
      const report = netReportOf(who.pid, body, current, who.handle);
      await this.#execute(who.confId, { type: 'netQuality', reports: [report] });
    });
  }

  /** Forgets everything of a meeting that ended. */
  forget(confId: string): void {
    for (const [pid, room] of this.#roomOf) {
      if (room !== confId) continue;
      this.#roomOf.delete(pid);
      this.#mids.delete(pid);
    }
    for (const [key, who] of this.#handles) if (who.confId === confId) this.#handles.delete(key);
  }
}
