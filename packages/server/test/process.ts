/**
 * Runs the real `confpush serve` command in a child process, for tests that kill it hard. In cluster runs
 * (`CONFPUSH_TEST_STORE=redis`) a process started with `--data-dir` keeps its data in Redis instead, under the key
 * prefix of that directory (so a process started again on the same directory finds it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { CLUSTER, TEST_REDIS_URL, testRedisPrefix } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = join(ROOT, 'packages', 'server', 'src', 'bin.ts');
const running = new Set<ChildProcess>();

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

export async function spawnServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = args[args.indexOf('--data-dir') + 1];
  if (CLUSTER && args.includes('--data-dir') && dataDir && !args.includes('--redis-url')) {
    args = [...args, '--redis-url', TEST_REDIS_URL, '--redis-prefix', testRedisPrefix(dataDir)];
  }
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', BIN, 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, CONFPUSH_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = () => {
      const m = /listening on (\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
      running.delete(child);
    },
  };
}
