/**
 * What every benchmark gets from the orchestrator: the run's options, a log, and how to start the processes of a
 * measurement — one server under test and the load-generator processes — with the CPU placement and the
 * open-file limit of the run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Child, REPO_DIR } from './ipc.js';
import type { Window } from './profile.js';

export type ServerKind = 'confpush' | 'bare-ws' | 'socketio';
export type ClientKind = 'ws' | 'sio';

export interface RunOptions {
  quick: boolean;
  /** Write a CPU profile (--cpu-prof) of every confpush server process into `profDir`. */
  cpuProf: boolean;
  profDir: string;
  /** CPU placement: 'shared' (the OS schedules every process on both cores) or 'split' (server on CPU 0, load on CPU 1). */
  cpus: 'shared' | 'split';
  /** Load-generator processes per measurement. */
  clientProcesses: number;
}

export class BenchContext {
  readonly options: RunOptions;
  /** The open-file limit each spawned process reported. */
  readonly nofile = new Set<number>();
  /** CPU profile directory of each profiled server process, by label. */
  readonly profileDirs = new Map<string, string>();
  /** Windows of the profiles worth summarising in the report. */
  readonly profileMarks: { bench: string; label: string; what: string; windows: Window[] }[] = [];
  #profSeq = 0;

  constructor(options: RunOptions) {
    this.options = options;
  }

  get quick(): boolean {
    return this.options.quick;
  }

  log(message: string): void {
    const t = new Date().toISOString().slice(11, 19);
    console.error(`[bench ${t}] ${message}`);
  }

  /** A server under test; `label` names its CPU profile. */
  async server(kind: ServerKind, label: string = kind): Promise<Child> {
    const nodeArgs = ['--expose-gc'];
    if (this.options.cpuProf && kind === 'confpush') {
      // One directory per server process: tsx's loader runs in a worker thread, which writes a profile too.
      const dir = join(this.options.profDir, `${String(++this.#profSeq).padStart(2, '0')}-${label}`);
      mkdirSync(dir, { recursive: true });
      this.profileDirs.set(label, dir);
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    }
    const child = await Child.spawn(join('servers', `${kind}.ts`), {
      name: label,
      nodeArgs,
      ...(this.options.cpus === 'split' ? { cpus: '0' } : {}),
    });
    this.nofile.add(child.nofile);
    return child;
  }

  /** Marks time windows of a profiled server (`label`) to summarise in the report. */
  markProfile(bench: string, label: string, what: string, windows: Window[]): void {
    if (this.options.cpuProf && this.profileDirs.has(label) && windows.length > 0)
      this.profileMarks.push({ bench, label, what, windows });
  }

  /** The load-generator processes of one measurement (each holds an equal share of the sockets). */
  async clients(
    kind: ClientKind,
    count = this.options.clientProcesses,
    options: { nodeArgs?: string[] } = {},
  ): Promise<Child[]> {
    const script = join('load', kind === 'ws' ? 'ws-clients.ts' : 'sio-clients.ts');
    const children = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        Child.spawn(script, {
          name: `${kind}-clients-${i}`,
          ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
          ...(this.options.cpus === 'split' ? { cpus: '1' } : {}),
        }),
      ),
    );
    for (const c of children) this.nofile.add(c.nofile);
    return children;
  }

  /** A process of `script` (relative to bench/) placed like the load generators. */
  async loadProcess(script: string, name: string, options: { nodeArgs?: string[] } = {}): Promise<Child> {
    const child = await Child.spawn(script, {
      name,
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
      ...(this.options.cpus === 'split' ? { cpus: '1' } : {}),
    });
    this.nofile.add(child.nofile);
    return child;
  }
}

export async function stopAll(children: readonly (Child | undefined)[]): Promise<void> {
  await Promise.all(children.map((c) => c?.stop()));
}

/** Splits `items` into `parts` interleaved shares (share i holds items i, i+parts, …). */
export function shares<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, i) => out[i % parts]!.push(item));
  return out;
}

export const REPO = REPO_DIR;
