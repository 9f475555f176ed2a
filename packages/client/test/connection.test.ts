/**
 * `PushConnection` (through `MeetingSession`) against a protocol-level fake server: subscribe, heartbeats,
 * reconnect with fresh tokens, resume, rebuilds, gaps, close codes, token refresh, and a Huawei-style server.
 */
import { describe, expect, it } from 'vitest';
import { ConfpushApiError, ConfpushCloseError, ConfpushSubscribeError } from '../src/index.js';
import { CONFERENCE_ID, HOST_PASSWORD } from './support/fake-server.js';
import { WebSocket as NodeWebSocket } from 'ws';
import { full, inc, incFields, participant, reply } from './support/frames.js';
import { acceptFull, setup } from './support/harness.js';
import { waitFor } from './support/wait.js';

const E1 = { epoch: 'e1', seq: 2 };
const STATUS_POS = { epoch: 's1', seq: 7 };
const ALICE = participant('pid-a', { NAME: 'Alice', MUTE: '0', ROLE: '1', HAND: '0' });
const BOB = participant('pid-b', { NAME: 'Bob', MUTE: '1', ROLE: '0', HAND: '0' });

/** A session that is live with Alice and Bob at e1:2 and a status at s1:7. */
async function liveSession(
  options: Parameters<typeof setup>[0] = {},
  serverOptions: Parameters<typeof setup>[1] = {},
) {
  const ctx = await setup(options, serverOptions);
  const started = ctx.session.start();
  const socket = await ctx.server.nextSocket();
  await acceptFull(socket, {
    ParticipantsNotify: { position: E1, state: [ALICE, BOB] },
    ConfDynamicInfoNotify: { position: STATUS_POS, state: { state: 'Created', lock: 0 } },
  });
  await started;
  return { ...ctx, socket };
}

