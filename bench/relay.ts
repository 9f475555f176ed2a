/**
 * Benchmark 8 — the relay in front of an upstream (docs/relay.md): the lag the relay adds, and how long after an
 * upstream cut the downstream state is equal again.
 *
 * Processes: the upstream, a confpush node playing Huawei (bench/servers/relay-upstream.ts: its commits and
 * fan-out do not run on the relay's event loop); this process, with the relay node following the upstream's
 * meeting through a TCP proxy (the fault proxy of the tests) and two probes — a subscriber of the upstream (what
 * the relay receives, on the same loopback) and one of the relay; and the load generators holding the `n` raw
 * WebSocket subscribers of the relay (ParticipantsNotify), as in the other sections. The upstream's engine renames
 * participants at `rate` changes/s (each name unique); lag = the relay probe's receipt of a name − the upstream
 * probe's receipt of it, both in this process. The relay probe subscribes after the `n` subscribers, so it is the
 * last socket of each fan-out. A first phase at the same rate with the probe as the only subscriber gives the
 * relay's path without the fan-out. A name overwritten upstream before the relay decided its change is never sent
 * downstream (the relay sends the newest state): those are counted, not timed.
 *
 * Cut: changes stop, the proxy resets the relay's upstream connections, 20 more renames are made upstream, and the
 * time runs until the relay probe has seen the last of them (reconnect with backoff, full messages, diff, commit).
 *
 *   node --conditions=source --import tsx bench/relay.ts [--quick]   # this benchmark alone; prints its numbers
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { WebSocket } from 'ws';
import { HEADERS, LOGIN_TYPE_PASSWORD, pushSocketUrl } from '../packages/protocol/src/index.js';
import { resolveConfig, type Config } from '../packages/server/src/config.js';
import { hex32 } from '../packages/server/src/ids.js';
import { ConfpushNode } from '../packages/server/src/node.js';
import { FaultProxy } from '../packages/server/test/support/fault-proxy.js';
import { confToken } from './lib/chain.js';
import { shares, stopAll, type BenchContext } from './lib/context.js';
import type { Child } from './lib/ipc.js';
import { quantile, sorted } from './lib/stats.js';

export interface LagPercentiles {
  p50: number;
  p99: number;
  max: number;
  timed: number;
}

export interface RelayResult {
  subscribers: number;
  rate: number;
  seconds: number;
  changes: number;
  /** Changes the last relay probe saw (the others were overwritten upstream before the relay decided them). */
  timed: number;
  /** Lag at the last socket of the fan-out (subscribed after the `subscribers`), ms. */
  p50: number;
  p99: number;
  max: number;
  /**
   * The same rate with the probe as the only subscriber (the relay's path without the fan-out to n), ms; absent in
   * results recorded before it was measured.
   */
  probeOnly?: LagPercentiles;
  /** Upstream cut → downstream equal again, ms, per run. */
  cutMs: number[];
  /** First reconnect delay of the upstream connection: the SDK's backoff (0.5 s ± 50 % jitter). */
  backoffMs: number;
}

const PARTICIPANTS = 50;
const silent = pino({ level: 'silent' });

function nodeConfig(dir: string, extra: Partial<Config>): Config {
  return resolveConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    appId: hex32(),
    appKey: hex32(),
    ...extra,
  });
}

