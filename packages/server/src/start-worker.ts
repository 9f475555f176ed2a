/**
 * Starts a worker thread whose entry is a module beside the caller: the built `.js`, or — run from TypeScript
 * sources (tests, `--conditions=source`) — the `.ts` with tsx registered first, because Node 20 applies the
 * `--import` loaders of execArgv only after a worker's entry is loaded.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `callerUrl` is the caller's `import.meta.url`; `name` the entry module's file name without extension. */
export function startWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, callerUrl);
  if (!fromSource) return new Worker(entry, options);
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
