/**
 * The posting thread's entry (post-thread.ts starts it): makes the POSTs it is sent with `postWebhook`, so TLS, HTTP
 * parsing and the address checks of deliveries run off the node's event loop, which the socket push shares.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RefusedTarget } from './address-guard.js';
import { closeConnections, postWebhook, type PostOptions } from './post.js';
import type { PostReply, PostRequest } from './post-thread.js';

const options = workerData as PostOptions;
const port = parentPort;
if (!port) throw new Error('post-worker.ts runs only as a worker thread (post-thread.ts)');

port.on('message', (request: PostRequest | 'close') => {
  if (request === 'close') {
    closeConnections(options);
    port.close();
    return;
  }
  postWebhook(request.url, request.body, request.headers, options).then(
    (result) => port.postMessage({ id: request.id, ...result } satisfies PostReply),
    (error: unknown) =>
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
        refused: error instanceof RefusedTarget,
      } satisfies PostReply),
  );
});
