/**
 * The friendly facade:
 *
 *     const client = new ConfpushClient({ baseUrl: 'http://localhost:8080' });
 *     const meeting = await client.join({ conferenceID: '900487914', hostPassword: '123456' });
 *     meeting.on('participantJoined', ({ participant }) => show(participant.name));
 *     meeting.participants; // live typed view
 *     meeting.close();
 */
import type { PushCategory } from '@confpush/protocol';
import type { MeetingChange, MeetingChangeEvents } from './changes.js';
import type { ConnectionEvents, ConnectionState, ConnectionStats } from './connection-state.js';
import { PushConnection } from './connection.js';
import { TypedEmitter } from './emitter.js';
import { MeetingReplica } from './meeting.js';
import { resolveOptions, type ConfpushClientInit, type ConfpushClientOptions } from './options.js';
import { MeetingControl } from './api/control.js';
import { MediaPlane } from './api/media-plane.js';
import { MeetingManagement } from './api/meetings.js';
import type { ConfControlReply } from './conf-control.js';
import { RestClient } from './rest.js';
import type { Attendee } from './views/attendees.js';
import type { BasicInfo, ConfStatus } from './views/conference.js';
import type { InterpreterGroup, InviteResult, NetCondition, Speaker, Subtitle } from './views/media.js';
import type { Participant, WaitingMember } from './views/participants.js';

export interface JoinOptions {
  conferenceID: string;
  /** Host password of the meeting (the control token is obtained with it). */
  hostPassword: string;
  /** Categories to subscribe to (default: the client's `categories` option). */
  categories?: readonly PushCategory[];
}

/** Connection events plus one event per change type (`participantJoined`, `muted`, …). */
export type SessionEvents = ConnectionEvents & MeetingChangeEvents;

const FORWARDED = ['state', 'frame', 'rebuilt', 'resumed', 'error', 'closed'] as const;

/** A live meeting: its replica, its events and `close()`. */
export class MeetingSession extends TypedEmitter<SessionEvents> {
  readonly connection: PushConnection;
  readonly replica: MeetingReplica;

  constructor(connection: PushConnection) {
    super();
    this.connection = connection;
    this.replica = connection.replica;
    for (const event of FORWARDED) {
      connection.on(event, (...args: ConnectionEvents[typeof event]) => this.#forward(event, args));
    }
    // Each change is also emitted under its own type; the event map guarantees the payload matches the name.
    const emitByType = this.emit.bind(this) as (type: MeetingChange['type'], change: MeetingChange) => void;
    connection.on('change', (change) => {
      this.emit('change', change);
      emitByType(change.type, change);
    });
  }

  #forward<K extends (typeof FORWARDED)[number]>(event: K, args: ConnectionEvents[K]): void {
    this.emit(event, ...(args as SessionEvents[K]));
  }

  get conferenceID(): string {
    return this.connection.conferenceID;
  }
  get state(): ConnectionState {
    return this.connection.state;
  }
  get stats(): Readonly<ConnectionStats> {
    return this.connection.stats;
  }
  get participants(): ReadonlyMap<string, Participant> {
    return this.replica.participants;
  }
  get attendees(): ReadonlyMap<string, Attendee> {
    return this.replica.attendees;
  }
  get speakers(): readonly Speaker[] {
    return this.replica.speakers;
  }
  get status(): ConfStatus | undefined {
    return this.replica.status;
  }
  get basicInfo(): BasicInfo | undefined {
    return this.replica.basicInfo;
  }
  get netConditions(): ReadonlyMap<string, NetCondition> {
    return this.replica.netConditions;
  }
  get inviteResults(): ReadonlyMap<string, InviteResult> {
    return this.replica.inviteResults;
  }
  get subtitles(): Subtitle | undefined {
    return this.replica.subtitles;
  }
  get waitingList(): ReadonlyMap<string, WaitingMember> {
    return this.replica.waitingList;
  }
  get interpreterGroups(): readonly InterpreterGroup[] {
    return this.replica.interpreterGroups;
  }

  /** Connects and subscribes; resolves when live (`join` calls it for you). */
  start(): Promise<void> {
    return this.connection.start();
  }

  /** Sends a `ConfControl` frame on the live socket and resolves with its reply (see `PushConnection`). */
  confControl(type: string, data?: Readonly<Record<string, unknown>>): Promise<ConfControlReply> {
    return this.connection.confControl(type, data);
  }

  /** REST meeting control of this meeting with the session's own control token (kept alive while connected). */
  control(): MeetingControl {
    return new MeetingControl(this.connection.rest, this.conferenceID, () => {
      const control = this.connection.controlToken;
      if (!control) throw new Error('the session has no control token yet: start() it first');
      return control.token;
    });
  }

  /** Closes the socket; no reconnect follows. */
  close(): void {
    this.connection.close();
  }
}

export class ConfpushClient {
  readonly options: Readonly<ConfpushClientOptions>;
  /** The REST token chain (App ID / account authentication, control and WebSocket tokens). */
  readonly rest: RestClient;

  constructor(init: ConfpushClientInit) {
    this.options = resolveOptions(init);
    this.rest = new RestClient({
      baseUrl: this.options.baseUrl,
      fetch: this.options.fetch,
      requestTimeoutMs: this.options.requestTimeoutMs,
    });
  }

  /** Meeting management (create, start) with an access token (or a function returning the current one). */
  meetings(accessToken: string | (() => string)): MeetingManagement {
    return new MeetingManagement(this.rest, accessToken);
  }

  /** REST meeting control of a meeting with a meeting-control token (or a function returning the current one). */
  control(conferenceID: string, controlToken: string | (() => string)): MeetingControl {
    return new MeetingControl(this.rest, conferenceID, controlToken);
  }

  /** confpush's media-plane API of a meeting, with an access token (or a function returning the current one). */
  mediaPlane(conferenceID: string, accessToken: string | (() => string)): MediaPlane {
    return new MediaPlane(this.rest, conferenceID, accessToken);
  }

  /** Connects to a meeting; resolves with the live session once subscribed and synced. */
  async join(options: JoinOptions): Promise<MeetingSession> {
    const session = this.createSession(options);
    await session.start();
    return session;
  }

  /** A session that is not started yet: attach listeners first to see every event, then `start()`. */
  createSession(options: JoinOptions): MeetingSession {
    const { baseUrl: _baseUrl, fetch: _fetch, requestTimeoutMs: _timeout, ...settings } = this.options;
    const connection = new PushConnection({
      ...settings,
      categories: options.categories ?? settings.categories,
      rest: this.rest,
      conferenceID: options.conferenceID,
      password: options.hostPassword,
      replica: new MeetingReplica(),
    });
    return new MeetingSession(connection);
  }
}