describe('PushConnection', () => {
  describe('#start', () => {
    it('runs the token chain, subscribes, applies the full messages and goes live', async () => {
      const { server, session, log, socket } = await liveSession();
      expect(session.state).toBe('live');
      expect(log.states()).toEqual(['connecting', 'subscribing', 'live']);

      const [tokenCall] = server.tokenCalls;
      expect(tokenCall?.headers['x-password']).toBe(HOST_PASSWORD);
      expect(tokenCall?.headers['x-login-type']).toBe('1');
      expect(server.wsTokenCalls[0]?.headers['x-conference-authorization']).toBe('ctl-1');
      expect(socket.url.searchParams.get('confID')).toBe(CONFERENCE_ID);
      expect(socket.url.searchParams.get('tmpToken')).toBe('ws-1');

      const subscribe = socket.received.find((f) => f['action'] === 'Subscribe');
      expect(subscribe?.['sequence']).toMatch(/^\d{30}$/);
      expect(typeof subscribe?.['data']).toBe('string');
      const data = JSON.parse(String(subscribe?.['data'])) as Record<string, unknown>;
      expect(data).toEqual({
        subscribeType: ['ParticipantsNotify', 'ConfDynamicInfoNotify'],
        confToken: `Basic ${Buffer.from('ctl-1').toString('base64')}`,
      });

      expect([...session.participants.keys()]).toEqual(['pid-a', 'pid-b']);
      expect(session.participants.get('pid-b')).toMatchObject({
        name: 'Bob',
        muted: true,
        role: 'participant',
      });
      expect(session.status).toMatchObject({ state: 'Created', lock: false });
      expect(log.of('rebuilt')).toEqual([
        ['ParticipantsNotify', 'initial'],
        ['ConfDynamicInfoNotify', 'initial'],
      ]);
    });

    it('applies live incrementals and emits typed change events', async () => {
      const { session, log, socket } = await liveSession();
      const initial = log.of('change').length;
      socket.send(inc('ParticipantsNotify', 3, [participant('pid-c', { NAME: 'Carol', MUTE: '0' })]));
      socket.send(inc('ParticipantsNotify', 4, [participant('pid-a', { MUTE: '1', HAND: '1' })]));
      socket.send(inc('ParticipantsNotify', 5, [participant('pid-b', {}, 1)]));
      socket.send(incFields('ConfDynamicInfoNotify', 8, { lock: 1 }));
      await waitFor(() => session.status?.lock === true, 'the status change');

      const types = log
        .of('change')
        .slice(initial)
        .map(([c]) => c.type);
      expect(types).toEqual([
        'participantJoined',
        'participantUpdated',
        'muted',
        'handRaised',
        'participantLeft',
        'statusChanged',
      ]);
      expect([...session.participants.keys()]).toEqual(['pid-a', 'pid-c']);
      expect(session.participants.get('pid-a')).toMatchObject({ name: 'Alice', muted: true, handUp: true });
      expect(session.replica.stream('ParticipantsNotify').seq).toBe(5);
    });

    it('rejects with the REST error when the password is wrong, and does not retry', async () => {
      const { server, client } = await setup();
      const failing = client.createSession({ conferenceID: CONFERENCE_ID, hostPassword: 'wrong' });
      const error = await failing.start().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ConfpushApiError);
      expect(error).toMatchObject({ status: 400, errorCode: 'MMC.111072065' });
      expect(failing.state).toBe('closed');
      expect(server.tokenCalls).toHaveLength(1);
    });
  });

  it('emits one event per change type on the session, and uses options.WebSocket when given', async () => {
    const opened: string[] = [];
    class RecordingWebSocket extends NodeWebSocket {
      constructor(url: string) {
        super(url);
        opened.push(url);
      }
    }
    const { session, socket } = await liveSession({ WebSocket: RecordingWebSocket });
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatch(
      /^ws:\/\/127\.0\.0\.1:\d+\/cms\/open\/websocket\/confctl\/increment\/conn\?confID=900487914&tmpToken=ws-1$/,
    );
    const joined: string[] = [];
    session.on('participantJoined', ({ participant: p }) => joined.push(p.pid));
    session.on('muted', ({ participant: p }) => joined.push(`muted:${p.pid}`));
    socket.send(inc('ParticipantsNotify', 3, [participant('pid-c', { MUTE: '0' })]));
    socket.send(inc('ParticipantsNotify', 4, [participant('pid-c', { MUTE: '1' })]));
    await waitFor(() => joined.length === 2, 'typed events');
    expect(joined).toEqual(['pid-c', 'muted:pid-c']);
  });

  describe('heartbeats', () => {
    it('sends HeartBeat frames at the configured interval, each with a fresh 30-digit sequence', async () => {
      const { socket, session } = await liveSession({ heartbeatIntervalMs: 10 });
      await waitFor(
        () => socket.received.filter((f) => f['action'] === 'HeartBeat').length >= 3,
        '3 heartbeats',
      );
      const beats = socket.received.filter((f) => f['action'] === 'HeartBeat');
      for (const beat of beats) expect(Object.keys(beat).sort()).toEqual(['action', 'sequence']);
      const sequences = beats.map((b) => String(b['sequence']));
      for (const s of sequences) expect(s).toMatch(/^\d{30}$/);
      expect(new Set(sequences).size).toBe(sequences.length);
      expect(session.stats.heartbeatsSent).toBeGreaterThanOrEqual(3);
    });

    it('drops a server that stops answering and reconnects', async () => {
      const { server, socket, log } = await liveSession({ heartbeatIntervalMs: 10, heartbeatTimeoutMs: 300 });
      socket.echoHeartbeats = false;
      await socket.waitClosed();
      await server.socket(1);
      expect(log.states()).toContain('reconnecting');
    });
  });

  describe('reconnect and resume', () => {
    it('reconnects after a cut with a fresh WebSocket token and asks to resume from its positions', async () => {
      const { server, session, log, socket } = await liveSession();
      socket.send(inc('ParticipantsNotify', 3, [participant('pid-a', { NAME: 'Alicia' })]));
      await waitFor(() => session.replica.stream('ParticipantsNotify').seq === 3, 'seq 3');
      socket.close(4102, 'SERVER_SHUTDOWN');

      const second = await server.nextSocket();
      const { sequence, data } = await second.nextSubscribe();
      expect(data['resume']).toEqual({
        ParticipantsNotify: { epoch: 'e1', seq: 3 },
        ConfDynamicInfoNotify: { epoch: 's1', seq: 7 },
      });
      expect(server.issuedWsTokens).toEqual(['ws-1', 'ws-2']);
      expect(server.usedWsTokens).toEqual(['ws-1', 'ws-2']);
      expect(server.tokenCalls).toHaveLength(1);

      second.send(
        reply(sequence, {
          streams: {
            ParticipantsNotify: { epoch: 'e1', seq: 5, delivery: 'resumed' },
            ConfDynamicInfoNotify: { epoch: 's1', seq: 7, delivery: 'resumed' },
          },
        }),
      );
      second.send(inc('ParticipantsNotify', 4, [participant('pid-c', { NAME: 'Carol' })]));
      second.send(inc('ParticipantsNotify', 5, [participant('pid-b', {}, 1)]));
      await waitFor(() => log.states().filter((state) => state === 'live').length === 2, 'live again');

      expect(session.stats.reconnects).toBe(1);
      expect(log.of('resumed')).toEqual([
        ['ConfDynamicInfoNotify', 7, 7],
        ['ParticipantsNotify', 3, 5],
      ]);
      expect(log.of('rebuilt').filter(([, reason]) => reason !== 'initial')).toEqual([]);
      expect([...session.participants.keys()]).toEqual(['pid-a', 'pid-c']);
      expect(session.participants.get('pid-a')?.name).toBe('Alicia');
      expect(log.of('error').map(([e]) => (e as ConfpushCloseError).code)).toEqual([4102]);
    });

    it('rebuilds from a full message when the server cannot resume', async () => {
      const { server, session, log, socket } = await liveSession();
      const initial = log.of('change').length;
      socket.cut();
      const second = await server.nextSocket();
      const { sequence, data } = await second.nextSubscribe();
      expect(data['resume']).toMatchObject({ ParticipantsNotify: { epoch: 'e1', seq: 2 } });
      second.send(
        reply(sequence, {
          streams: {
            ParticipantsNotify: { epoch: 'e2', seq: 1, delivery: 'full' },
            ConfDynamicInfoNotify: { epoch: 's1', seq: 7, delivery: 'resumed' },
          },
        }),
      );
      expect(session.state).not.toBe('live');
      second.send(
        full('ParticipantsNotify', [BOB, participant('pid-d', { NAME: 'Dan' })], { epoch: 'e2', seq: 1 }),
      );
      await log.waitFor(
        'rebuilt',
        (category, reason) => category === 'ParticipantsNotify' && reason === 'resume-impossible',
      );
      await waitFor(() => session.state === 'live', 'live');

      expect([...session.participants.keys()]).toEqual(['pid-b', 'pid-d']);
      expect(session.replica.positions().ParticipantsNotify).toEqual({ epoch: 'e2', seq: 1 });
      const changes = log
        .of('change')
        .slice(initial)
        .map(([c]) => [c.type, c.via]);
      expect(changes).toEqual([
        ['participantLeft', 'full'],
        ['participantJoined', 'full'],
      ]);
    });

    it('takes a full message when the server answers a resume inconsistently', async () => {
      const { server, session, log, socket } = await liveSession();
      socket.close(4102, 'SERVER_SHUTDOWN');
      const second = await server.nextSocket();
      const { sequence } = await second.nextSubscribe();
      second.send(
        reply(sequence, {
          streams: {
            ParticipantsNotify: { epoch: 'other-epoch', seq: 9, delivery: 'resumed' },
            ConfDynamicInfoNotify: { epoch: 's1', seq: 7, delivery: 'resumed' },
          },
        }),
      );
      const third = await server.nextSocket();
      const resubscribe = await third.nextSubscribe();
      expect(resubscribe.data['resume']).toEqual({ ConfDynamicInfoNotify: { epoch: 's1', seq: 7 } });
      third.send(
        reply(resubscribe.sequence, {
          streams: {
            ParticipantsNotify: { epoch: 'other-epoch', seq: 9, delivery: 'full' },
            ConfDynamicInfoNotify: { epoch: 's1', seq: 7, delivery: 'resumed' },
          },
        }),
      );
      third.send(full('ParticipantsNotify', [BOB], { epoch: 'other-epoch', seq: 9 }));
      await waitFor(() => session.state === 'live' && log.of('rebuilt').length === 3, 'live after the full');
      expect(log.of('rebuilt')[2]).toEqual(['ParticipantsNotify', 'resume-impossible']);
      expect([...session.participants.keys()]).toEqual(['pid-b']);
      expect(log.of('error').some(([e]) => /cannot resume ParticipantsNotify/.test(e.message))).toBe(true);
    });

    it('treats a full message behind the position it holds (same epoch) as an explicit rebuild', async () => {
      const { server, session, log, socket } = await liveSession();
      socket.close(4102, 'SERVER_SHUTDOWN');
      const second = await server.nextSocket();
      const { sequence } = await second.nextSubscribe();
      // The server lost changes: it is behind the client on the same epoch and answers with an older full.
      const behind = { epoch: E1.epoch, seq: E1.seq - 1 };
      second.send(
        reply(sequence, {
          streams: {
            ParticipantsNotify: { ...behind, delivery: 'full' },
            ConfDynamicInfoNotify: { ...STATUS_POS, delivery: 'resumed' },
          },
        }),
      );
      second.send(full('ParticipantsNotify', [ALICE], behind));
      await waitFor(
        () => session.state === 'live' && log.of('rebuilt').length === 3,
        'live after the older full',
      );
      expect(log.of('rebuilt')[2]?.[0]).toBe('ParticipantsNotify');
      expect([...session.participants.keys()]).toEqual(['pid-a']);
    });

    it('on a gap, drops the socket and resumes from the last position applied (nothing applied out of order)', async () => {
      const { server, session, log, socket } = await liveSession();
      socket.send(inc('ParticipantsNotify', 3, [participant('pid-c', { NAME: 'Carol' })]));
      socket.send(inc('ParticipantsNotify', 5, [participant('pid-e', { NAME: 'Eve' })]));
      const closed = await socket.waitClosed();
      expect(closed.code).toBe(1000);
      expect(session.participants.has('pid-e')).toBe(false);

      const second = await server.nextSocket();
      const { sequence, data } = await second.nextSubscribe();
      expect(data['resume']).toMatchObject({ ParticipantsNotify: { epoch: 'e1', seq: 3 } });
      second.send(
        reply(sequence, {
          streams: {
            ParticipantsNotify: { epoch: 'e1', seq: 5, delivery: 'resumed' },
            ConfDynamicInfoNotify: { epoch: 's1', seq: 7, delivery: 'resumed' },
          },
        }),
      );
      second.send(inc('ParticipantsNotify', 4, [participant('pid-d', { NAME: 'Dan' })]));
      second.send(inc('ParticipantsNotify', 5, [participant('pid-e', { NAME: 'Eve' })]));
      await waitFor(() => session.state === 'live', 'live again');

      expect(session.stats.gaps).toBe(1);
      expect(log.of('resumed')).toContainEqual(['ParticipantsNotify', 3, 5]);
      expect([...session.participants.keys()]).toEqual(['pid-a', 'pid-b', 'pid-c', 'pid-d', 'pid-e']);
    });

    it('on a gap the server cannot repair, rebuilds with reason "gap"', async () => {
      const { server, session, log, socket } = await liveSession();
      socket.send(inc('ParticipantsNotify', 4, [participant('pid-x', { NAME: 'X' })]));
      const second = await server.nextSocket();
      await acceptFull(second, {
        ParticipantsNotify: {
          position: { epoch: 'e1', seq: 4 },
          state: [ALICE, participant('pid-x', { NAME: 'X' })],
        },
        ConfDynamicInfoNotify: { position: STATUS_POS, state: { state: 'Created', lock: 0 } },
      });
      await waitFor(() => session.state === 'live', 'live again');
      expect(log.of('rebuilt').slice(2)).toEqual([['ParticipantsNotify', 'gap']]);
      expect([...session.participants.keys()]).toEqual(['pid-a', 'pid-x']);
    });

    it('reports a full message in the middle of a live stream as a backpressure rebuild', async () => {
      const { session, log, socket } = await liveSession();
      socket.send(full('ParticipantsNotify', [ALICE], { epoch: 'e1', seq: 9 }));
      await log.waitFor('rebuilt', (_c, reason) => reason === 'backpressure');
      expect([...session.participants.keys()]).toEqual(['pid-a']);
      socket.send(inc('ParticipantsNotify', 10, [participant('pid-b', { NAME: 'Bob' })]));
      await waitFor(() => session.participants.has('pid-b'), 'incremental after the full');
      expect(session.stats.gaps).toBe(0);
    });

    it('takes a full message without a rebuild when its position continues the stream', async () => {
      const { session, log, socket } = await liveSession();
      socket.send(full('ParticipantsNotify', [ALICE, BOB], { epoch: 'e1', seq: 2 }));
      socket.send(inc('ParticipantsNotify', 3, [participant('pid-c')]));
      await waitFor(() => session.participants.has('pid-c'), 'pid-c');
      expect(log.of('rebuilt')).toHaveLength(2);
    });
  });

  describe('close codes and token refresh', () => {
    it('stops on 4005 (meeting ended) with a fatal error and no reconnect', async () => {
      const { server, session, log, socket } = await liveSession();
      socket.close(4005, 'MEETING_ENDED');
      await log.waitFor('closed');
      expect(log.of('closed')).toEqual([[4005, 'MEETING_ENDED']]);
      const [error, fatal] = log.of('error')[0] ?? [];
      expect(error).toBeInstanceOf(ConfpushCloseError);
      expect(error).toMatchObject({ code: 4005 });
      expect(fatal).toBe(true);
      expect(session.state).toBe('closed');
      expect(session.connection.reconnectScheduled).toBe(false);
      expect(server.wsTokenCalls).toHaveLength(1);
      expect(server.sockets).toHaveLength(1);
    });

    it.each([4001, 4006])(
      'on %i obtains a new control token with the password, then reconnects',
      async (code) => {
        const { server, socket, session } = await liveSession();
        socket.close(code, 'token');
        const second = await server.nextSocket();
        const { data } = await second.nextSubscribe();
        expect(server.tokenCalls).toHaveLength(2);
        expect(server.tokenCalls[1]?.headers['x-password']).toBe(HOST_PASSWORD);
        expect(server.tokenCalls[1]?.headers['x-conference-authorization']).toBeUndefined();
        expect(server.wsTokenCalls[1]?.headers['x-conference-authorization']).toBe('ctl-2');
        expect(data['confToken']).toBe(`Basic ${Buffer.from('ctl-2').toString('base64')}`);
        expect(session.connection.controlToken?.token).toBe('ctl-2');
      },
    );

    it('re-authenticates and retries when Subscribe is refused for an expired control token', async () => {
      const { server, session, log } = await setup();
      const started = session.start();
      const first = await server.nextSocket();
      const { sequence } = await first.nextSubscribe();
      first.send(reply(sequence, { returnCode: 119000003, returnDesc: 'CONF_TOKEN_EXPIRED' }));
      const second = await server.nextSocket();
      await acceptFull(second, { ParticipantsNotify: { position: E1, state: [ALICE] } });
      await started;
      expect(server.tokenCalls.map((c) => c.headers['x-password'])).toEqual([HOST_PASSWORD, HOST_PASSWORD]);
      const [error, fatal] = log.of('error')[0] ?? [];
      expect(error).toBeInstanceOf(ConfpushSubscribeError);
      expect(error).toMatchObject({ returnCode: 119000003 });
      expect(fatal).toBe(false);
    });

    it('stops on a Subscribe refusal that cannot be retried', async () => {
      const { server, session, log } = await setup();
      const started = session.start().catch((err: unknown) => err);
      const socket = await server.nextSocket();
      const { sequence } = await socket.nextSubscribe();
      socket.send(reply(sequence, { returnCode: 119000005, returnDesc: 'MEETING_NOT_IN_PROGRESS' }));
      expect(await started).toBeInstanceOf(ConfpushSubscribeError);
      expect(log.of('closed')).toEqual([[4005, 'MEETING_ENDED']]);
      expect(session.state).toBe('closed');
    });

    it('stops with 4005 when the REST API says the meeting is over during a reconnect', async () => {
      const { server, log, socket } = await liveSession();
      server.meetingEnded = true;
      socket.close(4102, 'SERVER_SHUTDOWN');
      await log.waitFor('closed');
      expect(log.of('closed')).toEqual([[4005, 'MEETING_ENDED']]);
      const fatal = log.of('error').find(([, isFatal]) => isFatal);
      expect(fatal?.[0]).toMatchObject({ errorCode: 'MMC.111072005' });
    });

    it('closes with 4005 when the status stream reports the meeting destroyed', async () => {
      const { log, socket, session } = await liveSession();
      const initial = log.of('change').length;
      socket.send(incFields('ConfDynamicInfoNotify', 8, { state: 'Destroyed' }));
      await log.waitFor('closed');
      expect(
        log
          .of('change')
          .slice(initial)
          .map(([c]) => c.type),
      ).toEqual(['statusChanged', 'meetingEnded']);
      expect(log.of('closed')).toEqual([[4005, 'MEETING_ENDED']]);
      expect(session.status?.state).toBe('Destroyed');
      await socket.waitClosed();
    });

    it('keeps the control token alive before it expires', async () => {
      const { server, session } = await liveSession({}, { tokenLifetimeMs: 1000 });
      const keepAlives = () =>
        server.tokenCalls.filter((c) => c.headers['x-conference-authorization'] === 'ctl-1');
      await waitFor(() => keepAlives().length >= 2 && session.stats.keepAlives >= 2, 'two keep-alive calls');
      expect(keepAlives()[0]?.headers).toMatchObject({ 'x-login-type': '1', 'x-password': HOST_PASSWORD });
      expect(session.connection.controlToken?.token).toBe('ctl-1');
      expect(session.connection.controlToken?.expireTime).toBeGreaterThan(Date.now());
      expect(session.state).toBe('live');
    });

    it('takes a new control token when the keep-alive finds the old one gone', async () => {
      const { server, session } = await liveSession({}, { tokenLifetimeMs: 300 });
      server.revokeControlTokens();
      await waitFor(() => session.connection.controlToken?.token === 'ctl-2', 'a new control token');
      expect(session.state).toBe('live');
    });

    it('gives up after maxInitialAttempts when the socket never comes up', async () => {
      const { server, session, log } = await setup({ maxInitialAttempts: 2 });
      const started = session.start().catch((err: unknown) => err);
      const first = await server.nextSocket();
      first.cut();
      const second = await server.nextSocket();
      second.cut();
      expect(await started).toBeInstanceOf(Error);
      expect(session.state).toBe('closed');
      expect(log.of('closed')).toHaveLength(1);
    });

    it('close() ends the connection without reconnecting', async () => {
      const { server, session, log, socket } = await liveSession();
      session.close();
      expect(session.state).toBe('closed');
      expect(log.of('closed')).toEqual([[1000, 'closed by client']]);
      expect(await socket.waitClosed()).toMatchObject({ code: 1000 });
      expect(session.connection.reconnectScheduled).toBe(false);
      expect(server.sockets).toHaveLength(1);
    });
  });

  describe('against a Huawei-style server (no seq, epoch or streams)', () => {
    it('goes live on the reply, rebuilds on every reconnect and accepts restarted versions', async () => {
      const { server, session, log } = await setup({
        categories: ['ParticipantsNotify', 'SpeakerChangeNotify'],
      });
      const started = session.start();
      const first = await server.nextSocket();
      const { sequence } = await first.nextSubscribe();
      first.send(reply(sequence, { huawei: true }));
      await started;
      first.send(full('ParticipantsNotify', [ALICE]));
      first.send(inc('ParticipantsNotify', 1, [participant('pid-b', { NAME: 'Bob' })]));
      first.send(inc('ParticipantsNotify', 2, [participant('pid-b', { MUTE: '1' })]));
      first.send(full('SpeakerChangeNotify', [{ pid: 'pid-a', speakingVolume: 40 }]));
      first.send(full('SpeakerChangeNotify', [{ pid: 'pid-b', speakingVolume: 50 }]));
      await waitFor(() => session.speakers[0]?.pid === 'pid-b', 'speaker change');
      expect(session.participants.get('pid-b')?.muted).toBe(true);
      expect(log.of('rebuilt')).toEqual([
        ['ParticipantsNotify', 'initial'],
        ['SpeakerChangeNotify', 'initial'],
      ]);

      first.cut();
      const second = await server.nextSocket();
      const resubscribe = await second.nextSubscribe();
      expect(resubscribe.data['resume']).toBeUndefined();
      second.send(reply(resubscribe.sequence, { huawei: true }));
      second.send(full('ParticipantsNotify', [ALICE, participant('pid-c', { NAME: 'Carol' })]));
      second.send(inc('ParticipantsNotify', 1, [participant('pid-c', { HAND: '1' })]));
      await waitFor(
        () => session.participants.get('pid-c')?.handUp === true,
        'incremental with a restarted version',
      );

      expect([...session.participants.keys()]).toEqual(['pid-a', 'pid-c']);
      expect(log.of('rebuilt').slice(2)).toEqual([['ParticipantsNotify', 'huawei-no-resume']]);
      expect(session.stats.gaps).toBe(0);
      expect(session.stats.duplicates).toBe(0);
    });

    it('treats a version gap as a reason to reconnect, unless told to accept it', async () => {
      const strict = await setup();
      void strict.session.start();
      const socket = await strict.server.nextSocket();
      socket.send(reply((await socket.nextSubscribe()).sequence, { huawei: true }));
      socket.send(full('ParticipantsNotify', [ALICE]));
      socket.send(inc('ParticipantsNotify', 1, [participant('pid-b')]));
      socket.send(inc('ParticipantsNotify', 3, [participant('pid-c')]));
      await socket.waitClosed();
      expect(strict.session.stats.gaps).toBe(1);

      const lenient = await setup({ acceptGapsWithoutExtensions: true });
      void lenient.session.start();
      const other = await lenient.server.nextSocket();
      other.send(reply((await other.nextSubscribe()).sequence, { huawei: true }));
      other.send(full('ParticipantsNotify', [ALICE]));
      other.send(inc('ParticipantsNotify', 1, [participant('pid-b')]));
      other.send(inc('ParticipantsNotify', 3, [participant('pid-c')]));
      await waitFor(() => lenient.session.participants.has('pid-c'), 'the gapped incremental applied');
      expect(lenient.server.sockets).toHaveLength(1);
      expect(lenient.session.state).toBe('live');
    });
  });
});