async function json(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * A subscribed socket of `base` for the meeting (resolves once its full message arrived); `onNames` gets every NAME
 * in an incremental ParticipantsNotify frame.
 */
async function subscriber(
  base: string,
  confId: string,
  password: string,
  onNames?: (names: string[], at: number) => void,
): Promise<WebSocket> {
  const conf = (
    await json(`${base}/v1/mmc/control/conferences/token?conferenceID=${confId}`, {
      headers: { [HEADERS.password]: password, [HEADERS.loginType]: LOGIN_TYPE_PASSWORD },
    })
  )['data'] as { token: string; wsURL: string };
  const ws = (
    await json(`${base}/v1/mmc/control/conferences/wsToken?conferenceID=${confId}`, {
      headers: { [HEADERS.conferenceAuthorization]: conf.token },
    })
  )['webSocketToken'] as string;
  const socket = new WebSocket(pushSocketUrl(conf.wsURL, confId, ws));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let subscribed!: () => void;
  const full = new Promise<void>((resolve) => (subscribed = resolve));
  socket.on('message', (data: Buffer) => {
    const at = performance.now();
    const text = data.toString();
    if (!text.includes('"ParticipantsNotify"')) return;
    // Only incrementals are timed: the full message after Subscribe repeats names changed long before.
    if (!text.includes('"msgMode":1')) return subscribed();
    if (!onNames) return;
    const names = [...text.matchAll(/"NAME":"(n\d+)"/g)].map((m) => m[1]!);
    if (names.length > 0) onNames(names, at);
  });
  socket.send(
    JSON.stringify({
      sequence: '000000000000000001700000000000',
      action: 'Subscribe',
      data: JSON.stringify({ subscribeType: ['ParticipantsNotify'], confToken: conf.token }),
    }),
  );
  await full;
  return socket;
}

export async function run(ctx: BenchContext): Promise<RelayResult> {
  const n = ctx.quick ? 100 : 1000;
  const rate = 1000;
  const seconds = ctx.quick ? 3 : 10;
  const dir = mkdtempSync(join(tmpdir(), 'relay-down-'));
  const proxy = await FaultProxy.listen();
  const sockets: WebSocket[] = [];
  let upstream: Child | undefined;
  let clients: Child[] = [];
  let relay: ConfpushNode | undefined;
  try {
    upstream = await ctx.loadProcess(join('servers', 'relay-upstream.ts'), 'relay-upstream');
    const up = await upstream.call<{
      url: string;
      appId: string;
      appKey: string;
      conferenceID: string;
      chairPwd: string;
    }>('start', { publicUrl: proxy.url, participants: PARTICIPANTS });
    proxy.target(Number(new URL(up.url).port));
    const { conferenceID: confId, chairPwd } = up;
    relay = await ConfpushNode.start({
      config: nodeConfig(dir, {
        syncMode: (process.env['RELAY_SYNC'] as 'full' | undefined) ?? 'full',
        upstreamUrl: proxy.url,
        upstreamAppId: up.appId,
        upstreamAppKey: up.appKey,
        upstreamPollMs: 200,
      }),
      logger: silent,
    });
    const relayNode = relay;
    const upstreamNode = upstream;
    await until(
      async () =>
        (await relayNode.engine.load(confId))?.committed.streams.ParticipantsNotify.items.size ===
        PARTICIPANTS,
    );

    const sentAt = new Map<string, number>();
    /** The lags the relay probe measured in the current phase. */
    let lags: number[] = [];
    const seen = new Set<string>();
    sockets.push(
      await subscriber(up.url, confId, chairPwd, (names, at) => {
        for (const name of names) if (!sentAt.has(name)) sentAt.set(name, at);
      }),
    );
    const relayProbe = (names: string[], at: number) => {
      for (const name of names) {
        const t0 = sentAt.get(name);
        if (t0 !== undefined) lags.push(at - t0);
        seen.add(name);
      }
    };

    /** Renames upstream at `rate` for `seconds`; the lags the relay probe measured. */
    const measure = async (seconds: number) => {
      lags = [];
      const { first, last } = await upstreamNode.call<{ first: number; last: number }>('rate', {
        rate,
        seconds,
      });
      await until(() => seen.has(`n${last}`));
      return { changes: last - first + 1, lags: sorted(lags) };
    };
    const percentiles = (asc: Float64Array) => ({
      p50: quantile(asc, 0.5),
      p99: quantile(asc, 0.99),
      max: asc[asc.length - 1] ?? NaN,
      timed: asc.length,
    });

    // The relay path alone: frame, replica, mirror, commit, and a fan-out to this one socket.
    const probe = await subscriber(relayNode.url, confId, chairPwd, relayProbe);
    sockets.push(probe);
    const alone = await measure(ctx.quick ? 2 : 3);
    probe.terminate();
    const probeOnly = percentiles(alone.lags);
    ctx.log(`relay lag, probe only: p50 ${probeOnly.p50.toFixed(2)} ms, p99 ${probeOnly.p99.toFixed(2)} ms`);

    // The downstream subscribers live in load-generator processes (as in the other sections), so their receiving
    // does not run on the relay's event loop. The probe subscribes after them: the last socket of each fan-out
    // (being in the relay's process, it reads a frame only once the whole fan-out has been written anyway).
    clients = await ctx.clients('ws');
    const target = { confId, ...(await confToken(relayNode.url, confId, chairPwd)) };
    const assign = Array.from({ length: n }, () => 0);
    await Promise.all(
      shares(assign, clients.length).map((share, i) =>
        clients[i]!.call('connectConfpush', {
          base: relayNode.url,
          targets: [target],
          assign: share,
          categories: ['ParticipantsNotify'],
        }),
      ),
    );
    sockets.push(await subscriber(relayNode.url, confId, chairPwd, relayProbe));
    ctx.log(`relay: ${n} subscribers of the relay, ${rate} changes/s for ${seconds} s`);
    const loaded = await measure(seconds);
    const last = percentiles(loaded.lags);
    const result: RelayResult = {
      subscribers: n,
      rate,
      seconds,
      changes: loaded.changes,
      ...last,
      probeOnly,
      cutMs: [],
      backoffMs: 500,
    };
    ctx.log(
      `relay lag: p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms (${result.timed}/${result.changes} timed)`,
    );

    for (let cut = 0; cut < (ctx.quick ? 2 : 5); cut++) {
      const t0 = performance.now();
      proxy.reset();
      const { last: index } = await upstreamNode.call<{ last: number }>('renames', { count: 20 });
      const last = `n${index}`;
      await until(() => seen.has(last));
      result.cutMs.push(performance.now() - t0);
      ctx.log(`relay cut ${cut + 1}: equal again after ${result.cutMs.at(-1)!.toFixed(0)} ms`);
    }
    return result;
  } finally {
    for (const socket of sockets) socket.terminate();
    await stopAll(clients);
    await relay?.close();
    await upstream?.stop();
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('relay bench: timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { BenchContext } = await import('./lib/context.js');
  const quick = process.argv.includes('--quick');
  const ctx = new BenchContext({
    quick,
    cpuProf: false,
    profDir: tmpdir(),
    cpus: 'shared',
    clientProcesses: 1,
  });
  console.log(JSON.stringify(await run(ctx), null, 2));
}
