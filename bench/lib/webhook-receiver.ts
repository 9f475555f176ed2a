/**
 * The HTTPS receiver of bench/webhooks.ts: answers 200 (and the `meeting.verify` nonce), counts each meeting's
 * `meeting.join` events once by X-Request-ID, and checks that they arrive in order (participant names are 0, 1, 2…).
 * It runs in the bench's own thread (`inline`: it shares the node's event loop and core, the old setting) or in a
 * worker thread (`thread`: its own event loop, like a receiver of a real deployment, which never runs in the node).
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export type ReceiverPlace = 'inline' | 'thread';

export interface ReceiverStats {
  outOfOrder: number;
  duplicates: number;
}

export interface BenchReceiver {
  url: string;
  /** Forgets what was received so far (the set-up's events); resolves once done. */
  reset(): Promise<void>;
  /** Resolves when `expected` join events have arrived since the last reset. */
  finished(): Promise<ReceiverStats>;
  close(): Promise<void>;
}

interface Options {
  cert: Buffer;
  key: Buffer;
  expected: number;
}

function serve(o: Options, done: (stats: ReceiverStats) => void): { server: Server; reset(): void } {
  let received = 0;
  const stats: ReceiverStats = { outOfOrder: 0, duplicates: 0 };
  const seen = new Set<string>();
  const lastJoin = new Map<string, number>();
  const server = createServer({ cert: o.cert, key: o.key }, (req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as {
        nonce: string;
        eventInfo: {
          event: string;
          payload?: { meetingInfo: { meetingID: string }; attendeeInfo?: { displayName: string } };
        };
      };
      if (body.eventInfo.event === 'meeting.verify') {
        res.end(JSON.stringify({ event: 'meeting.verify', nonce: body.nonce }));
        return;
      }
      res.end();
      if (body.eventInfo.event !== 'meeting.join') return;
      const conf = body.eventInfo.payload!.meetingInfo.meetingID;
      const n = Number(body.eventInfo.payload!.attendeeInfo!.displayName);
      if (!Number.isInteger(n)) return; // the push probe's participant
      const requestId = String(req.headers['x-request-id']);
      if (seen.has(requestId)) {
        stats.duplicates++;
        return;
      }
      seen.add(requestId);
      if ((lastJoin.get(conf) ?? -1) !== n - 1) stats.outOfOrder++;
      lastJoin.set(conf, n);
      if (++received === o.expected) done({ ...stats });
    });
  });
  return {
    server,
    reset: () => {
      received = 0;
    },
  };
}

export async function startReceiver(place: ReceiverPlace, o: Options): Promise<BenchReceiver> {
  return place === 'inline' ? inline(o) : thread(o);
}

async function inline(o: Options): Promise<BenchReceiver> {
  let resolve: (stats: ReceiverStats) => void = () => undefined;
  const finished = new Promise<ReceiverStats>((r) => (resolve = r));
  const { server, reset } = serve(o, (stats) => resolve(stats));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    reset: async () => reset(),
    finished: () => finished,
    close: async () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

type FromWorker =
  { type: 'listening'; port: number } | { type: 'reset' } | { type: 'done'; stats: ReceiverStats };

async function thread(o: Options): Promise<BenchReceiver> {
  const worker = new Worker(new URL('./webhook-receiver-worker.mjs', import.meta.url), {
    workerData: { benchReceiver: o },
  });
  const next = (type: FromWorker['type']) =>
    new Promise<FromWorker>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type !== type) return;
        worker.off('message', onMessage);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const listening = (await next('listening')) as { port: number };
  let finished = next('done');
  return {
    url: `https://127.0.0.1:${listening.port}/hook`,
    reset: async () => {
      const acked = next('reset');
      worker.postMessage('reset');
      await acked;
      finished = next('done');
    },
    finished: async () => ((await finished) as { stats: ReceiverStats }).stats,
    close: async () => {
      await worker.terminate();
    },
  };
}

if (!isMainThread && (workerData as { benchReceiver?: Options } | null)?.benchReceiver) {
  const o = (workerData as { benchReceiver: Options }).benchReceiver;
  const { server, reset } = serve({ ...o, cert: Buffer.from(o.cert), key: Buffer.from(o.key) }, (stats) =>
    parentPort!.postMessage({ type: 'done', stats }),
  );
  server.listen(0, '127.0.0.1', () =>
    parentPort!.postMessage({ type: 'listening', port: (server.address() as AddressInfo).port }),
  );
  parentPort!.on('message', () => {
    reset();
    parentPort!.postMessage({ type: 'reset' });
  });
}
