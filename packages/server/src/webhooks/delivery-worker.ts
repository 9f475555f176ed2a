/**
 * The delivery thread's entry (`delivery-thread.ts` starts it): the deliverer with its own connection to the store,
 * the system clock, and POSTs made here. Logs go to the node's logger; attempts and status are reported every
 * `REPORT_MS`.
 */
import { getPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { systemClock } from '../clock.js';
import { niceThisThread } from '../thread-priority.js';
import { openSinkStore } from '../store/outbox.js';
import { Deliverer } from './deliverer.js';
import {
  REPORT_MS,
  type AttemptSummary,
  type DeliverySettings,
  type FromDeliveryThread,
  type ToDeliveryThread,
} from './delivery-thread.js';
import { closeConnections, postWebhook } from './post.js';

const settings = workerData as DeliverySettings;
const port = parentPort;
if (!port) throw new Error('delivery-worker.ts runs only as a worker thread (delivery-thread.ts)');
const send = (message: FromDeliveryThread) => port.postMessage(message);

const logger = pino(
  { level: settings.logLevel, base: undefined },
  { write: (line: string) => send({ type: 'log', line }) },
);
// When the CPU is short, the node's thread — the socket push — goes first (setting `webhookThreadNice`).
/** The thread's nice value as it reads it back (null where threads have none of their own). */
const nice = niceThisThread(settings.nice) ? getPriority() : null;
if (nice === null) logger.debug("the webhook delivery thread keeps the node's priority");
const store = openSinkStore(settings.store);
const deliverer = new Deliverer({
  store,
  clock: systemClock,
  logger,
  nodeId: settings.nodeId,
  retryMs: settings.retryMs,
  giveUpMs: settings.giveUpMs,
  maxInFlight: settings.maxInFlight,
  post: (url, body, headers) => postWebhook(url, body, headers, settings.post),
});

let attempts: AttemptSummary[] = [];
let reported = '';
deliverer.onAttempt = (attempt) =>
  attempts.push({ outcome: attempt.outcome, durationMs: attempt.durationMs });
function report(): void {
  const status = deliverer.status;
  const key = JSON.stringify(status);
  if (attempts.length === 0 && key === reported) return;
  reported = key;
  send({ type: 'report', attempts, status, nice });
  attempts = [];
}
const reporting = setInterval(report, REPORT_MS);

port.on('message', (message: ToDeliveryThread) => {
  if (message.type === 'nudge') {
    deliverer.nudge();
    return;
  }
  clearInterval(reporting);
  void (async () => {
    try {
      await deliverer.stop();
      report();
      await store.close?.();
      closeConnections(settings.post);
    } catch (err) {
      logger.warn({ err }, 'the webhook delivery thread did not stop cleanly');
    } finally {
      send({ type: 'stopped' });
    }
  })();
});

deliverer.start();
