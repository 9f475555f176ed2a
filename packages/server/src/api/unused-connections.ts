/**
 * Closing the HTTP server must not wait for connections that never carried a request: a browser's preconnect, an
 * HTTP pool's spare socket, a client whose request was aborted before it was written. Node's `server.close()` ends
 * idle keep-alive connections and waits for requests in flight, but it leaves such a connection open until its peer
 * goes away (no request, so no timeout applies), and shutdown would hang on it.
 *
 * Right before the server stops listening (Fastify's `preClose`, run synchronously before `server.close()`), every
 * TCP connection that has not started a request or a WebSocket upgrade is destroyed, TLS handshake done or not.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** A connection's TCP socket and, with TLS, the TLS socket on it share the peer's address and port. */
const peerOf = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

export function closeUnusedConnectionsOnClose(app: FastifyInstance): void {
  const unused = new Map<string, Socket>();
  const server = app.server;
  // Shared listener, removed at first use: nothing stays attached to a long-lived (push) connection.
  function forget(this: Socket): void {
    unused.delete(peerOf(this));
  }
  server.on('connection', (socket: Socket) => {
    unused.set(peerOf(socket), socket);
    socket.on('close', forget);
  });
  const used = (socket: Socket) => {
    const peer = peerOf(socket);
    const tcp = unused.get(peer);
    if (!tcp) return;
    unused.delete(peer);
    tcp.removeListener('close', forget);
  };
  server.on('request', (request: { socket: Socket }) => used(request.socket));
  // Before the push gateway's own 'upgrade' listener, so a socket is counted before it is handed over.
  server.prependListener('upgrade', (request: { socket: Socket }) => used(request.socket));
  app.addHook('preClose', (done) => {
    for (const socket of unused.values()) socket.destroy();
    unused.clear();
    done();
  });
}
