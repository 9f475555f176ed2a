/**
 * `confpush webhooks listen`: a first receiver of the enterprise event push. Serves HTTP (or HTTPS with a
 * certificate), verifies every request's signature and timestamp with the SDK's `verifyWebhook`, answers as the
 * sender expects (the nonce echo for `meeting.verify`) and prints each event as one JSON line on stdout; refused
 * requests are answered 401 and reported on stderr.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@confpush/client';

export interface ListenOptions {
  port: number;
  host: string;
  subscriberKey: string;
  maxAgeMs: number;
  tls?: { cert: string; key: string } | undefined;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function listenForWebhooks(
  options: ListenOptions,
): Promise<{ url: string; close: () => Promise<void> }> {
  const out = options.out ?? ((line) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line) => process.stderr.write(`${line}\n`));
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else raw += chunk.toString('utf8');
    });
    req.on('end', () => {
      void verifyWebhook(raw, { subscriberKey: options.subscriberKey, maxAgeMs: options.maxAgeMs }).then(
        (result) => {
          if (!result.ok) {
            err(`refused a request (${result.reason}) from ${req.socket.remoteAddress ?? '?'}`);
            res.writeHead(401).end();
            return;
          }
          const requestId = req.headers['x-request-id'];
          out(JSON.stringify({ requestId, appID: result.request.appID, ...result.request.eventInfo }));
          if (result.answer) {
            res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' });
            res.end(JSON.stringify(result.answer));
          } else res.writeHead(200).end();
        },
      );
    });
  };
  const server = options.tls
    ? createHttpsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, handle)
    : createHttpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://${options.host}:${port}/`;
  err(`listening for webhooks on ${url}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
