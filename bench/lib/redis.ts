/**
 * The Redis a benchmark runs confpush's cluster mode on, chosen in this order:
 *
 * 1. `CONFPUSH_BENCH_REDIS_URL` when set (used as it is, whatever its persistence settings; they are reported);
 * 2. the local Redis on 127.0.0.1:6379 when it answers and already persists every write the way docs/cluster.md
 *    requires for "durable before visible" (`appendonly yes`, `appendfsync always`) — its configuration is never
 *    changed, it may belong to someone else;
 * 3. otherwise a dedicated `redis-server` on a free port in a temporary directory, started with those settings
 *    and stopped afterwards;
 * 4. when there is no `redis-server` binary, the local Redis of step 2 with the settings it has (reported as not
 *    durable), or nothing: the Redis part is skipped with the reason.
 *
 * Every key the benchmark creates is under a fresh prefix and is deleted by `close()`. The settings that applied are
 * read with `CONFIG GET`; the URL itself is never written into the results (it may carry a password).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** The persistence settings docs/cluster.md requires for "durable before visible" in cluster mode. */
export const REQUIRED_PERSISTENCE = { appendonly: 'yes', appendfsync: 'always' } as const;
/** The settings read with `CONFIG GET` and reported. */
export const REPORTED_SETTINGS = ['appendonly', 'appendfsync', 'save', 'maxmemory-policy'] as const;

export type RedisSource = 'env' | 'local' | 'dedicated';

export interface RedisInfo {
  source: RedisSource;
  /** What the source was, in words (no host names or paths). */
  description: string;
  version: string;
  /** `CONFIG GET` of each of REPORTED_SETTINGS, read before the measurement ('?' when CONFIG is disabled). */
  settings: Record<string, string>;
  /** The same, read after the measurement, when anything differed. */
  settingsAfter?: Record<string, string>;
  /** appendonly yes + appendfsync always (undefined: CONFIG is disabled, unknown). */
  durable: boolean | undefined;
}

export interface BenchRedis {
  /** For the node under test only; not to be written into results. */
  readonly url: string;
  /** Prefix of every key the benchmark creates (`redisPrefix` of the nodes). */
  readonly prefix: string;
  readonly info: RedisInfo;
  /** Reads the settings again (they are reported as `settingsAfter` when they changed). */
  recheck(): Promise<void>;
  /** Deletes every key under `prefix`, disconnects, and stops the dedicated server (and removes its directory). */
  close(): Promise<void>;
}

export type Log = (message: string) => void;

const LOCAL_URL = 'redis://127.0.0.1:6379';

function client(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: () => null,
    connectionName: 'confpush-bench',
  });
  redis.on('error', () => {}); // reported by the failing command
  return redis;
}

async function connect(url: string): Promise<Redis | undefined> {
  const redis = client(url);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch {
    redis.disconnect(false);
    return undefined;
  }
}

async function readSettings(redis: Redis): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of REPORTED_SETTINGS) {
    try {
      const reply = (await redis.config('GET', name)) as string[];
      out[name] = reply[1] ?? '?';
    } catch {
      out[name] = '?';
    }
  }
  return out;
}

function isDurable(settings: Record<string, string>): boolean | undefined {
  if (settings['appendonly'] === '?' || settings['appendfsync'] === '?') return undefined;
  return (
    settings['appendonly'] === REQUIRED_PERSISTENCE.appendonly &&
    settings['appendfsync'] === REQUIRED_PERSISTENCE.appendfsync
  );
}

async function version(redis: Redis): Promise<string> {
  try {
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  } catch {
    return '?';
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Dedicated {
  url: string;
  child: ChildProcess;
  dir: string;
}

/** Starts `redis-server` with the required persistence; undefined when there is no binary. */
async function startDedicated(log: Log): Promise<Dedicated | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'confpush-bench-redis-'));
  const port = await freePort();
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    ...['--appendonly', REQUIRED_PERSISTENCE.appendonly, '--appendfsync', REQUIRED_PERSISTENCE.appendfsync],
    ...['--maxmemory-policy', 'noeviction'],
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const started = await new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') resolve(false);
      else reject(err);
    });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  if (!started) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  child.removeAllListeners('exit');
  log(`started a dedicated redis-server (pid ${child.pid}) on a free port, append-only file in a temp dir`);
  return { url: `redis://127.0.0.1:${port}`, child, dir };
}

