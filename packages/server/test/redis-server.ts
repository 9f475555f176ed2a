/**
 * A dedicated `redis-server` process for tests that stop and start Redis (the shared one is never touched):
 * on a free port, in a temporary directory; with `persist`, every write is fsynced to an append-only file
 * (`appendfsync always`) so a restart keeps every acknowledged write; without, a restart loses everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { tempDir } from './helpers.js';

const running = new Set<DedicatedRedis>();
afterEach(async () => {
  for (const redis of running) await redis.stop();
  running.clear();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class DedicatedRedis {
  #child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly persist: boolean,
  ) {}

  static async start(options: { persist: boolean }): Promise<DedicatedRedis> {
    const redis = new DedicatedRedis(await freePort(), tempDir('confpush-redis-'), options.persist);
    running.add(redis);
    await redis.#spawn();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async #spawn(): Promise<void> {
    const persistence = this.persist
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir, ...persistence],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
  }

  /** Kills the server hard (SIGKILL); with `persist` every acknowledged write is in the append-only file. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(downMs = 300): Promise<void> {
    await this.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.#spawn();
  }
}
