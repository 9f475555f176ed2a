/**
 * A hop between Janus's event handler and the node under test: each post is recorded, then forwarded unchanged (same
 * method, headers and body) and answered with the node's answer. Tests read what Janus itself reported — the source
 * of truth for figures the bridge only passes on, such as a handle's round-trip time.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';

export type JanusEvent = Record<string, unknown>;

export class EventTap {
  /** Every event Janus posted, in order (a grouped post counts as its events). */
  readonly events: JanusEvent[] = [];
  readonly #server: Server;

  private constructor(target: URL) {
    this.#server = createServer((req, res) => {
      void readBody(req).then(
        (body) => {
          this.#record(body);
          const forwarded = request(
            target,
            { method: req.method, headers: { ...req.headers, host: target.host } },
            (answer) => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
            },
          );
          forwarded.on('error', () => {
            if (!res.headersSent) res.writeHead(502);
            res.end();
          });
          forwarded.end(body);
        },
        () => res.destroy(),
      );
    });
  }

  /** Listens on `host` (a free port) and forwards every post to `target`. */
  static async start(host: string, target: URL): Promise<EventTap> {
    const tap = new EventTap(target);
    tap.#server.listen(0, host);
    await once(tap.#server, 'listening');
    return tap;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the tap is not listening');
    return address.port;
  }

  #record(body: Buffer): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return;
    }
    for (const event of Array.isArray(parsed) ? parsed : [parsed])
      if (event !== null && typeof event === 'object') this.events.push(event as JanusEvent);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
