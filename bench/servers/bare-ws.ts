/**
 * The limit: a bare `ws` server (the same library and options confpush's gateway uses: no per-message deflate, no
 * client tracking) that holds sockets in rooms (`?room=<n>`) and broadcasts the same pre-encoded bytes to them —
 * no auth, no state, no store. Whatever confpush does on top of this is what the ratio measures. Started with
 * `cork`, it also coalesces the frames a socket gets in one event-loop turn into one write (the best a bare
 * server can do when several frames per socket are ready at once).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { nowMs, serve } from '../lib/ipc.js';
import { processCommands } from '../lib/process-commands.js';

const rooms = new Map<string, Set<WebSocket>>();
let frame = Buffer.alloc(0);
let cork = false;
let sockets = 0;
const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({
  server,
  perMessageDeflate: false,
  clientTracking: false,
  maxPayload: 65536,
});
const TEXT = { binary: false } as const;

wss.on('connection', (ws, req) => {
  const room = new URL(req.url ?? '/', 'http://x').searchParams.get('room') ?? '0';
  let set = rooms.get(room);
  if (!set) rooms.set(room, (set = new Set()));
  set.add(ws);
  sockets++;
  ws.on('close', () => {
    set.delete(ws);
    sockets--;
  });
  ws.on('error', () => undefined);
});

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

serve(
  {
    /** `cork`: write every frame a socket gets in one event-loop turn with one syscall (socket.cork/uncork). */
    start: async (args: { cork?: boolean }) => {
      cork = args.cork === true;
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` };
    },
    setFrame: (args: { bytes: Uint8Array }) => {
      frame = Buffer.from(args.bytes);
      return { bytes: frame.length };
    },
    /** `rounds` rounds of one frame to every socket of every room, `chunk` rounds per event-loop turn. */
    burst: async (args: { rounds: number; chunk: number }) => {
      const t0 = nowMs();
      const all = [...rooms.values()];
      for (let r = 0; r < args.rounds; r += args.chunk) {
        const corked: { uncork(): void }[] = [];
        for (let k = r; k < Math.min(args.rounds, r + args.chunk); k++) {
          for (const room of all) {
            for (const ws of room) {
              if (cork && k === r) {
                const socket = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
                socket.cork();
                corked.push(socket);
              }
              ws.send(frame, TEXT);
            }
          }
        }
        for (const socket of corked) socket.uncork();
        await tick();
      }
      return { t0, tIssued: nowMs(), tDone: nowMs(), commits: 0 };
    },
    stats: () => {
      let queuedSum = 0;
      for (const room of rooms.values()) for (const ws of room) queuedSum += ws.bufferedAmount;
      return { sockets, queuedSum };
    },
    ...processCommands,
  },
  () => {
    for (const room of rooms.values()) for (const ws of room) ws.terminate();
    server.close();
  },
);
