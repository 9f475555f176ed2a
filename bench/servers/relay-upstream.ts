/**
 * The upstream of the relay benchmark (bench/relay.ts): a confpush node playing Huawei, in a process of its own so
 * that its commits (a synchronous SQLite transaction with its fsync each) and its fan-out do not run on the relay's
 * event loop. Meetings in progress with `participants` participants each: one at `start`, more with `addMeetings`.
 * Its engine renames them (each name unique across all meetings: `n0`, `n1`, …), so a probe can tell every change
 * apart.
 *
 * Commands (see bench/lib/ipc.ts): start, addMeetings, rate, renames.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { resolveConfig, type Config } from '../../packages/server/src/config.js';
import { hex32 } from '../../packages/server/src/ids.js';
import { ConfpushNode } from '../../packages/server/src/node.js';
import { appAuth, createMeeting, type Meeting } from '../lib/chain.js';
import { serve } from '../lib/ipc.js';

let node: ConfpushNode | undefined;
let config: Config | undefined;
let dir: string | undefined;
let participants = 0;
/** The meetings in progress, in the order they were made (the first is the one of `start`). */
const meetings: Meeting[] = [];
/** Renames made so far per meeting (which participant the next one renames). */
const renamed = new Map<string, number>();
let next = 0;

function need(): { node: ConfpushNode; config: Config } {
  if (!node || !config) throw new Error('not started');
  return { node, config };
}

/** Renames a participant of `confId` to the next unique name. */
function rename(confId: string): Promise<unknown> {
  const name = `n${next++}`;
  const count = renamed.get(confId) ?? 0;
  renamed.set(confId, count + 1);
  return need().node.engine.execute(confId, { type: 'rename', pid: `p${count % participants}`, name });
}

/** `count` more meetings in progress, each with its participants (joined meeting by meeting in parallel). */
async function addMeetings(count: number): Promise<Meeting[]> {
  const { node, config } = need();
  const accessToken = await appAuth(node.url, config.appId, config.appKey);
  const added: Meeting[] = [];
  for (let i = 0; i < count; i++)
    added.push(await createMeeting(node.url, accessToken, `relay bench ${meetings.length + i}`));
  await Promise.all(
    added.map(async ({ conferenceID }) => {
      for (let i = 0; i < participants; i++)
        await node.engine.execute(conferenceID, { type: 'join', site: { pid: `p${i}`, name: `start${i}` } });
    }),
  );
  meetings.push(...added);
  return added;
}

serve(
  {
    /**
     * Starts the node (its push URL is `publicUrl`: the fault proxy in front of it) with one meeting; its
     * credentials and that meeting.
     */
    start: async (args: { publicUrl: string; participants: number }) => {
      dir = mkdtempSync(join(tmpdir(), 'relay-up-'));
      config = resolveConfig({
        port: 0,
        host: '127.0.0.1',
        dataDir: dir,
        appId: hex32(),
        appKey: hex32(),
        publicUrl: args.publicUrl,
        syncMode: 'full',
      });
      node = await ConfpushNode.start({ config, logger: pino({ level: 'silent' }) });
      participants = args.participants;
      const [first] = await addMeetings(1);
      return { url: node.url, appId: config.appId, appKey: config.appKey, ...first! };
    },
    /** `count` more meetings in progress (the relay finds them in the online list); each with its passwords. */
    addMeetings: (args: { count: number }) => addMeetings(args.count),
    /**
     * Renames at `rate` changes/s in total for `seconds`, round robin over the first `meetings` meetings (open
     * loop: each millisecond issues what is due); resolves once every rename is committed upstream, with the
     * indexes of the first and the last name.
     */
    rate: async (args: { rate: number; seconds: number; meetings: number }) => {
      const targets = meetings.slice(0, args.meetings).map((m) => m.conferenceID);
      const first = next;
      const total = first + args.rate * args.seconds;
      const started = performance.now();
      while (next < total) {
        const due = Math.min(total, first + Math.floor(((performance.now() - started) / 1000) * args.rate));
        const batch: Promise<unknown>[] = [];
        while (next < due) batch.push(rename(targets[(next - first) % targets.length]!));
        await Promise.all(batch);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return { first, last: next - 1 };
    },
    /** `count` renames in the first meeting, one after the other; the index of the last name. */
    renames: async (args: { count: number }) => {
      for (let i = 0; i < args.count; i++) await rename(meetings[0]!.conferenceID);
      return { last: next - 1 };
    },
  },
  async () => {
    await node?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
);
