/**
 * A TCP proxy that injects faults between the SDK and a real confpush server.
 *
 *     SDK ──► 127.0.0.1:<proxy port> ══ pair ══► 127.0.0.1:<server port>
 *                  down: server → client (delay, stall, cut after n bytes)
 *                  up:   client → server (stall)
 *
 * Every accepted connection becomes a pair (client socket, upstream socket). Faults:
 * - `cutAll()` destroys every pair at once (RST on the client side, so the SDK sees an abnormal close);
 * - `cutAfter(n)` forwards n more server → client bytes, then cuts (usually in the middle of a frame);
 * - `refuse(true)` destroys new connections as they arrive (the server is "unreachable" for the SDK);
 * - `setDelay(ms, jitterMs)` holds every server → client chunk for ms + random jitter; order is kept;
 * - `stall('down' | 'up', true)` stops forwarding one direction and stops reading from its source, so TCP
 *   backpressure reaches the sender (the server's outbound queue grows when 'down' is stalled).
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

export type Direction = 'up' | 'down';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Server → client chunks waiting for their release time (delay) or for the stall to end. */
  queue: { chunk: Buffer; releaseAt: number }[];
  timer: ReturnType<typeof setTimeout> | undefined;
  lastReleaseAt: number;
  /** Chunks read from the client while 'up' is stalled. */
  upHeld: Buffer[];
  /** The server closed its side: close the client side once the queue is delivered. */
  upstreamEnded: boolean;
  closed: boolean;
}

/** How a cut closes the client side: `reset` (RST, data in flight may be lost) or `end` (FIN after the bytes sent). */
export type CutMode = 'reset' | 'end';

export interface ProxyStats {
  /** Connections accepted (including refused ones). */
  accepted: number;
  refused: number;
  /** Pairs destroyed by `cutAll` / `cutAfter`. */
  cut: number;
  bytesDown: number;
  bytesUp: number;
}

