/**
 * A round-robin TCP load balancer for tests: each new connection goes to the next target (a node's port); a
 * target that refuses the connection is skipped. What a deployment puts in front of a cluster (no sticky sessions
 * needed), small enough to kill a node behind it.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export class Balancer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #targets: number[] = [];
  #next = 0;

  private constructor(server: Server) {
    this.#server = server;
    server.on('connection', (client) => this.#route(client));
  }

  static async listen(): Promise<Balancer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return new Balancer(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The ports new connections are spread over (connections already made stay where they are). */
  setTargets(ports: readonly number[]): void {
    this.#targets = [...ports];
  }

  #route(client: Socket): void {
    this.#track(client);
    client.pause();
    const attempt = (tries: number): void => {
      if (tries >= this.#targets.length || client.destroyed) {
        client.destroy();
        return;
      }
      const port = this.#targets[this.#next++ % this.#targets.length]!;
      const upstream = createConnection({ port, host: '127.0.0.1' });
      const refused = () => attempt(tries + 1);
      upstream.once('error', refused);
      upstream.once('connect', () => {
        upstream.off('error', refused);
        this.#track(upstream);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
