/**
 * A relay in front of a second confpush node that plays Huawei Cloud Meeting, with a fault proxy between them:
 *
 *     test ──► relay (startTestServer, upstreamUrl = proxy) ══ FaultProxy ══► upstream node (publicUrl = proxy)
 *
 * The upstream's `publicUrl` names the proxy, so the `wsURL` it hands out leads the relay's push socket through
 * the proxy too. The upstream can be restarted on its data directory (same credential, same proxy).
 */
import { PUSH_CATEGORIES, type Item } from '@confpush/protocol';
import type { Logger } from 'pino';
import { afterEach } from 'vitest';
import type { Config } from '../../src/config.js';
import type { MeetingState } from '../../src/domain/meeting.js';
import { ConfpushNode } from '../../src/node.js';
import type { RelaySource } from '../../src/relay/relay-source.js';
import { CLUSTER, tempDir, testRedisPrefix, TEST_REDIS_URL, type TestServer } from '../helpers.js';
import { testConfig, testLogger } from './config.js';
import { FaultProxy } from './fault-proxy.js';

const started: { close(): Promise<void> }[] = [];

afterEach(async () => {
  while (started.length > 0) await started.pop()?.close();
});

export interface Upstream extends TestServer {
  restart(): Promise<void>;
}

/** The upstream node (one node; on Redis in cluster runs), reached by the relay through `proxy`. */
export async function startUpstream(proxy: FaultProxy, overrides: Partial<Config> = {}): Promise<Upstream> {
  const dataDir = tempDir();
  const config = testConfig(dataDir, {
    publicUrl: proxy.url,
    ...(CLUSTER ? { redisUrl: TEST_REDIS_URL, redisPrefix: testRedisPrefix(dataDir) } : {}),
    ...overrides,
  });
  let node = await ConfpushNode.start({ config, logger: testLogger() });
  const holder = { close: () => node.close() };
  started.push(holder);
  proxy.target(Number(new URL(node.url).port));
  return {
    get node() {
      return node;
    },
    get url() {
      return node.url;
    },
    appId: config.appId,
    appKey: config.appKey,
    corpId: config.corpId,
    dataDir,
    async restart() {
      await node.close();
      node = await ConfpushNode.start({ config, logger: testLogger() });
      proxy.target(Number(new URL(node.url).port));
    },
  };
}

export async function startProxy(): Promise<FaultProxy> {
  const proxy = await FaultProxy.listen();
  started.push(proxy);
  return proxy;
}

/** A relay node (one node; on Redis in cluster runs) following the upstream at `proxy.url`. */
export interface Relay {
  server: TestServer;
  relay: RelaySource;
  close(): Promise<void>;
  /** Stops the node and starts it again on the same data (a new port; `server` and `relay` name the new node). */
  restart(): Promise<void>;
}

export async function startRelay(
  proxy: { url: string },
  upstream: { appId: string; appKey: string },
  config: Partial<Config> = {},
  logger: Logger = testLogger(),
): Promise<Relay> {
  const dataDir = tempDir();
  const resolved = testConfig(dataDir, {
    upstreamUrl: proxy.url,
    upstreamAppId: upstream.appId,
    upstreamAppKey: upstream.appKey,
    upstreamPollMs: 200,
    corpId: '100000002',
    ...(CLUSTER ? { redisUrl: TEST_REDIS_URL, redisPrefix: testRedisPrefix(dataDir) } : {}),
    ...config,
  });
  let node = await ConfpushNode.start({ config: resolved, logger });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= node.close());
  started.push({ close: () => close() });
  const server: TestServer = {
    get node() {
      return node;
    },
    get url() {
      return node.url;
    },
    appId: resolved.appId,
    appKey: resolved.appKey,
    corpId: resolved.corpId,
    dataDir,
  };
  const relay: Relay = {
    server,
    relay: relaySourceOf(node),
    close,
    async restart() {
      await close();
      node = await ConfpushNode.start({ config: resolved, logger });
      closing = undefined;
      relay.relay = relaySourceOf(node);
    },
  };
  return relay;
}

export function relaySourceOf(node: ConfpushNode): RelaySource {
  const source = node.sources.find((s) => s.name === 'upstream');
  if (!source) throw new Error('the node has no relay source');
  return source as RelaySource;
}

/** Every stream of a meeting as comparable data: items by key without their per-item `seq`. */
export function comparable(
  streams:
    | MeetingState['streams']
    | ((c: (typeof PUSH_CATEGORIES)[number]) => {
        snapshot(): unknown;
        keyOf(item: Item): string | undefined;
        spec: { shape: { kind: string } };
      }),
): Record<string, unknown> {
  const stream =
    typeof streams === 'function' ? streams : (c: (typeof PUSH_CATEGORIES)[number]) => streams[c];
  const out: Record<string, unknown> = {};
  for (const category of PUSH_CATEGORIES) {
    const replica = stream(category);
    const snapshot = replica.snapshot();
    if (replica.spec.shape.kind !== 'list') {
      out[category] = snapshot ?? null;
      continue;
    }
    const items: Record<string, unknown> = {};
    for (const item of snapshot as Item[]) {
      const { seq: _seq, mode: _mode, ...rest } = item;
      items[replica.keyOf(item) ?? '?'] = rest;
    }
    out[category] = Object.fromEntries(Object.entries(items).sort(([a], [b]) => a.localeCompare(b)));
  }
  return out;
}

/** The committed streams of a meeting on a node, comparable. */
export async function committedStreams(
  node: ConfpushNode,
  conferenceID: string,
): Promise<Record<string, unknown>> {
  const runtime = await node.engine.load(conferenceID);
  if (!runtime) throw new Error(`no meeting ${conferenceID}`);
  return comparable(runtime.committed.streams);
}
