/**
 * The bench's process plumbing: the orchestrator spawns every server under test and every load generator as its own
 * Node process (TypeScript through tsx, the open-file limit raised by a `bash -c 'ulimit -n …; exec node …'`
 * wrapper, optionally pinned to CPUs with `taskset`) and talks to it by request/response messages over the Node
 * IPC channel (structured-clone serialisation, so typed arrays travel cheaply).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(BENCH_DIR);

/** Open-file limit asked for in every child; the hard limit of the environment may cap it. */
export const WANTED_NOFILE = 65536;

interface Request {
  id: number;
  cmd: string;
  args: unknown;
}
interface Response {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}
interface Event {
  event: string;
  data: unknown;
}

export interface SpawnOptions {
  /** CPUs for `taskset -c` (e.g. "0" or "1"); empty = no pinning. */
  cpus?: string;
  /** Extra node flags (e.g. --cpu-prof, --expose-gc). */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Name used in logs. */
  name?: string;
}

/** A child process speaking the request/response protocol of `serve`. */
export class Child {
  readonly name: string;
  readonly proc: ChildProcess;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #listeners = new Map<string, ((data: unknown) => void)[]>();
  readonly #exited: Promise<number | null>;
  /** Set by the child's first message: the open-file limit that applied to it. */
  nofile = 0;

  private constructor(proc: ChildProcess, name: string) {
    this.proc = proc;
    this.name = name;
    proc.on('message', (raw: unknown) => {
      const msg = raw as Response | Event;
      if ('event' in msg) {
        for (const l of this.#listeners.get(msg.event) ?? []) l(msg.data);
        return;
      }
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${this.name}: ${msg.error ?? 'failed'}`));
    });
    this.#exited = new Promise((resolve) => {
      proc.on('exit', (code) => {
        for (const p of this.#pending.values()) p.reject(new Error(`${this.name} exited (${code})`));
        this.#pending.clear();
        resolve(code);
      });
    });
  }

  /** Spawns `script` (a path relative to bench/) and waits until it is ready. */
  static async spawn(script: string, options: SpawnOptions = {}): Promise<Child> {
    const nodeArgs = ['--conditions=source', '--import', 'tsx', ...(options.nodeArgs ?? [])];
    const quoted = [...nodeArgs, join(BENCH_DIR, script)].map((a) => `'${a.replace(/'/g, "'\\''")}'`);
    const pin = options.cpus ? `taskset -c ${options.cpus} ` : '';
    const cmd =
      `ulimit -n ${WANTED_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; ` +
      `export BENCH_NOFILE="$(ulimit -n)"; exec ${pin}node ${quoted.join(' ')}`;
    const proc = spawn('bash', ['-c', cmd], {
      cwd: REPO_DIR,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, ...options.env },
    });
    const child = new Child(proc, options.name ?? script);
    const ready = await new Promise<{ nofile: number }>((resolve, reject) => {
      child.once('ready', (d) => resolve(d as { nofile: number }));
      proc.once('exit', (code) => reject(new Error(`${child.name} exited (${code}) before it was ready`)));
    });
    child.nofile = ready.nofile;
    return child;
  }

  on(event: string, listener: (data: unknown) => void): void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
  }

  once(event: string, listener: (data: unknown) => void): void {
    const wrapped = (d: unknown): void => {
      const list = this.#listeners.get(event) ?? [];
      this.#listeners.set(
        event,
        list.filter((l) => l !== wrapped),
      );
      listener(d);
    };
    this.on(event, wrapped);
  }

  /** Waits for the next `event`. */
  next<T>(event: string, timeoutMs = 600_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no ${event} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.once(event, (d) => {
        clearTimeout(timer);
        resolve(d as T);
      });
    });
  }

  call<T = unknown>(cmd: string, args: unknown = {}, timeoutMs = 600_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, cmd, args } satisfies Request);
    });
  }

  /** Asks the child to exit (it closes what it holds) and waits; kills it if it does not. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    try {
      await this.call('exit', {}, timeoutMs);
    } catch {
      // exiting closes the channel before the answer may arrive
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

export type Handler = (args: never) => unknown;

/**
 * The child side: answers requests with `handlers[cmd](args)`, announces `ready`, and exits on `exit` (after the
 * optional `onExit` clean-up, so that e.g. --cpu-prof writes its profile).
 */
export function serve(handlers: Record<string, Handler>, onExit?: () => Promise<void> | void): void {
  if (!process.send) throw new Error('this script is a bench child process; run bench/run.ts');
  const send = (m: Response | Event): void => {
    process.send?.(m);
  };
  process.on('message', (raw: unknown) => {
    const req = raw as Request;
    if (req.cmd === 'exit') {
      void (async () => {
        try {
          await onExit?.();
        } finally {
          send({ id: req.id, ok: true });
          process.disconnect?.();
          setTimeout(() => process.exit(0), 50);
        }
      })();
      return;
    }
    const handler = handlers[req.cmd];
    if (!handler) {
      send({ id: req.id, ok: false, error: `unknown command ${req.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(req.args as never))
      .then(
        (result) => send({ id: req.id, ok: true, result }),
        (err: unknown) =>
          send({
            id: req.id,
            ok: false,
            error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          }),
      );
  });
  process.on('disconnect', () => {
    void Promise.resolve(onExit?.()).finally(() => process.exit(0));
  });
  send({ event: 'ready', data: { nofile: Number(process.env['BENCH_NOFILE'] ?? 0) } });
}

/** Sends an unsolicited event to the orchestrator. */
export function emit(event: string, data: unknown): void {
  process.send?.({ event, data } satisfies Event);
}

/** Monotonic milliseconds, comparable across processes of one machine (CLOCK_MONOTONIC). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
