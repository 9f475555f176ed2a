/**
 * A TCP proxy between a client (the relay) and a server (the upstream) that injects faults on command:
 *
 *     client ──► 127.0.0.1:<proxy port> ══ pair ══► 127.0.0.1:<target port>
 *
 * - `reset()`: every pair is destroyed with RST on both sides (data in flight is lost);
 * - `fin()`: every pair is ended with FIN on both sides, after the bytes already forwarded;
 * - `cutMidFrame()`: the next server → client chunk is forwarded only in part, then the pair is reset;
 * - `stall(ms)`: server → client bytes are held (and the server side paused) for `ms`, then released in order;
 * - `delay(ms)`: every server → client chunk is held `ms` until `delay(0)`; order is kept;
 * - `random(rng)`: one of the above, chosen by a seeded generator (`seededRandom`).
 *
 * A new target port (`target(port)`) is used by connections accepted after it (an upstream restarted elsewhere).
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { Prng } from '../../src/simulator/prng.js';

interface Pair {
  client: Socket;
  server: Socket;
  /** Server → client chunks not yet forwarded, with the time each may go. */
  held: { chunk: Buffer; at: number }[];
  timer: ReturnType<typeof setTimeout> | undefined;
  closed: boolean;
}

export type Fault = 'reset' | 'fin' | 'mid-frame' | 'stall' | 'delay';
export const FAULTS: readonly Fault[] = ['reset', 'fin', 'mid-frame', 'stall', 'delay'];

/** A seeded generator (the simulator's mulberry32), so that a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

export class FaultProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #targetPort = 0;
  #delayMs = 0;
  #stalledUntil = 0;
  #cutNextChunk = false;
  /** Connections accepted, and pairs cut by a fault. */
  readonly stats = { accepted: 0, cut: 0 };

  private constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket) => this.#accept(socket));
  }

  static async listen(): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FaultProxy(server);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Server → client chunks held (by a stall or a delay) and not forwarded yet. */
  get heldChunks(): number {
    let n = 0;
    for (const pair of this.#pairs) n += pair.held.length;
    return n;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  target(port: number): void {
    this.#targetPort = port;
  }

  reset(): void {
    for (const pair of this.#pairs) this.#cut(pair, 'reset');
  }

  fin(): void {
    for (const pair of this.#pairs) this.#cut(pair, 'fin');
  }

  cutMidFrame(): void {
    this.#cutNextChunk = true;
  }

  stall(ms: number): void {
    this.#stalledUntil = Date.now() + ms;
    for (const pair of this.#pairs) {
      pair.server.pause();
      this.#schedule(pair);
    }
  }

  delay(ms: number): void {
    this.#delayMs = ms;
  }

  /** One fault chosen by `rng`; returns its name. Stalls and delays last 50–300 ms. */
  random(rng: () => number): Fault {
    const fault = FAULTS[Math.floor(rng() * FAULTS.length)]!;
    const ms = 50 + Math.floor(rng() * 250);
    if (fault === 'reset') this.reset();
    else if (fault === 'fin') this.fin();
    else if (fault === 'mid-frame') this.cutMidFrame();
    else if (fault === 'stall') this.stall(ms);
    else {
      this.delay(ms);
      setTimeout(() => this.delay(0), ms * 3).unref();
    }
    return fault;
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.stats.accepted++;
    client.setNoDelay(true);
    const server = new Socket();
    const pair: Pair = { client, server, held: [], timer: undefined, closed: false };
    this.#pairs.add(pair);
    server.connect(this.#targetPort, '127.0.0.1');
    server.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      if (!pair.closed) server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => this.#down(pair, chunk));
    client.on('end', () => server.end());
    server.on('end', () => this.#afterHeld(pair, () => client.end()));
    const gone = () => this.#cut(pair, 'reset');
    client.on('error', gone);
    server.on('error', gone);
    client.on('close', () => this.#cut(pair, 'fin'));
    server.on('close', () => this.#afterHeld(pair, () => this.#cut(pair, 'fin')));
  }

  #down(pair: Pair, chunk: Buffer): void {
    if (pair.closed) return;
    if (this.#cutNextChunk && chunk.length > 1) {
      this.#cutNextChunk = false;
      pair.client.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () => this.#cut(pair, 'reset'));
      return;
    }
    pair.held.push({ chunk, at: Date.now() + this.#delayMs });
    this.#schedule(pair);
  }

  /** Forwards every held chunk whose time has come, unless stalled; schedules the rest. */
  #schedule(pair: Pair): void {
    if (pair.timer !== undefined || pair.closed) return;
    const now = Date.now();
    if (now < this.#stalledUntil) {
      pair.timer = setTimeout(() => this.#release(pair), this.#stalledUntil - now);
      return;
    }
    pair.server.resume();
    while (pair.held.length > 0 && pair.held[0]!.at <= now) pair.client.write(pair.held.shift()!.chunk);
    if (pair.held.length > 0) pair.timer = setTimeout(() => this.#release(pair), pair.held[0]!.at - now);
  }

  #release(pair: Pair): void {
    pair.timer = undefined;
    this.#schedule(pair);
  }

  #afterHeld(pair: Pair, then: () => void): void {
    if (pair.held.length === 0 || pair.closed) return then();
    setTimeout(() => this.#afterHeld(pair, then), 5).unref();
  }

  #cut(pair: Pair, how: 'reset' | 'fin'): void {
    if (pair.closed) return;
    pair.closed = true;
    this.#pairs.delete(pair);
    if (pair.timer !== undefined) clearTimeout(pair.timer);
    if (how === 'reset') {
      this.stats.cut++;
      pair.client.resetAndDestroy();
      pair.server.resetAndDestroy();
    } else {
      pair.client.end();
      pair.server.end();
    }
  }
}
