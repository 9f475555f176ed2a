/**
 * One real node shared by every test of a file (the fuzz and isolation tests run thousands of cases against it):
 * started in `beforeAll`, closed in `afterAll`. Otherwise the same as `startTestServer` (test/helpers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { afterAll } from 'vitest';
import { resolveConfig, type Config } from '../../src/config.js';
import { hex32 } from '../../src/ids.js';
import { ConfpushNode } from '../../src/node.js';
import type { TestServer } from '../helpers.js';

export async function startSharedServer(config: Partial<Config> = {}, logger?: Logger): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'confpush-shared-'));
  const appId = hex32();
  const appKey = hex32();
  const resolved = resolveConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    appId,
    appKey,
    corpId: '100000001',
    logLevel: 'silent',
    syncMode: 'normal',
    ...config,
  });
  const node = await ConfpushNode.start({
    config: resolved,
    logger: logger ?? pino({ level: process.env['CONFPUSH_TEST_LOG'] ?? 'silent' }),
  });
  afterAll(async () => {
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { node, url: node.url, appId, appKey, corpId: resolved.corpId, dataDir };
}