export class FaultProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #targetPort: number | undefined;
  #refusing = false;
  #delayMs = 0;
  #jitterMs = 0;
  #random: () => number = Math.random;
  #stalled: Record<Direction, boolean> = { up: false, down: false };
  /** Bytes left before an armed cut fires; undefined when no cut is armed. */
  #cutBudget: number | undefined;
  readonly stats: ProxyStats = { accepted: 0, refused: 0, cut: 0, bytesDown: 0, bytesUp: 0 };

  private constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket) => this.#serverOnConnection(socket));
  }

  /** Starts listening on 127.0.0.1 (port 0 = any free port). Forwards nowhere until `target` is set. */
  static async listen(port = 0): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new FaultProxy(server);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>`: the public URL to give the server, so its `wsURL` points here. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Open pairs. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Where new connections are forwarded (existing ones keep their upstream). */
  target(port: number): void {
    this.#targetPort = port;
  }

  refuse(on: boolean): void {
    this.#refusing = on;
  }

  /** Holds each server → client chunk for `ms` plus a random `0 … jitterMs` (never reordering chunks). */
  setDelay(ms: number, jitterMs = 0, random: () => number = Math.random): void {
    this.#delayMs = ms;
    this.#jitterMs = jitterMs;
    this.#random = random;
  }

  stall(direction: Direction, on: boolean): void {
    if (this.#stalled[direction] === on) return;
    this.#stalled[direction] = on;
    for (const pair of this.#pairs) {
      if (direction === 'down') {
        if (on) pair.upstream.pause();
        else {
          pair.upstream.resume();
          this.#pump(pair);
        }
      } else if (on) {
        pair.client.pause();
      } else {
        for (const chunk of pair.upHeld.splice(0)) this.#writeUp(pair, chunk);
        pair.client.resume();
      }
    }
  }

  /** Destroys every open pair now; returns how many were cut. */
  cutAll(mode: CutMode = 'reset'): number {
    const n = this.#pairs.size;
    for (const pair of [...this.#pairs]) this.#destroy(pair, mode === 'reset');
    this.stats.cut += n;
    this.#cutBudget = undefined;
    return n;
  }

  /**
   * Forwards `bytes` more server → client bytes (over all pairs), then cuts every pair with a FIN, so the client
   * receives the first part of a frame and then the end of the stream.
   */
  cutAfter(bytes: number): void {
    this.#cutBudget = Math.max(0, Math.floor(bytes));
    if (this.#cutBudget === 0) this.cutAll('end');
  }

  /** Cancels a cut armed by `cutAfter` that has not fired yet. */
  disarm(): void {
    this.#cutBudget = undefined;
  }

  async close(): Promise<void> {
    this.#refusing = true;
    for (const pair of [...this.#pairs]) this.#destroy(pair, false);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // --- wiring ---------------------------------------------------------------------------------------------------

  #serverOnConnection(client: Socket): void {
    this.stats.accepted++;
    client.setNoDelay(true);
    client.on('error', () => undefined);
    if (this.#refusing || this.#targetPort === undefined) {
      this.stats.refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    upstream.setNoDelay(true);
    const pair: Pair = {
      client,
      upstream,
      queue: [],
      timer: undefined,
      lastReleaseAt: 0,
      upHeld: [],
      upstreamEnded: false,
      closed: false,
    };
    this.#pairs.add(pair);
    upstream.on('error', () => this.#destroy(pair, true));
    client.on('close', () => this.#destroy(pair, false));
    upstream.on('close', () => this.#endFromUpstream(pair));
    client.on('data', (chunk: Buffer) => {
      if (this.#stalled.up) {
        pair.upHeld.push(chunk);
        client.pause();
      } else this.#writeUp(pair, chunk);
    });
    upstream.on('data', (chunk: Buffer) => this.#upstreamOnData(pair, chunk));
    if (this.#stalled.down) upstream.pause();
    if (this.#stalled.up) client.pause();
    upstream.connect(this.#targetPort, '127.0.0.1');
  }

  #writeUp(pair: Pair, chunk: Buffer): void {
    if (pair.closed) return;
    this.stats.bytesUp += chunk.length;
    // Bytes written before the upstream connects are buffered by the socket itself.
    pair.upstream.write(chunk);
  }

  #upstreamOnData(pair: Pair, chunk: Buffer): void {
    if (pair.closed) return;
    const now = Date.now();
    const hold = this.#delayMs + (this.#jitterMs > 0 ? this.#random() * this.#jitterMs : 0);
    const releaseAt = Math.max(pair.lastReleaseAt, now + hold);
    pair.lastReleaseAt = releaseAt;
    pair.queue.push({ chunk, releaseAt });
    if (this.#stalled.down) pair.upstream.pause();
    this.#pump(pair);
  }

  /** Writes every due chunk of the pair in order; schedules itself for the next one. */
  #pump(pair: Pair): void {
    if (pair.closed) return;
    if (pair.timer !== undefined) clearTimeout(pair.timer);
    pair.timer = undefined;
    while (pair.queue.length > 0 && !this.#stalled.down && !pair.closed) {
      const head = pair.queue[0]!;
      const wait = head.releaseAt - Date.now();
      if (wait > 0) {
        pair.timer = setTimeout(() => this.#pump(pair), wait);
        return;
      }
      pair.queue.shift();
      this.#writeDown(pair, head.chunk);
    }
    if (pair.queue.length === 0 && pair.upstreamEnded) this.#destroy(pair, false);
  }

  #writeDown(pair: Pair, chunk: Buffer): void {
    const budget = this.#cutBudget;
    if (budget !== undefined && chunk.length >= budget) {
      if (budget > 0) {
        pair.client.write(chunk.subarray(0, budget));
        this.stats.bytesDown += budget;
      }
      this.#cutBudget = undefined;
      this.cutAll('end');
      return;
    }
    if (budget !== undefined) this.#cutBudget = budget - chunk.length;
    this.stats.bytesDown += chunk.length;
    pair.client.write(chunk);
  }

  /** The server closed its side: deliver what is still queued (delay, stall), then close the client side. */
  #endFromUpstream(pair: Pair): void {
    if (pair.closed) return;
    pair.upstreamEnded = true;
    if (pair.queue.length === 0) this.#destroy(pair, false);
  }

  #destroy(pair: Pair, reset: boolean): void {
    if (!this.#pairs.has(pair)) return;
    this.#pairs.delete(pair);
    pair.closed = true;
    if (pair.timer !== undefined) clearTimeout(pair.timer);
    pair.queue.length = 0;
    if (pair.client.destroyed) return void pair.upstream.destroy();
    if (reset) pair.client.resetAndDestroy();
    else pair.client.end(() => pair.client.destroy());
    pair.upstream.destroy();
  }
}
