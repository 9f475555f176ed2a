/**
 * vitest globalSetup: the Redis the suite uses (store conformance, the cluster tests, `npm run test:cluster`).
 *
 * - `CONFPUSH_TEST_REDIS_URL` set: that Redis.
 * - Otherwise a Redis answering on 127.0.0.1:6379: that one.
 * - Otherwise, when `redis-server` is installed: a throw-away one on a free port, without persistence, in a temporary
 *   directory, stopped after the run; its URL reaches the tests as `CONFPUSH_TEST_REDIS_URL`.
 * - Otherwise the run fails at once with one line saying how to install it.
 *
 * Tests only ever write keys under their own prefixes (`cpt:…`, test/helpers.ts) and delete them afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEFAULT_PORT = 6379;
export const INSTALL_HINT =
  'the test suite needs Redis: install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set CONFPUSH_TEST_REDIS_URL';

/** True when a Redis server answers PING on 127.0.0.1:port. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `redis-server`; undefined when the binary is not installed. */
async function startRedisServer(
  binary: string,
  port: number,
  dir: string,
): Promise<ChildProcess | undefined> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') resolve(undefined);
      else reject(error);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
}

export interface SuiteRedis {
  url: string;
  /** Stops the throw-away server (nothing for a Redis the suite did not start). */
  stop: () => Promise<void>;
}

export interface ProvideRedisOptions {
  /** A Redis already chosen (`CONFPUSH_TEST_REDIS_URL`). */
  configuredUrl?: string | undefined;
  /** Port of the usual local Redis. */
  defaultPort?: number;
  /** The server binary. */
  binary?: string;
}

/** The Redis of the run: the configured one, the local one on 6379, or a throw-away one; see the top of the file. */
export async function provideRedis(options: ProvideRedisOptions = {}): Promise<SuiteRedis> {
  const nothing = async () => {};
  if (options.configuredUrl) return { url: options.configuredUrl, stop: nothing };
  const defaultPort = options.defaultPort ?? DEFAULT_PORT;
  if (await answersPing(defaultPort)) return { url: `redis://127.0.0.1:${defaultPort}`, stop: nothing };
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'confpush-suite-redis-'));
  const child = await startRedisServer(options.binary ?? 'redis-server', port, dir).catch(
    (error: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    },
  );
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(INSTALL_HINT);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True when `redis-server` can be run (`redis-server --version`). */
export function redisServerInstalled(binary = 'redis-server'): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** Whether the run can have a Redis, without starting one (`npm test` checks this before anything else). */
export async function redisAvailable(options: ProvideRedisOptions = {}): Promise<boolean> {
  return (
    Boolean(options.configuredUrl) ||
    (await answersPing(options.defaultPort ?? DEFAULT_PORT)) ||
    (await redisServerInstalled(options.binary))
  );
}

export default async function setup(): Promise<() => Promise<void>> {
  const configuredUrl = process.env['CONFPUSH_TEST_REDIS_URL'];
  if (!(await redisAvailable({ configuredUrl }))) {
    console.error(INSTALL_HINT);
    process.exit(1);
  }
  const redis = await provideRedis({ configuredUrl });
  // Test files (and the servers they spawn) read it from the environment: test/helpers.ts TEST_REDIS_URL.
  process.env['CONFPUSH_TEST_REDIS_URL'] = redis.url;
  return redis.stop;
}
