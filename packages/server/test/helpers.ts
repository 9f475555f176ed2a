/**
 * Test helpers: a real confpush node on loopback (port 0, temporary data directory), torn down after the test.
 *
 * With `CONFPUSH_TEST_STORE=redis` (`npm run test:cluster`), `startTestServer` starts a cluster instead: three
 * nodes on one Redis (`CONFPUSH_TEST_REDIS_URL`, default the local one) under a key prefix of their own, derived
 * from the data directory (so a node started again on the same directory finds its data). `url` then names a
 * random node at every access, so REST calls and sockets spread over the cluster; `node` is the first node.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { afterAll, afterEach } from 'vitest';
import type { Clock } from '../src/clock.js';
import type { Config } from '../src/config.js';
import { hex32, token } from '../src/ids.js';
import { MediaSource } from '../src/media/source.js';
import type { MediaPlane } from '../src/media/service.js';
import { ConfpushNode } from '../src/node.js';
import type { Source } from '../src/sources/source.js';
import type { User } from '../src/store/types.js';
import { testConfig, testLogger } from './support/config.js';

export { eventually } from './support/eventually.js';

const cleanups: (() => Promise<void>)[] = [];

/** The behavioural suite runs against a three-node cluster on Redis (`npm run test:cluster`). */
export const CLUSTER = process.env['CONFPUSH_TEST_STORE'] === 'redis';
export const TEST_REDIS_URL = process.env['CONFPUSH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Key prefixes used by this test: their keys are deleted after it. */
const prefixes = new Set<string>();
let admin: Redis | undefined;

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
  for (const prefix of prefixes) await dropKeys(prefix);
  prefixes.clear();
});

afterAll(async () => {
  await admin?.quit();
  admin = undefined;
});

/** The Redis key prefix of a test cluster on `dataDir` (registered for deletion after the test). */
export function testRedisPrefix(dataDir: string): string {
  const prefix = `cpt:${createHash('sha1').update(dataDir).digest('hex').slice(0, 16)}:`;
  prefixes.add(prefix);
  return prefix;
}

async function dropKeys(prefix: string): Promise<void> {
  admin ??= new Redis(TEST_REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
}

export function tempDir(prefix = 'confpush-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestServer {
  node: ConfpushNode;
  /** `http://127.0.0.1:<port>` (in a cluster: of a random node, at every access) */
  url: string;
  /** Every node (one, except in a cluster). */
  nodes?: ConfpushNode[];
  appId: string;
  appKey: string;
  corpId: string;
  dataDir: string;
}

export interface TestServerOptions {
  config?: Partial<Config>;
  clock?: Clock;
  dataDir?: string;
  /** In cluster runs: how many nodes (default 3); tests of one node's own counters ask for 1. */
  nodes?: number;
  /** Sources of each node (src/sources/): called once per node, so every node of a cluster has its own. */
  sources?: () => Source[];
  /** Every node's logger (default: `CONFPUSH_TEST_LOG`'s level, silent unless set). */
  logger?: Logger;
}

/** Starts a node on 127.0.0.1:0 with a fresh data directory (or the given one) and registers its teardown. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  if (CLUSTER) return startTestCluster(options);
  const dataDir = options.dataDir ?? tempDir();
  const config = testConfig(dataDir, options.config);
  const node = await ConfpushNode.start({
    config,
    logger: options.logger ?? testLogger(),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sources ? { sources: options.sources() } : {}),
  });
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await node.close();
    closed = true;
  });
  return { node, url: node.url, appId: config.appId, appKey: config.appKey, corpId: config.corpId, dataDir };
}

/** Three nodes (or `options.nodes`) on one Redis, each with its own port and the same app credential. */
export async function startTestCluster(options: TestServerOptions): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const config = testConfig(dataDir, {
    redisUrl: TEST_REDIS_URL,
    redisPrefix: testRedisPrefix(dataDir),
    ...options.config,
  });
  const nodes: ConfpushNode[] = [];
  for (let i = 0; i < (options.nodes ?? 3); i++) {
    const node = await ConfpushNode.start({
      config,
      logger: options.logger ?? testLogger(),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.sources ? { sources: options.sources() } : {}),
    });
    nodes.push(node);
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await node.close();
      closed = true;
    });
  }
  const first = nodes[0]!;
  return {
    node: first,
    nodes,
    get url() {
      return nodes[Math.floor(Math.random() * nodes.length)]!.url;
    },
    appId: config.appId,
    appKey: config.appKey,
    corpId: config.corpId,
    dataDir,
  };
}

/** The base URL of every node of the server (one, except in a cluster): what a public URL it returns may name. */
export function nodeUrls(server: TestServer): string[] {
  return (server.nodes ?? [server.node]).map((node) => node.url);
}

/**
 * Creates a user of the node's enterprise and an access token for it directly in the store, for tests whose
 * subject is not authentication. Returns the `X-Access-Token` value.
 */
export async function loginAsTestUser(
  server: TestServer,
  options: { admin?: boolean; name?: string } = {},
): Promise<{ accessToken: string; user: User }> {
  const now = Date.now();
  const user: User = {
    userId: hex32(),
    corpId: server.corpId,
    account: null,
    thirdAccount: `test-${hex32().slice(0, 8)}`,
    appId: server.appId,
    passwordHash: null,
    name: options.name ?? 'Test User',
    email: null,
    phone: null,
    sipNumber: '+99100000000001',
    userType: 2,
    adminType: options.admin ? 0 : 2,
    createdAt: now,
  };
  await server.node.store.identity.putUser(user);
  const accessToken = token('cpt');
  await server.node.store.identity.putAccessToken(
    {
      token: accessToken,
      userId: user.userId,
      clientType: 72,
      tokenIp: '127.0.0.1',
      createdAt: now,
      expiresAt: now + 3_600_000,
      refreshToken: token('cpr'),
      refreshExpiresAt: now + 7_200_000,
    },
    64,
  );
  return { accessToken, user };
}

/** A node's simulated media plane: the plane of its built-in media source. */
export function mediaPlaneOf(node: ConfpushNode): MediaPlane {
  const source = node.sources.find((s) => s instanceof MediaSource);
  if (!(source instanceof MediaSource)) throw new Error('the node has no media source');
  return source.plane;
}
