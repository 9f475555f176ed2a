/**
 * The relay against a Huawei-style upstream (test/support/fake-huawei.ts) sending a recorded sequence built from
 * Huawei's published push examples, quirks included (test/vectors/relay-huawei-frames.json): every frame is
 * accepted and mirrored; a message about a participant never seen makes the relay subscribe again and reconcile by
 * diff, never guess; subscribers of the relay see incrementals only; the meeting's end upstream ends it here.
 */
import { readFileSync } from 'node:fs';
import { ConfpushClient, type MeetingSession } from '@confpush/client';
import { CATEGORY_SPECS, type PushCategory } from '@confpush/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfpushNode } from '../src/node.js';
import { eventually } from './helpers.js';
import { FakeHuawei } from './support/fake-huawei.js';
import { startRelay } from './support/relay-pair.js';

interface Vector {
  conferenceID: string;
  hostPassword: string;
  subscribeReply: unknown;
  first: unknown[];
  incrementals: unknown[];
  anomaly: unknown;
  afterResubscribe: unknown[];
  expected: {
    participants: Record<string, Record<string, string>>;
    participantsGone: string[];
    inviteResults: Record<string, Record<string, unknown>>;
    interpreterGroupIDs: string[];
    subtitleText: string;
  };
}

const vector = JSON.parse(
  readFileSync(new URL('./vectors/relay-huawei-frames.json', import.meta.url), 'utf8'),
) as Vector;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function local(node: ConfpushNode) {
  const runtime = await node.engine.load(vector.conferenceID);
  return runtime?.committed;
}

function info(item: unknown): Record<string, string> {
  return ((item as { pinfoMap?: Record<string, string> } | undefined)?.pinfoMap ?? {}) as Record<
    string,
    string
  >;
}

describe('relay against a Huawei-style upstream', () => {
  it('mirrors the recorded sequence, re-subscribes on an unknown participant and reconciles by diff', async () => {
    const fake = await FakeHuawei.start(vector);
    cleanups.push(() => fake.close());
    const { server } = await startRelay(fake, { appId: 'huawei-app', appKey: 'huawei-key' });
    await fake.subscribed(1);
    for (const frame of vector.first) fake.send(frame);
    await eventually(async () => (await local(server.node))?.streams.ParticipantsNotify.items.size === 1);

    const client = new ConfpushClient({ baseUrl: server.node.url });
    const session: MeetingSession = await client.join({
      conferenceID: vector.conferenceID,
      hostPassword: vector.hostPassword,
    });
    cleanups.push(() => session.close());
    const fulls: string[] = [];
    session.on('frame', (frame) => {
      const category = frame['action'] as PushCategory;
      if (frame['msgMode'] === 0 && category in CATEGORY_SPECS && !CATEGORY_SPECS[category].fullOnly)
        fulls.push(category);
    });

    // Timestamp versions skip numbers: all applied, no new subscription.
    for (const frame of vector.incrementals) fake.send(frame);
    await eventually(async () => {
      const state = await local(server.node);
      return (
        state?.streams.ParticipantsNotify.items.has('p2x9kq') &&
        JSON.stringify(state.streams.RealTimeSubtitleNotify.value ?? null).includes(
          vector.expected.subtitleText,
        )
      );
    });
    expect(fake.subscriptions).toBe(1);

    fake.send(vector.anomaly);
    await fake.subscribed(2);
    const guessed = (await local(server.node))?.streams.ParticipantsNotify.items.get('never-seen-3');
    expect(guessed, 'nothing is made up from the partial message').toBeUndefined();
    for (const frame of vector.afterResubscribe) fake.send(frame);

    const { expected } = vector;
    await eventually(
      async () => {
        const items = (await local(server.node))!.streams.ParticipantsNotify.items;
        return Object.entries(expected.participants).every(([pid, fields]) =>
          Object.entries(fields).every(([k, v]) => info(items.get(pid))[k] === v),
        );
      },
      { what: 'the participants of the full messages after the new subscription' },
    );
    const state = (await local(server.node))!;
    for (const pid of expected.participantsGone)
      expect(state.streams.ParticipantsNotify.items.has(pid)).toBe(false);
    for (const [number, fields] of Object.entries(expected.inviteResults))
      expect(state.streams.InviteResultNotify.items.get(number)).toMatchObject(fields);
    const groups = state.streams.InterpreterGroupNotify.value as { groupID: string }[];
    expect(groups.map((g) => g.groupID)).toEqual(expected.interpreterGroupIDs);

    // The subscriber's replica says the same, from incrementals only.
    await eventually(() => session.participants.get('never-seen-3')?.name === '王五');
    expect(session.participants.has('p2x9kq')).toBe(false);
    expect(fulls).toEqual([]);

    const closed = new Promise<number>((resolve) => session.on('closed', (code) => resolve(code)));
    fake.endMeeting();
    expect(await closed).toBe(4005);
    expect((await local(server.node))?.record.state).toBe('Destroyed');
  });
});
