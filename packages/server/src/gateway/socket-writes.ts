/**
 * Where bytes go to a socket: pre-built frames (hub/wire.ts) written straight to the TCP socket the WebSocket runs
 * on, coalesced per event-loop run.
 */
import type { Duplex } from 'node:stream';
import type { WireFrame } from '../hub/wire.js';

/**
 * Frames up to this size written in one event-loop turn to one socket are coalesced into one write (one `writev`
 * syscall) by corking the socket until the turn's microtasks run. Larger frames (full messages of big meetings) are
 * written at once, so that they never make the queue look longer than the kernel's buffer really is.
 */
const COALESCE_MAX_BYTES = 16 * 1024;

const corked: Duplex[] = [];
let flushQueued = false;

function flush(): void {
  flushQueued = false;
  for (const socket of corked) socket.uncork();
  corked.length = 0;
}

/**
 * Writes a frame to a socket. Every socket written to in the current synchronous run (one group commit's fan-out,
 * typically) gets all its frames in one syscall when the run ends; the order of frames on each socket is kept.
 * (Nobody else leaves a socket corked across calls: `ws` corks and uncorks within one send.)
 */
export function writeFrame(socket: Duplex, frame: WireFrame): void {
  const corkedByUs = socket.writableCorked > 0;
  if (frame.length > COALESCE_MAX_BYTES) {
    if (!corkedByUs) {
      socket.write(frame);
      return;
    }
    // Keep the order: what this socket already has pending goes out first; the flush still uncorks it once.
    socket.uncork();
    socket.write(frame);
    socket.cork();
    return;
  }
  if (!corkedByUs) {
    socket.cork();
    corked.push(socket);
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  }
  socket.write(frame);
}
