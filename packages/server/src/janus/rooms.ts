/**
 * VideoRoom rooms follow meetings: a meeting in progress has a room whose numeric ID is the conference ID (audio
 * level events on, `notify_joining`, a room secret, a token required to join); a meeting that ended has none.
 * Requests for one room run one after another, so a create never overtakes a destroy of the same meeting.
 */
import type { Logger } from 'pino';
import type { JanusClient, PluginData } from './client.js';
import { JanusError } from './client.js';
import type { JanusIdentity } from './identity.js';

/** VideoRoom error codes (janus_videoroom.c). */
export const VIDEOROOM_ERRORS = { NO_SUCH_ROOM: 426, ROOM_EXISTS: 427, NO_SUCH_FEED: 428 } as const;

/** One publisher of a room as Janus lists it. */
export interface JanusParticipant {
  id: string;
  display: string;
  publisher: boolean;
  talking: boolean;
}

export interface RoomsOptions {
  client: JanusClient;
  identity: JanusIdentity;
  adminKey: string;
  logger: Logger;
}

export class Rooms {
  readonly #o: RoomsOptions;
  /** Rooms believed to exist on the Janus connected to (forgotten when the connection is lost). */
  readonly #known = new Set<string>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: RoomsOptions) {
    this.#o = options;
  }

  /** Meetings whose room exists (as far as this node knows). */
  get known(): ReadonlySet<string> {
    return this.#known;
  }

  /** Forgets what it knew of Janus (the connection was lost: Janus may have restarted without its rooms). */
  forget(): Set<string> {
    const had = new Set(this.#known);
    this.#known.clear();
    return had;
  }

  /** Runs `work` after every earlier request of the same room. */
  #serial<T>(confId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(confId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.#queues.set(confId, tail);
    void tail.then(() => {
      if (this.#queues.get(confId) === tail) this.#queues.delete(confId);
    });
    return next;
  }

  #room(confId: string): { room: number; secret: string } {
    return { room: Number(confId), secret: this.#o.identity.roomSecret(confId) };
  }

  /** Creates the meeting's room unless it exists. */
  ensure(confId: string): Promise<void> {
    if (this.#known.has(confId)) return Promise.resolve();
    return this.#serial(confId, async () => {
      if (this.#known.has(confId)) return;
      const { room, secret } = this.#room(confId);
      const exists = await this.#o.client.videoroom({ request: 'exists', room });
      if (exists['exists'] !== true) {
        try {
          await this.#o.client.videoroom({
            request: 'create',
            admin_key: this.#o.adminKey,
            room,
            description: `confpush ${confId}`,
            secret,
            is_private: true,
            permanent: false,
            publishers: 100,
            audiolevel_event: true,
            audio_active_packets: 50,
            audio_level_average: 25,
            notify_joining: true,
            allowed: [],
          });
          this.#o.logger.info({ confId }, 'Janus room created');
        } catch (error) {
          if (!(error instanceof JanusError && error.code === VIDEOROOM_ERRORS.ROOM_EXISTS)) throw error;
        }
      }
      this.#known.add(confId);
    });
  }

  /** Destroys the meeting's room (nothing when it does not exist). */
  destroy(confId: string): Promise<void> {
    return this.#serial(confId, async () => {
      this.#known.delete(confId);
      try {
        await this.#o.client.videoroom({ request: 'destroy', ...this.#room(confId) });
        this.#o.logger.info({ confId }, 'Janus room destroyed');
      } catch (error) {
        if (!(error instanceof JanusError && error.code === VIDEOROOM_ERRORS.NO_SUCH_ROOM)) throw error;
      }
    });
  }

  /** Adds or removes join tokens of the room's allowed list. */
  async allow(confId: string, action: 'add' | 'remove', tokens: string[]): Promise<void> {
    await this.ensure(confId);
    await this.#serial(confId, () =>
      this.#o.client.videoroom({ request: 'allowed', action, allowed: tokens, ...this.#room(confId) }),
    );
  }

  /** Mutes or unmutes one stream of a publisher (`moderate`). */
  moderate(confId: string, pid: string, mid: string, mute: boolean): Promise<PluginData> {
    return this.#serial(confId, () =>
      this.#o.client.videoroom({ request: 'moderate', ...this.#room(confId), id: Number(pid), mid, mute }),
    );
  }

  /** Removes a publisher from the room (`kick`). */
  kick(confId: string, pid: string): Promise<PluginData> {
    return this.#serial(confId, () =>
      this.#o.client.videoroom({ request: 'kick', ...this.#room(confId), id: Number(pid) }),
    );
  }

  /** The room's participants, or undefined when Janus has no such room. */
  async participants(confId: string): Promise<JanusParticipant[] | undefined> {
    try {
      const data = await this.#o.client.videoroom({ request: 'listparticipants', room: Number(confId) });
      const list = Array.isArray(data['participants'])
        ? (data['participants'] as Record<string, unknown>[])
        : [];
      return list.map((p) => ({
        id: String(p['id']),
        display: typeof p['display'] === 'string' ? p['display'] : '',
        publisher: p['publisher'] === true,
        talking: p['talking'] === true,
      }));
    } catch (error) {
      if (error instanceof JanusError && error.code === VIDEOROOM_ERRORS.NO_SUCH_ROOM) return undefined;
      throw error;
    }
  }

  /** Numeric IDs of every room Janus has (`list` shows private rooms to the admin key). */
  async list(): Promise<string[]> {
    const data = await this.#o.client.videoroom({ request: 'list', admin_key: this.#o.adminKey });
    const rooms = Array.isArray(data['list']) ? (data['list'] as Record<string, unknown>[]) : [];
    return rooms.map((r) => String(r['room']));
  }
}
