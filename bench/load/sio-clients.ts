/**
 * A load-generator process holding socket.io-client sockets (websocket transport only, no polling upgrade) in
 * rooms; counts `n` events the way ws-clients counts frames.
 */
import { io, type Socket } from 'socket.io-client';
import { pool } from '../lib/chain.js';
import { emit, nowMs, serve } from '../lib/ipc.js';

let sockets: Socket[] = [];
let expected = 0;
let total = 0;
let armed = false;

function onEvent(): void {
  if (!armed) return;
  total++;
  if (total >= expected) {
    armed = false;
    emit('done', { tLast: nowMs(), frames: total, bytes: 0 });
  }
}

serve(
  {
    connectWs: async (args: { url: string; rooms: number[]; concurrency?: number }) => {
      const t0 = nowMs();
      const fresh = await pool(args.rooms, args.concurrency ?? 64, async (room) => {
        const socket = io(args.url, {
          transports: ['websocket'],
          query: { room: String(room) },
          reconnection: false,
          forceNew: true,
        });
        socket.on('n', onEvent);
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        return socket;
      });
      sockets.push(...fresh);
      return { sockets: sockets.length, ms: nowMs() - t0 };
    },
    arm: (args: { perSocket: number }) => {
      expected = args.perSocket * sockets.length;
      total = 0;
      armed = expected > 0;
      return { expected };
    },
    counts: () => ({ frames: total, bytes: 0, open: sockets.filter((s) => s.connected).length }),
    close: async () => {
      for (const s of sockets) s.disconnect();
      sockets = [];
      return {};
    },
  },
  () => {
    for (const s of sockets) s.disconnect();
  },
);
