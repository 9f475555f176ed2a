/** One fake server + one SDK session per test, torn down with the test; every event the session emits is logged. */
import type { PushCategory } from '@confpush/protocol';
import { onTestFinished } from 'vitest';
import { ConfpushClient, type ConfpushClientInit, type SessionEvents } from '../../src/index.js';
import {
  CONFERENCE_ID,
  FakeMeetingServer,
  HOST_PASSWORD,
  type FakeServerOptions,
  type FakeSocket,
} from './fake-server.js';
import { full, fullFields, reply, type Position } from './frames.js';
import { waitFor } from './wait.js';

type Logged = { [K in keyof SessionEvents]: { event: K; args: SessionEvents[K] } }[keyof SessionEvents];

export class EventLog {
  readonly entries: Logged[] = [];

  of<K extends keyof SessionEvents>(event: K): SessionEvents[K][] {
    return this.entries.filter((e) => e.event === event).map((e) => e.args as SessionEvents[K]);
  }

  states(): string[] {
    return this.of('state').map(([change]) => change.newState);
  }

  async waitFor<K extends keyof SessionEvents>(
    event: K,
    predicate: (...args: SessionEvents[K]) => boolean = () => true,
  ) {
    await waitFor(() => this.of(event).some((args) => predicate(...args)), `event ${String(event)}`);
  }
}

const EVENTS: (keyof SessionEvents)[] = ['state', 'frame', 'change', 'rebuilt', 'resumed', 'error', 'closed'];

/** Short timings so reconnects happen within milliseconds; no jitter so delays are predictable. */
export const FAST: Partial<ConfpushClientInit> = {
  reconnectInitialDelayMs: 5,
  reconnectMaxDelayMs: 20,
  reconnectJitter: 0,
  heartbeatIntervalMs: 60_000,
  subscribeTimeoutMs: 3000,
  connectTimeoutMs: 3000,
  categories: ['ParticipantsNotify', 'ConfDynamicInfoNotify'],
};

export async function setup(
  options: Partial<ConfpushClientInit> = {},
  serverOptions: FakeServerOptions = {},
) {
  const server = await FakeMeetingServer.start(serverOptions);
  const client = new ConfpushClient({ baseUrl: server.baseUrl, ...FAST, ...options });
  const session = client.createSession({ conferenceID: CONFERENCE_ID, hostPassword: HOST_PASSWORD });
  const log = new EventLog();
  for (const event of EVENTS) {
    session.on(event, (...args: unknown[]) => log.entries.push({ event, args } as Logged));
  }
  onTestFinished(async () => {
    session.close();
    await server.close();
  });
  return { server, client, session, log };
}

export interface StreamSetup {
  position: Position;
  /** `data` of a list/value category, or the fields of an object category. */
  state: unknown;
}

/**
 * Answers the next Subscribe on `socket` like confpush does for a first subscription: a reply with `streams`
 * (delivery `full`) and one full message per category.
 */
export async function acceptFull(
  socket: FakeSocket,
  streams: Partial<Record<PushCategory, StreamSetup>>,
): Promise<{ data: Record<string, unknown> }> {
  const { sequence, data } = await socket.nextSubscribe();
  const info = Object.fromEntries(
    Object.entries(streams).map(([c, s]) => [c, { ...s.position, delivery: 'full' as const }]),
  );
  socket.send(reply(sequence, { streams: info }));
  for (const [category, s] of Object.entries(streams) as [PushCategory, StreamSetup][]) {
    socket.send(
      category === 'ConfDynamicInfoNotify' || category === 'ConfBasicInfoNotify'
        ? fullFields(category, s.state as Record<string, unknown>, s.position)
        : full(category, s.state, s.position),
    );
  }
  return { data };
}
