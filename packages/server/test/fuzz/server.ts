/**
 * One real node shared by every test of a file (the fuzz and isolation tests run thousands of cases against it):
 * started in `beforeAll`, closed in `afterAll`. Otherwise the same as `startTestServer` (test/helpers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterAll } from 'vitest';
import type { Config } from '../../src/config.js';
import { ConfpushNode } from '../../src/node.js';
import type { TestServer } from '../helpers.js';
import { testConfig, testLogger } from '../support/config.js';

export async function startSharedServer(config: Partial<Config> = {}, logger?: Logger): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'confpush-shared-'));
  const resolved = testConfig(dataDir, config);
  const node = await ConfpushNode.start({ config: resolved, logger: logger ?? testLogger() });
  afterAll(async () => {
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    node,
    url: node.url,
    appId: resolved.appId,
    appKey: resolved.appKey,
    corpId: resolved.corpId,
    dataDir,
  };
}