async function stopDedicated(d: Dedicated): Promise<void> {
  const { child } = d;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(d.dir, { recursive: true, force: true });
}

/** Deletes every key under `prefix`; returns how many. */
async function unlinkPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

/**
 * The Redis of this run (see the order above), or why there is none. `url` overrides the choice (the standalone
 * cluster script's `--redis`).
 */
export async function openRedis(log: Log, url?: string): Promise<BenchRedis | { skipped: string }> {
  const explicit = url ?? process.env['CONFPUSH_BENCH_REDIS_URL'];
  let redis: Redis | undefined;
  let chosenUrl = '';
  let source: RedisSource;
  let description: string;
  let dedicated: Dedicated | undefined;
  if (explicit) {
    redis = await connect(explicit);
    if (!redis) return { skipped: 'the Redis named by CONFPUSH_BENCH_REDIS_URL did not answer' };
    chosenUrl = explicit;
    source = 'env';
    description = 'the Redis named by CONFPUSH_BENCH_REDIS_URL';
  } else {
    const local = await connect(LOCAL_URL);
    const localDurable = local ? isDurable(await readSettings(local)) : undefined;
    if (local && localDurable === true) {
      redis = local;
      chosenUrl = LOCAL_URL;
      source = 'local';
      description = 'the local Redis on port 6379 (it already persists every write)';
    } else {
      dedicated = await startDedicated(log).catch((err: unknown) => {
        log(`could not start redis-server: ${(err as Error).message}`);
        return undefined;
      });
      if (dedicated) {
        local?.disconnect(false);
        redis = await connect(dedicated.url);
        if (!redis) {
          await stopDedicated(dedicated);
          return { skipped: 'the dedicated redis-server did not answer' };
        }
        chosenUrl = dedicated.url;
        source = 'dedicated';
        description =
          'a dedicated redis-server started for the run (free port, append-only file in a temporary directory on ' +
          'the same disk as the SQLite file)' +
          (local ? '; the local Redis on port 6379 does not persist every write, so it was not used' : '');
      } else if (local) {
        redis = local;
        chosenUrl = LOCAL_URL;
        source = 'local';
        description =
          'the local Redis on port 6379 (no redis-server binary to start one that persists every write)';
      } else {
        return {
          skipped:
            'no Redis: CONFPUSH_BENCH_REDIS_URL is not set, nothing answers on 127.0.0.1:6379, and there is no ' +
            'redis-server binary to start one',
        };
      }
    }
  }
  const settings = await readSettings(redis);
  const info: RedisInfo = {
    source,
    description,
    version: await version(redis),
    settings,
    durable: isDurable(settings),
  };
  const prefix = `confpush-bench:${randomBytes(6).toString('hex')}:`;
  log(
    `Redis: ${description}; Redis ${info.version}, ${REPORTED_SETTINGS.map((s) => `${s} ${JSON.stringify(settings[s])}`).join(', ')}; key prefix ${prefix}`,
  );
  if (info.durable === false)
    log(
      'Redis does not persist every write before answering (appendonly yes + appendfsync always): its numbers are not durable writes',
    );
  const conn = redis;
  return {
    url: chosenUrl,
    prefix,
    info,
    async recheck() {
      const after = await readSettings(conn);
      if (REPORTED_SETTINGS.some((s) => after[s] !== info.settings[s])) {
        info.settingsAfter = after;
        log(`Redis settings changed during the run: ${JSON.stringify(after)}`);
      }
    },
    async close() {
      try {
        const n = await unlinkPrefix(conn, prefix);
        log(`Redis: deleted the ${n} keys under ${prefix}`);
      } catch (err) {
        log(`Redis: could not delete the keys under ${prefix}: ${(err as Error).message}`);
      } finally {
        conn.disconnect(false);
        if (dedicated) await stopDedicated(dedicated);
      }
    },
  };
}
