/**
 * The upstream of the relay benchmark (bench/relay.ts): a confpush node playing Huawei, in a process of its own so
 * that its commits (a synchronous SQLite transaction with its fsync each) and its fan-out do not run on the relay's
 * event loop. One meeting in progress with `participants` participants; its engine renames them (each name
 * unique: `n0`, `n1`, …), so a probe can tell every change apart.
 *
 * Commands (see bench/lib/ipc.ts): start, rate, renames.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { resolveConfig } from '../../packages/server/src/config.js';
import { hex32 } from '../../packages/server/src/ids.js';
import { ConfpushNode } from '../../packages/server/src/node.js';
import { appAuth, createMeeting } from '../lib/chain.js';
import { serve } from '../lib/ipc.js';

let node: ConfpushNode | undefined;
let dir: string | undefined;
let confId = '';
let participants = 0;
let next = 0;

function need(): ConfpushNode {
  if (!node) throw new Error('not started');
  return node;
}

function rename(): Promise<unknown> {
  const name = `n${next++}`;
  return need().engine.execute(confId, { type: 'rename', pid: `p${next % participants}`, name });
}

serve(
  {
    /** Starts the node (its push URL is `publicUrl`: the fault proxy in front of it) with the meeting. */
    start: async (args: { publicUrl: string; participants: number }) => {
      dir = mkdtempSync(join(tmpdir(), 'relay-up-'));
      const config = resolveConfig({
        port: 0,
        host: '127.0.0.1',
        dataDir: dir,
        appId: hex32(),
        appKey: hex32(),
        publicUrl: args.publicUrl,
        syncMode: 'full',
      });
      node = await ConfpushNode.start({ config, logger: pino({ level: 'silent' }) });
      const meeting = await createMeeting(
        node.url,
        await appAuth(node.url, config.appId, config.appKey),
        'relay bench',
      );
      confId = meeting.conferenceID;
      participants = args.participants;
      for (let i = 0; i < participants; i++)
        await node.engine.execute(confId, { type: 'join', site: { pid: `p${i}`, name: `start${i}` } });
      return { url: node.url, appId: config.appId, appKey: config.appKey, ...meeting };
    },
    /**
     * Renames at `rate` changes/s for `seconds` (open loop: each millisecond issues what is due); resolves once
     * every rename is committed upstream, with the index of the last name.
     */
    rate: async (args: { rate: number; seconds: number }) => {
      const first = next;
      const total = first + args.rate * args.seconds;
      const started = performance.now();
      while (next < total) {
        const due = Math.min(total, first + Math.floor(((performance.now() - started) / 1000) * args.rate));
        const batch: Promise<unknown>[] = [];
        while (next < due) batch.push(rename());
        await Promise.all(batch);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return { first, last: next - 1 };
    },
    /** `count` renames one after the other; the index of the last name. */
    renames: async (args: { count: number }) => {
      for (let i = 0; i < args.count; i++) await rename();
      return { last: next - 1 };
    },
  },
  async () => {
    await node?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
);
