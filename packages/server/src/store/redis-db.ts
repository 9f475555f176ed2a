/**
 * The connection of the Redis store: one ioredis client, the Lua scripts (real `.lua` files in `./redis/`, loaded
 * with `SCRIPT LOAD` at start and run with EVALSHA), and the incarnation of the connected data set.
 *
 * The incarnation is the server's `run_id`, read when each connection becomes ready. It changes whenever Redis
 * restarts or another server takes over (failover): the data set may then have lost acknowledged writes, so a
 * meeting written under another incarnation gets new stream epochs before anything else happens to it (see
 * `renew.lua`). For that reason the client has no offline queue and never resends commands after a reconnect:
 * a command is sent only on a ready connection whose `run_id` is known, and fails (is not queued) otherwise.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisKeys } from './redis-keys.js';

export const SCRIPT_NAMES = [
  'commit',
  'renew',
  'snapshot',
  'put-user',
  'put-access-token',
  'drop-conf-tokens',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

type Arg = string | number;

/** Where the `.lua` files are: beside this module (source) or in the package's `src` (built `dist`). */
function scriptDir(): string {
  const candidates = [
    new URL('./redis/', import.meta.url),
    new URL('../../src/store/redis/', import.meta.url),
  ];
  for (const dir of candidates) if (existsSync(new URL('commit.lua', dir))) return fileURLToPath(dir);
  throw new Error('the Redis Lua scripts (store/redis/*.lua) are missing');
}

export function readScript(name: ScriptName): string {
  return readFileSync(`${scriptDir()}/${name}.lua`, 'utf8');
}

export interface RedisDbOptions {
  url: string;
  prefix: string;
  logger?: Logger | undefined;
  /** Name of the connection as `CLIENT LIST` shows it. */
  connectionName?: string;
}

/** A command of a pipeline or of the client: `scripts.<name>(numberOfKeys, ...keys, ...args)`. */
type ScriptCall = (numberOfKeys: number, ...args: Arg[]) => Promise<unknown>;
export type ScriptRunner = Record<ScriptName, ScriptCall>;

function commandName(name: ScriptName): string {
  return `confpush_${name.replaceAll('-', '_')}`;
}

export class RedisDb {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly #logger: Logger | undefined;
  #incarnation: string | undefined;
  #waiting: ((incarnation: string) => void)[] = [];
  readonly #onChange: ((incarnation: string) => void)[] = [];
  /** The last incarnation seen (kept across reconnects, to notice a change). */
  #last: string | undefined;
  #closed = false;

  constructor(options: RedisDbOptions) {
    this.keys = new RedisKeys(options.prefix);
    this.#logger = options.logger;
    this.redis = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectionName: options.connectionName ?? 'confpush',
      retryStrategy: (times) => Math.min(50 * times, 1000),
    });
    for (const name of SCRIPT_NAMES) this.redis.defineCommand(commandName(name), { lua: readScript(name) });
    this.redis.on('ready', () => void this.#readIncarnation());
    this.redis.on('close', () => {
      this.#incarnation = undefined;
    });
    this.redis.on('error', (err: Error) =>
      this.#logger?.warn({ err: err.message }, 'redis connection error'),
    );
  }

  /** Connects, loads the scripts and reads the incarnation. */
  async open(): Promise<void> {
    await this.redis.connect();
    for (const name of SCRIPT_NAMES) await this.redis.script('LOAD', readScript(name));
    await this.incarnation();
  }

  /** The scripts as client commands. */
  get scripts(): ScriptRunner {
    return scriptsOf(this.redis);
  }

  /**
   * The `run_id` of the server the client is connected to. Waits while a ready connection is reading it; fails at
   * once when there is no connection (a command would fail too: there is no offline queue).
   */
  incarnation(): Promise<string> {
    if (this.#incarnation !== undefined) return Promise.resolve(this.#incarnation);
    if (this.#closed) return Promise.reject(new Error('the Redis store is closed'));
    if (this.redis.status !== 'ready' && this.redis.status !== 'connect' && this.redis.status !== 'wait')
      return Promise.reject(new Error(`Redis is not connected (${this.redis.status})`));
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Called when the client reconnects to another incarnation (Redis restarted or failed over). */
  onIncarnationChange(handler: (incarnation: string) => void): void {
    this.#onChange.push(handler);
  }

  /** The incarnation when connected, without waiting. */
  get currentIncarnation(): string | undefined {
    return this.#incarnation;
  }

  async #readIncarnation(): Promise<void> {
    try {
      const info = await this.redis.info('server');
      const runId = /run_id:(\w+)/.exec(info)?.[1];
      if (!runId) throw new Error('INFO server has no run_id');
      this.#incarnation = runId;
      const changed = this.#last !== undefined && this.#last !== runId;
      this.#last = runId;
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const resolve of waiting) resolve(runId);
      if (changed) {
        this.#logger?.warn({ runId }, 'Redis restarted or failed over: meetings get new stream epochs');
        for (const handler of this.#onChange) handler(runId);
      }
    } catch (err) {
      this.#logger?.warn({ err }, 'could not read the Redis run_id; reconnecting');
      this.redis.disconnect(true);
    }
  }

  /**
   * Logs what the connected Redis does about durability. confpush acknowledges a change once Redis has it; the
   * "durable before visible" rule holds across a Redis crash only with `appendonly yes` and `appendfsync always`
   * (or writes confirmed by replicas). Evictions would lose meetings: `maxmemory-policy` must be `noeviction`.
   */
  async checkDurability(): Promise<void> {
    try {
      const get = async (name: string) => ((await this.redis.config('GET', name)) as string[])[1] ?? '';
      const appendonly = await get('appendonly');
      const appendfsync = await get('appendfsync');
      const policy = await get('maxmemory-policy');
      if (appendonly !== 'yes' || appendfsync !== 'always') {
        this.#logger?.warn(
          { appendonly, appendfsync },
          'Redis does not fsync every write (appendonly yes + appendfsync always): a Redis crash can lose acknowledged changes; clients then get full messages under new epochs',
        );
      }
      if (policy !== 'noeviction') {
        this.#logger?.warn(
          { maxmemoryPolicy: policy },
          'Redis may evict keys (maxmemory-policy is not noeviction): meetings could be lost',
        );
      }
    } catch (err) {
      this.#logger?.info({ err: (err as Error).message }, 'could not read the Redis configuration');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.redis.disconnect(false);
  }
}

/** The scripts as commands of a client or a pipeline (both have the defined commands). */
export function scriptsOf(target: object): ScriptRunner {
  const runner = {} as ScriptRunner;
  for (const name of SCRIPT_NAMES) {
    const fn = (target as Record<string, ScriptCall>)[commandName(name)];
    if (typeof fn !== 'function') throw new Error(`script ${name} is not defined`);
    runner[name] = fn.bind(target);
  }
  return runner;
}
