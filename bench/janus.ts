/**
 * Benchmark 10 — Janus event handling throughput (`npm run bench -- --only janus`, or alone:
 * `node --conditions=source --import tsx bench/janus.ts [--participants 8] [--rounds 200] [--opaque derived|pid]`).
 *
 * One node on the embedded SQLite store with the Janus bridge on (no Janus answers: the events endpoint works all
 * the same). One meeting; `participants` publishers join through `joined` events; then each round posts, per
 * participant, `talking`, publisher statistics, subscriber statistics and `stopped-talking` as one grouped post
 * (as `sampleevh` with `grouping` does). Reports the events applied per second (first post to everything settled)
 * and the commands they became. `--opaque pid` names the handles by the bare participant ID (the node-local
 * mapping, as before opaque IDs carried the meeting), `derived` by the join call's opaque IDs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { benchAdmin } from './lib/admin.js';
import type { BenchContext } from './lib/context.js';
import { resolveConfig } from '../packages/server/src/config.js';
import { JanusIdentity } from '../packages/server/src/janus/identity.js';
import type { JanusSource } from '../packages/server/src/janus/source.js';
import { ConfpushNode } from '../packages/server/src/node.js';

const ADMIN_KEY = 'bench-admin-key';
const SECRET = 'bench-events-secret';

export interface JanusBenchResult {
  participants: number;
  rounds: number;
  opaque: string;
  events: number;
  commands: number;
  ms: number;
  eventsPerSecond: number;
}

export interface JanusResult {
  /** Handles named by the join call's opaque IDs (any node can map them), then by the bare participant ID. */
  runs: JanusBenchResult[];
}

export async function run(ctx: BenchContext): Promise<JanusResult> {
  const rounds = ctx.quick ? 25 : 200;
  // Alternated, twice each: on a shared machine one pass says little.
  const runs: JanusBenchResult[] = [];
  for (const opaque of ['pid', 'derived', 'pid', 'derived']) runs.push(await measure(8, rounds, opaque));
  for (const r of runs) ctx.log(JSON.stringify(r));
  return { runs };
}

export async function measure(
  participants: number,
  rounds: number,
  opaque: string,
): Promise<JanusBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'confpush-bench-janus-'));
  const config = resolveConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir: join(dir, 'data'),
    logLevel: 'silent',
    janusUrl: 'ws://127.0.0.1:9',
    janusAdminKey: ADMIN_KEY,
    janusEventsSecret: SECRET,
  });
  const node = await ConfpushNode.start({ config, logger: pino({ level: 'silent' }) });
  try {
    const source = node.sources.find((s) => s.name === 'janus') as JanusSource;
    const identity = new JanusIdentity(`${ADMIN_KEY}\u0000${SECRET}`);
    const confId = await startedMeeting(node);
    const room = Number(confId);
    const post = async (events: unknown[]) => {
      const res = await fetch(`${node.url}/confpush/v1/janus/events`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`janus:${SECRET}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(events),
      });
      if (res.status !== 200) throw new Error(`events refused: ${res.status}`);
    };
    const plugin = (data: Record<string, unknown>) => ({
      type: 64,
      event: { plugin: 'janus.plugin.videoroom', data: { room, ...data } },
    });
    const pids = Array.from({ length: participants }, () => identity.issue(0));
    const handleOf = (pid: string, kind: 'publisher' | 'subscriber') =>
      opaque === 'pid' ? pid : identity.opaqueId(confId, pid, kind);
    await post(pids.map((pid, i) => plugin({ event: 'joined', id: Number(pid), display: `p${i}` })));
    await source.settled();

    const counts = () => ({
      ...(source.health().detail as { events: { events: number; commands: number } }).events,
    });
    const before = counts();
    const started = performance.now();
    for (let r = 0; r < rounds; r++) {
      const events: unknown[] = [];
      for (const pid of pids) {
        events.push(
          plugin({ videoroom: 'talking', id: Number(pid), mid: '0', 'audio-level-dBov-avg': 20 + (r % 30) }),
        );
        events.push({
          type: 32,
          opaque_id: handleOf(pid, 'publisher'),
          event: {
            media: 'audio',
            mid: '0',
            rtt: 0,
            lost: r % 3,
            'jitter-local': r % 7,
            'packets-received': 100 * (r + 1),
            'packets-sent': 0,
          },
        });
        events.push({
          type: 32,
          opaque_id: handleOf(pid, 'subscriber'),
          event: {
            media: 'audio',
            mid: '0',
            rtt: 10 + (r % 20),
            'jitter-remote': r % 5,
            'lost-by-remote': 0,
            'packets-received': 0,
            'packets-sent': 100 * (r + 1),
          },
        });
        events.push(plugin({ videoroom: 'stopped-talking', id: Number(pid), mid: '0' }));
      }
      await post(events);
    }
    await source.settled();
    const ms = performance.now() - started;
    const after = counts();
    const events = after.events - before.events;
    return {
      participants,
      rounds,
      opaque,
      events,
      commands: after.commands - before.commands,
      ms: Math.round(ms),
      eventsPerSecond: Math.round((events * 1000) / ms),
    };
  } finally {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An instant meeting in progress, created through the management API with a bench administrator's token. */
async function startedMeeting(node: ConfpushNode): Promise<string> {
  const token = await benchAdmin(node);
  const res = await fetch(`${node.url}/v1/mmc/management/conferences`, {
    method: 'POST',
    headers: { 'X-Access-Token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ subject: 'bench janus', mediaTypes: 'Voice' }),
  });
  const [meeting] = (await res.json()) as { conferenceID: string; conferenceState?: string }[];
  return meeting!.conferenceID;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      participants: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '200' },
      opaque: { type: 'string', default: 'derived' },
    },
  });
  console.log(
    JSON.stringify(
      await measure(Number(values.participants), Number(values.rounds), values.opaque ?? 'derived'),
    ),
  );
}
