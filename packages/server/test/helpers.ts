/**
 * Test helpers: a real confpush node on loopback (port 0, temporary data directory), torn down after the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach } from 'vitest';
import type { Clock } from '../src/clock.js';
import { resolveConfig, type Config } from '../src/config.js';
import { hex32, token } from '../src/ids.js';
import { ConfpushNode } from '../src/node.js';
import type { User } from '../src/store/types.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

export function tempDir(prefix = 'confpush-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestServer {
  node: ConfpushNode;
  /** `http://127.0.0.1:<port>` */
  url: string;
  appId: string;
  appKey: string;
  corpId: string;
  dataDir: string;
}

export interface TestServerOptions {
  config?: Partial<Config>;
  clock?: Clock;
  dataDir?: string;
}

/** Starts a node on 127.0.0.1:0 with a fresh data directory (or the given one) and registers its teardown. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const appId = hex32();
  const appKey = hex32();
  const config = resolveConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    appId,
    appKey,
    corpId: '100000001',
    logLevel: 'silent',
    syncMode: 'normal',
    ...options.config,
  });
  const node = await ConfpushNode.start({
    config,
    logger: pino({ level: process.env['CONFPUSH_TEST_LOG'] ?? 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await node.close();
    closed = true;
  });
  return { node, url: node.url, appId, appKey, corpId: config.corpId, dataDir };
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
  await server.node.store.putUser(user);
  const accessToken = token('cpt');
  await server.node.store.putAccessToken(
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

/** Polls `check` until it returns a value other than undefined (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError ?? new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
