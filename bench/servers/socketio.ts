/**
 * What a Node user would pick instead: a Socket.IO server (websocket transport only, no per-message deflate)
 * whose clients join a room (`?room=<n>` in the handshake query) and which broadcasts with `io.to(room).emit`.
 * The event payload is the same frame, parsed once: Socket.IO serialises it once per broadcast
 * (`42["n",{…}]`, the same JSON plus 7 bytes of packet framing) and writes that string to every socket of the room.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { nowMs, serve } from '../lib/ipc.js';
import { processCommands } from '../lib/process-commands.js';

let payload: unknown = {};
let bytes = 0;
const server = createServer();
const io = new Server(server, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  pingInterval: 30_000,
  pingTimeout: 3_600_000,
  maxHttpBufferSize: 65536,
});
const rooms = new Set<string>();

io.on('connection', (socket) => {
  const room = String(socket.handshake.query['room'] ?? '0');
  rooms.add(room);
  void socket.join(room);
});

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

serve(
  {
    start: async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    },
    setFrame: (args: { bytes: Uint8Array }) => {
      const text = Buffer.from(args.bytes).toString('utf8');
      payload = JSON.parse(text);
      bytes = Buffer.byteLength(`42${JSON.stringify(['n', payload])}`);
      return { bytes };
    },
    /** `rounds` rounds of one broadcast to every room, `chunk` rounds per event-loop turn. */
    burst: async (args: { rounds: number; chunk: number }) => {
      const t0 = nowMs();
      const all = [...rooms];
      for (let r = 0; r < args.rounds; r += args.chunk) {
        for (let k = r; k < Math.min(args.rounds, r + args.chunk); k++) {
          for (const room of all) io.to(room).emit('n', payload);
        }
        await tick();
      }
      return { t0, tIssued: nowMs(), tDone: nowMs(), commits: 0 };
    },
    stats: () => ({ sockets: io.engine.clientsCount }),
    ...processCommands,
  },
  () => {
    io.disconnectSockets(true);
    io.close();
  },
);
