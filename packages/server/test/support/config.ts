/**
 * The one place the tests write a node's start-up configuration and logger: loopback on a free port, the given
 * data directory, a fresh App ID credential, silent logs (`CONFPUSH_TEST_LOG=debug` shows them).
 */
import pino, { type Logger } from 'pino';
import { resolveConfig, type Config } from '../../src/config.js';
import { hex32 } from '../../src/ids.js';

export const TEST_CORP_ID = '100000001';

/** A resolved configuration for a test node on `dataDir`; `overrides` win (e.g. a shared credential). */
export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return resolveConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    appId: hex32(),
    appKey: hex32(),
    corpId: TEST_CORP_ID,
    logLevel: 'silent',
    syncMode: 'normal',
    ...overrides,
  });
}

/** The logger of a test node: silent unless `CONFPUSH_TEST_LOG` names a level. */
export function testLogger(): Logger {
  return pino({ level: process.env['CONFPUSH_TEST_LOG'] ?? 'silent' });
}
