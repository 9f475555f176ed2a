/**
 * WebSocket frames on the wire, built once per message and written as they are to every subscriber's socket.
 *
 * A server-to-client frame is not masked (RFC 6455 §5.1), so the complete frame — header and payload — is the same
 * bytes for every socket: the hub encodes a push message straight into a text frame, and a session writes that one
 * Buffer to its TCP socket. `ws` still owns the connection (handshake, reading, ping/pong, close); only our data
 * frames bypass its per-send framing, which would otherwise allocate a header and issue two writes per socket.
 * This is sound because per-message deflate is off (`ws` never holds a send queue then) and a session writes only
 * while the socket is OPEN (gateway/socket-writes.ts).
 */

declare const wireBrand: unique symbol;
/** A complete, unmasked WebSocket text frame (FIN set, opcode 1). */
export type WireFrame = Buffer & { readonly [wireBrand]: true };

function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
}

/** Encodes `text` as UTF-8 straight into one text frame (no intermediate payload Buffer). */
export function textFrame(text: string): WireFrame {
  const length = Buffer.byteLength(text);
  const frame = allocateFrame(length);
  frame.write(text, frame.length - length, 'utf8');
  return frame;
}

/** One text frame whose payload is the concatenation of `chunks` (UTF-8 text and bytes). */
export function textFrameOf(chunks: readonly (string | Buffer)[]): WireFrame {
  let length = 0;
  for (const chunk of chunks) length += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  const frame = allocateFrame(length);
  let at = frame.length - length;
  for (const chunk of chunks) {
    at += typeof chunk === 'string' ? frame.write(chunk, at, 'utf8') : chunk.copy(frame, at);
  }
  return frame;
}

/** A frame of `length` payload bytes with its header written; the payload is filled in by the caller. */
function allocateFrame(length: number): WireFrame {
  const offset = headerLength(length);
  const frame = Buffer.allocUnsafe(offset + length);
  frame[0] = 0x81;
  if (offset === 2) {
    frame[1] = length;
  } else if (offset === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  return frame as WireFrame;
}

function payloadOffset(frame: WireFrame): number {
  const indicator = frame[1]! & 0x7f;
  return indicator < 126 ? 2 : indicator === 126 ? 4 : 10;
}

/** The payload (the JSON text's bytes) of a frame made by `textFrame`. */
export function payloadOf(frame: WireFrame): Buffer {
  return frame.subarray(payloadOffset(frame));
}

/** The length of the payload of a frame made by `textFrame`. */
export function payloadLength(frame: WireFrame): number {
  return frame.length - payloadOffset(frame);
}
