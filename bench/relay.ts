/**
 * Benchmark 8 — the relay in front of an upstream (docs/relay.md): the lag the relay adds, and how long after an
 * upstream cut the downstream state is equal again.
 *
 * In one process: an upstream confpush node playing Huawei, a relay node following its meeting through a TCP proxy
 * (the fault proxy of the tests), `n` raw WebSocket subscribers of the relay (ParticipantsNotify) and two probes —
 * a subscriber of the upstream (what the relay receives, on the same loopback) and one of the relay. The upstream's
 * engine renames participants at `rate` changes/s (each name unique); lag = the relay probe's receipt of a name − the
 * upstream probe's receipt of it. The relay coalesces changes that arrive while a commit is in flight, so a name
 * overwritten before it was committed is never sent downstream: those are counted, not timed.
 *
 * Cut: changes stop, the proxy resets the relay's upstream connections, 20 more renames are made upstream, and the
 * time runs until the relay probe has seen the last of them (reconnect with backoff, full messages, diff, commit).
 *
 *   npx tsx bench/relay.ts [--quick]      # this benchmark alone; prints its numbers
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

export interface RelayResult {
  subscribers: number;
  rate: number;
  seconds: number;
  changes: number;
  /** Changes the relay probe saw (the others were coalesced into a later commit). */
  timed: number;
  p50: number;
  p99: number;
  max: number;
  /** The same rate with no downstream subscriber but the probe (the relay path without the fan-out), ms. */
  probeOnly: { p50: number; p99: number; timed: number };
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
  const dirs = [mkdtempSync(join(tmpdir(), 'relay-up-')), mkdtempSync(join(tmpdir(), 'relay-down-'))];
  const proxy = await FaultProxy.listen();
  const upstreamConfig = nodeConfig(dirs[0]!, { publicUrl: proxy.url, syncMode: 'full' });
  const upstream = await ConfpushNode.start({ config: upstreamConfig, logger: silent });
  proxy.target(Number(new URL(upstream.url).port));
  const sockets: WebSocket[] = [];
  let clients: Child[] = [];
  let relay: ConfpushNode | undefined;
  try {
    const record = await createMeeting(upstream, upstreamConfig);
    const { conferenceID: confId, chairPwd } = record;
    for (let i = 0; i < PARTICIPANTS; i++)
      await upstream.engine.execute(confId, { type: 'join', site: { pid: `p${i}`, name: `start${i}` } });
    relay = await ConfpushNode.start({
      config: nodeConfig(dirs[1]!, {
        syncMode: (process.env['RELAY_SYNC'] as 'full' | undefined) ?? 'full',
        upstreamUrl: proxy.url,
        upstreamAppId: upstreamConfig.appId,
        upstreamAppKey: upstreamConfig.appKey,
        upstreamPollMs: 200,
      }),
      logger: silent,
    });
    const relayNode = relay;
    await until(
      async () =>
        (await relayNode.engine.load(confId))?.committed.streams.ParticipantsNotify.items.size ===
        PARTICIPANTS,
    );

    const sentAt = new Map<string, number>();
    let lags: number[] = [];
    const seen = new Set<string>();
    sockets.push(
      await subscriber(upstream.url, confId, chairPwd, (names, at) => {
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

    let next = 0;
    const rename = () => {
      const name = `n${next++}`;
      return upstream.engine.execute(confId, { type: 'rename', pid: `p${next % PARTICIPANTS}`, name });
    };
    /** Renames upstream at `rate` for `seconds`; the lags of the names the relay probe saw. */
    const measure = async (seconds: number): Promise<{ changes: number; lags: number[] }> => {
      lags = [];
      const first = next;
      const total = first + rate * seconds;
      const started = performance.now();
      while (next < total) {
        const due = Math.min(total, first + Math.floor(((performance.now() - started) / 1000) * rate));
        const batch: Promise<unknown>[] = [];
        while (next < due) batch.push(rename());
        await Promise.all(batch);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await until(() => seen.has(`n${total - 1}`));
      return { changes: total - first, lags };
    };

    // The relay path alone (no downstream subscriber but the probe): frame, replica, mirror, commit, one socket.
    const probe = await subscriber(relay.url, confId, chairPwd, relayProbe);
    sockets.push(probe);
    const bare = await measure(ctx.quick ? 2 : 3);
    probe.terminate();
    const bareAsc = sorted(bare.lags);
    ctx.log(
      `relay lag, probe only: p50 ${quantile(bareAsc, 0.5).toFixed(2)} ms, p99 ${quantile(bareAsc, 0.99).toFixed(2)} ms`,
    );

    // The downstream subscribers live in a load-generator process (as in the other sections), so their receiving
    // does not run on the relay's event loop. The probe subscribes last: it is the last socket of the fan-out.
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
    sockets.push(await subscriber(relay.url, confId, chairPwd, relayProbe));
    ctx.log(`relay: ${n} subscribers of the relay, ${rate} changes/s for ${seconds} s`);
    const loaded = await measure(seconds);
    const asc = sorted(loaded.lags);
    const result: RelayResult = {
      subscribers: n,
      rate,
      seconds,
      changes: loaded.changes,
      timed: loaded.lags.length,
      p50: quantile(asc, 0.5),
      p99: quantile(asc, 0.99),
      max: asc[asc.length - 1] ?? NaN,
      probeOnly: { p50: quantile(bareAsc, 0.5), p99: quantile(bareAsc, 0.99), timed: bare.lags.length },
      cutMs: [],
      backoffMs: 500,
    };
    ctx.log(
      `relay lag: p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms (${result.timed}/${result.changes} timed)`,
    );

    for (let cut = 0; cut < (ctx.quick ? 2 : 5); cut++) {
      const t0 = performance.now();
      proxy.reset();
      for (let i = 0; i < 20; i++) await rename();
      const last = `n${next - 1}`;
      await until(() => seen.has(last));
      result.cutMs.push(performance.now() - t0);
      ctx.log(`relay cut ${cut + 1}: equal again after ${result.cutMs.at(-1)!.toFixed(0)} ms`);
    }
    return result;
  } finally {
    for (const socket of sockets) socket.terminate();
    await stopAll(clients);
    await relay?.close();
    await upstream.close();
    await proxy.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

async function createMeeting(
  node: ConfpushNode,
  config: Config,
): Promise<{ conferenceID: string; chairPwd: string }> {
  const { signAppAuth, appAuthAuthorization, API_CLIENT_TYPE } =
    await import('../packages/protocol/src/index.js');
  const { nodeHmacSha256Hex } = await import('../packages/server/src/auth/signature.js');
  const expireTime = Math.floor(Date.now() / 1000) + 600;
  const nonce = hex32() + hex32();
  const signature = signAppAuth(
    { appId: config.appId, appKey: config.appKey, userId: '', expireTime, nonce },
    nodeHmacSha256Hex,
  );
  const auth = await json(`${node.url}/v2/usg/acs/auth/appauth`, {
    method: 'POST',
    headers: {
      Authorization: appAuthAuthorization(signature, config.appId),
      'content-type': 'application/json',
    },
    body: JSON.stringify({ appId: config.appId, clientType: API_CLIENT_TYPE, expireTime, nonce }),
  });
  const created = await fetch(`${node.url}/v1/mmc/management/conferences`, {
    method: 'POST',
    headers: { [HEADERS.accessToken]: auth['accessToken'] as string, 'content-type': 'application/json' },
    body: JSON.stringify({ subject: 'relay bench', mediaTypes: 'HDVideo' }),
  });
  const info = ((await created.json()) as Record<string, unknown>[])[0]!;
  const entries = info['passwordEntry'] as { conferenceRole: string; password: string }[];
  return {
    conferenceID: info['conferenceID'] as string,
    chairPwd: entries.find((e) => e.conferenceRole === 'chair')!.password,
  };
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
