/**
 * The IPC commands every server under test answers about its own process: memory after full garbage collections,
 * CPU time, and a V8 heap snapshot (see bench/lib/heap-diff.ts).
 */
import { writeHeapSnapshot } from 'node:v8';

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

export const processCommands = {
  /** Memory after four full garbage collections (the process runs with --expose-gc). */
  mem: async (): Promise<NodeJS.MemoryUsage> => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 50));
    }
    return process.memoryUsage();
  },
  cpu: (): NodeJS.CpuUsage => process.cpuUsage(),
  heapSnapshot: (args: { file: string }): { file: string } => {
    gc();
    return { file: writeHeapSnapshot(args.file) };
  },
};
