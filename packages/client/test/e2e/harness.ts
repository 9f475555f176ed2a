/**
 * The parts of a fault-injection run: a real confpush node behind a `FaultProxy`, an SDK session connected
 * through it, a driver that changes the meeting through REST and the in-process media plane, and the comparison
 * of the SDK's replica with the server's committed state.
 *
 *     SDK ── REST ──────────────────────────────► server (token chain, direct)
 *     SDK ── WebSocket ──► FaultProxy ──────────► server (wsURL = publicUrl = the proxy)
 *     test ── REST control calls / engine.execute ──► server
 */
import { CategoryReplica, PUSH_CATEGORIES, type Item, type PushCategory } from '@confpush/protocol';
import { createServer, type AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { confToken, http, runningMeeting, type CreatedMeeting } from '../../../server/test/chain.js';
import {
  eventually,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '../../../server/test/helpers.js';
import {
  ConfpushClient,
  type ConfpushClientInit,
  type MeetingReplica,
  type MeetingSession,
} from '../../src/index.js';
import { FaultProxy } from './proxy.js';
import { DeliveryTrace } from './trace.js';

/** Reconnect fast (tens of ms) so that many cuts fit in one run; generous timeouts for a slow CI machine. */
export const FAST_RECONNECT: Partial<ConfpushClientInit> = {
  reconnectInitialDelayMs: 20,
  reconnectMaxDelayMs: 300,
  reconnectMultiplier: 2,
  reconnectJitter: 0.5,
  maxInitialAttempts: 5,
  connectTimeoutMs: 10_000,
  subscribeTimeoutMs: 20_000,
};

/** How long a run may take to settle after its last change (slow CI, many reconnects). */
export const SETTLE_MS = 30_000;

/** Logs what a run did when `CONFPUSH_E2E_DEBUG` is set (trace summaries, counters). */
export function debug(...args: unknown[]): void {
  if (process.env['CONFPUSH_E2E_DEBUG']) console.log(...args);
}

/** What a traced run did, in one line per category, for `debug`. */
export function describeRun(traced: TracedSession, driver?: MeetingDriver): string {
  const { stats } = traced.session;
  const rebuilds = traced.trace.rebuilds().filter((r) => r.reason !== 'initial');
  return [
    `sockets ${traced.trace.sockets}, reconnects ${stats.reconnects}, gaps ${stats.gaps}, resumes ${stats.resumes}` +
      (driver ? `, ops accepted ${driver.accepted} refused ${driver.refused}` : ''),
    `rebuilds: ${rebuilds.map((r) => `${r.category}:${r.reason}`).join(', ') || 'initial only'}`,
    `errors: ${
      traced.trace
        .of('error')
        .map((e) => e.code ?? e.message)
        .join(', ') || 'none'
    }`,
    traced.trace.summary(),
  ].join('\n');
}

/** A free TCP port on 127.0.0.1 (closed again before returning; used to restart a server on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** A proxy on a free port, then a server whose public URL is the proxy, then the proxy pointed at it. */
export async function proxiedServer(
  config: TestServerOptions['config'] = {},
): Promise<{ server: TestServer; proxy: FaultProxy }> {
  const proxy = await FaultProxy.listen();
  onTestFinished(() => proxy.close());
  const server = await startTestServer({ config: { publicUrl: proxy.url, ...config } });
  proxy.target(portOf(server.url));
  return { server, proxy };
}

export interface LiveMeeting extends CreatedMeeting {
  accessToken: string;
  /** The host's meeting-control token (for REST control calls made by the test). */
  controlToken: string;
}

/** A started meeting with live captions switched on, and a control token for the test's own REST calls. */
export async function liveMeeting(server: TestServer): Promise<LiveMeeting> {
  const meeting = await runningMeeting(server, { subject: 'fault injection' });
  const control = await confToken(server, meeting.conferenceID, meeting.chairPwd);
  return { ...meeting, controlToken: control.token };
}

export interface TracedSession {
  session: MeetingSession;
  trace: DeliveryTrace;
}

/** An SDK session of the meeting (REST direct to `baseUrl`, WebSocket wherever `wsURL` says), traced and live. */
export async function tracedSession(
  baseUrl: string,
  meeting: Pick<CreatedMeeting, 'conferenceID' | 'chairPwd'>,
  options: Partial<ConfpushClientInit> = {},
): Promise<TracedSession> {
  const client = new ConfpushClient({ baseUrl, ...FAST_RECONNECT, ...options });
  const session = client.createSession({
    conferenceID: meeting.conferenceID,
    hostPassword: meeting.chairPwd,
  });
  const trace = new DeliveryTrace(session);
  onTestFinished(() => session.close());
  await session.start();
  return { session, trace };
}

// --- comparing states -------------------------------------------------------------------------------------------

/** A category's state as plain data: list items keyed (order is not part of the contract), null as absent. */
function canonicalState(replica: CategoryReplica): unknown {
  const snapshot = replica.snapshot();
  if (replica.spec.shape.kind === 'list') {
    const keyed: Record<string, unknown> = {};
    for (const item of snapshot as Item[]) keyed[replica.keyOf(item) ?? JSON.stringify(item)] = item;
    return sortKeys(keyed);
  }
  return snapshot === null || snapshot === undefined ? null : sortKeys(snapshot);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/** The streams of a meeting state: the server's committed state, or another SDK's replica. */
export type StreamSource = (category: PushCategory) => CategoryReplica;

/** Every difference between the SDK's replica and `expected`, per category: position and state. */
export function replicaDiff(replica: MeetingReplica, expected: StreamSource): string[] {
  const diffs: string[] = [];
  for (const category of PUSH_CATEGORIES) {
    const mine = replica.stream(category);
    const theirs = expected(category);
    if (!mine.synced) {
      diffs.push(`${category}: never synced`);
      continue;
    }
    if (mine.epoch !== theirs.epoch || (mine.seq ?? 0) !== (theirs.seq ?? 0)) {
      diffs.push(`${category}: at ${mine.epoch}/${mine.seq}, server at ${theirs.epoch}/${theirs.seq}`);
      continue;
    }
    const a = JSON.stringify(canonicalState(mine));
    const b = JSON.stringify(canonicalState(theirs));
    if (a !== b) diffs.push(`${category}: state differs\n  sdk:    ${a}\n  server: ${b}`);
  }
  return diffs;
}

/** The committed streams of a meeting of an in-process server. */
export async function committedStreams(server: TestServer, confId: string): Promise<StreamSource> {
  const runtime = await server.node.engine.load(confId);
  if (!runtime) throw new Error(`meeting ${confId} not loaded`);
  return (category) => runtime.committed.streams[category];
}

/**
 * Waits until the session is live and its replica equals `expected()` in every category (position and state),
 * polling; throws with the remaining differences and the trace summary when it does not happen in time.
 */
export async function waitUntilEqual(
  traced: TracedSession,
  expected: () => Promise<StreamSource>,
  timeoutMs = SETTLE_MS,
): Promise<void> {
  let diffs: string[] = [];
  const converged = async (): Promise<boolean> => {
    const source = await expected();
    diffs = traced.session.state === 'live' ? replicaDiff(traced.session.replica, source) : ['not live'];
    return diffs.length === 0;
  };
  try {
    await eventually(converged, { timeoutMs, everyMs: 25, what: 'the SDK replica to converge' });
  } catch {
    throw new Error(
      `SDK replica did not converge (state ${traced.session.state}, stats ${JSON.stringify(traced.session.stats)}):\n` +
        `${diffs.join('\n')}\ntrace:\n${traced.trace.summary()}`,
    );
  }
}

// --- driving the meeting ----------------------------------------------------------------------------------------

export type OpKind =
  | 'join'
  | 'leave'
  | 'mute'
  | 'hands'
  | 'invite'
  | 'deleteAttendee'
  | 'muteAll'
  | 'speakers'
  | 'netQuality'
  | 'caption';

export const OP_KINDS: readonly OpKind[] = [
  'join',
  'leave',
  'mute',
  'hands',
  'invite',
  'deleteAttendee',
  'muteAll',
  'speakers',
  'netQuality',
  'caption',
];

/** One change; `pick` chooses the participant or attendee it acts on among those present when it runs. */
export interface Op {
  kind: OpKind;
  pick: number;
  flag: boolean;
}

type Engine = TestServer['node']['engine'];

/** Who is present when an operation runs: online participant IDs and attendee keys. */
export type PresenceView = () => Promise<{ pids: string[]; attendees: string[] }>;

/**
 * Changes a meeting through REST control calls (`/v1/mmc/control/conferences/...`) and the media plane: the
 * in-process engine (`engine.execute`) when there is one, else confpush's media REST API. An operation names its
 * target by index among those present when it runs, so any sequence of operations makes sense.
 */
export class MeetingDriver {
  #n = 0;
  /** Operations the server accepted / refused (a refusal changes nothing and is not an error of the test). */
  accepted = 0;
  refused = 0;
  readonly #engine: Engine | undefined;
  readonly #view: PresenceView;

  constructor(
    readonly server: Pick<TestServer, 'url'>,
    readonly meeting: LiveMeeting,
    options: { engine?: Engine; view?: PresenceView } = {},
  ) {
    this.#engine = options.engine;
    const engine = options.engine;
    if (options.view) this.#view = options.view;
    else if (engine) this.#view = () => workingPresence(engine, meeting.conferenceID);
    else throw new TypeError('MeetingDriver: an engine or a view is needed');
  }

  /** A driver of an in-process server: media changes go straight to its engine. */
  static inProcess(server: TestServer, meeting: LiveMeeting): MeetingDriver {
    return new MeetingDriver(server, meeting, { engine: server.node.engine });
  }

  get confId(): string {
    return this.meeting.conferenceID;
  }

  /** Switches live captions on, so that `caption` changes are accepted. */
  async captionsOn(): Promise<void> {
    if (this.#engine) await this.#engine.execute(this.confId, { type: 'subtitles', on: true });
  }

  async run(op: Op): Promise<void> {
    try {
      if (await this.#apply(op)) this.accepted++;
      else this.refused++;
    } catch (error) {
      if ((error as { name?: string }).name !== 'DomainError') throw error;
      this.refused++;
    }
  }

  /** Returns false when the server refused the change. */
  async #apply(op: Op): Promise<boolean> {
    const n = ++this.#n;
    const { pids, attendees } = await this.#view();
    const pid = pids.length > 0 ? pids[op.pick % pids.length] : undefined;
    if (op.kind === 'join' || (pid === undefined && op.kind !== 'invite' && op.kind !== 'muteAll')) {
      const site = { name: `site ${n}`, tel: `+8613${String(n).padStart(6, '0')}`, video: op.flag };
      return this.#media({ type: 'join', site }, 'POST', '/participants', site);
    }
    switch (op.kind) {
      case 'leave':
        return this.#media(
          { type: 'leave', pid: pid!, reason: 11076010 },
          'POST',
          `/participants/${pid!}/leave`,
          {},
        );
      case 'speakers': {
        const volumes = pids
          .slice(0, 1 + (op.pick % 4))
          .map((p, i) => ({ pid: p, volume: op.flag ? 80 - i : 0 }));
        return this.#media({ type: 'speakers', volumes }, 'POST', '/volumes', { samples: volumes });
      }
      case 'netQuality': {
        const reports = [
          { pid: pid!, delay: op.pick % 400, jitter: n % 30, lostPacketRate: op.flag ? 5 : 0 },
        ];
        return this.#media({ type: 'netQuality', reports }, 'POST', '/net-quality', { reports });
      }
      case 'caption': {
        const caption = { pid: pid!, text: `caption ${n}`, isFinal: op.flag };
        return this.#media({ type: 'caption', caption }, 'POST', '/captions', caption);
      }
      case 'mute':
        return this.#control('PUT', '/participants/mute', { isMute: op.flag ? 1 : 0 }, pid);
      case 'hands':
        return this.#control('PUT', '/participants/hands', { handsState: op.flag ? 1 : 0 }, pid);
      case 'muteAll':
        return this.#control('PUT', '/mute', { isMute: op.flag ? 1 : 0 });
      case 'invite':
        return this.#control('POST', '/participants', {
          attendees: [{ name: `guest ${n}`, phone: `+8615${String(n).padStart(6, '0')}`, type: 'normal' }],
        });
      case 'deleteAttendee': {
        const key = attendees[op.pick % Math.max(1, attendees.length)];
        if (key === undefined) return false;
        return this.#control('POST', '/attendees/delete', { bulkDelAttendInfo: [{ participantID: key }] });
      }
      default:
        return false;
    }
  }

  /** A media-plane change: through the engine when in process, else through confpush's media REST API. */
  async #media(
    command: Parameters<Engine['execute']>[1],
    method: 'POST',
    path: string,
    body: unknown,
  ): Promise<boolean> {
    if (this.#engine) {
      await this.#engine.execute(this.confId, command);
      return true;
    }
    const url = `/confpush/v1/media/conferences/${this.confId}${path}`;
    return this.#call(method, url, { 'X-Access-Token': this.meeting.accessToken }, body);
  }

  async #control(method: 'PUT' | 'POST', path: string, body: unknown, pid?: string): Promise<boolean> {
    const query = `conferenceID=${this.confId}${pid ? `&participantID=${encodeURIComponent(pid)}` : ''}`;
    const headers = { 'X-Conference-Authorization': this.meeting.controlToken };
    return this.#call(method, `/v1/mmc/control/conferences${path}?${query}`, headers, body);
  }

  async #call(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: unknown,
  ): Promise<boolean> {
    const res = await http(this.server as TestServer, method, path, { headers, body });
    if (res.status >= 500)
      throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.status >= 200 && res.status < 300;
  }
}

async function workingPresence(
  engine: Engine,
  confId: string,
): Promise<{ pids: string[]; attendees: string[] }> {
  const runtime = await engine.load(confId);
  if (!runtime) throw new Error(`meeting ${confId} not loaded`);
  const streams = runtime.working.streams;
  return {
    pids: [...streams.ParticipantsNotify.items.keys()],
    attendees: [...streams.AttendeesNotify.items.keys()],
  };
}
