/**
 * Webhook POSTs on a thread of their own (post-worker.ts). At 2,000 deliveries/s the TLS and HTTP work of the
 * attempts held the node's event loop long enough to raise the socket push's p99 several times over
 * (docs/benchmarks.md, section 9); here the event loop only hands each request over and takes its answer back.
 *
 * The thread is started at the first POST and started again after it died (every POST in flight then fails, and is
 * retried on the schedule like any failed attempt).
 */
import { Worker } from 'node:worker_threads';
import { RefusedTarget } from './address-guard.js';
import type { PostOptions, PostResult } from './post.js';

export interface PostRequest {
  id: number;
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type PostReply = ({ id: number } & PostResult) | { id: number; error: string; refused: boolean };

interface Waiting {
  resolve(result: PostResult): void;
  reject(error: Error): void;
}

/**
 * Starts post-worker. Run from TypeScript sources (tests, `--conditions=source`), the worker registers tsx first:
 * Node 20 applies `--import` loaders of execArgv only after a worker's entry is loaded.
 */
function startWorker(options: PostOptions): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './post-worker.ts' : './post-worker.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData: options });
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

export class PostThread {
  readonly #options: PostOptions;
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;

  constructor(options: PostOptions) {
    this.#options = options;
  }

  /** POSTs `body` to `url` (checked against the address policy at every call); rejects as `postWebhook` does. */
  post(url: string, body: string, headers: Record<string, string>): Promise<PostResult> {
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise<PostResult>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, url, body, headers } satisfies PostRequest);
    });
  }

  /** Lets the thread close its connections and end; POSTs still in flight fail. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    // A POST still in flight would keep the thread up until its timeout: the sink is stopping, so it is cut.
    const cut = setTimeout(() => void worker.terminate(), 1_000);
    await exited;
    clearTimeout(cut);
    this.#failAll(new Error('the webhook sink stopped'));
  }

  #start(): Worker {
    const worker = startWorker(this.#options);
    worker.unref();
    worker.on('message', (reply: PostReply) => {
      const waiting = this.#waiting.get(reply.id);
      if (!waiting) return;
      this.#waiting.delete(reply.id);
      if ('error' in reply)
        waiting.reject(reply.refused ? new RefusedTarget(reply.error) : new Error(reply.error));
      else waiting.resolve({ status: reply.status, body: reply.body });
    });
    const lost = (reason: string) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(new Error(`the webhook posting thread stopped: ${reason}`));
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.#worker = worker;
    return worker;
  }

  #failAll(error: Error): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w.reject(error);
  }
}
