/** HTTP over a raw TCP socket, for requests fetch refuses to send (broken syntax, oversized headers, slow bodies). */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Bytes of the request body written before the response arrived (for the body-limit tests). */
  written: number;
}

/** Sends `head` (request line and headers, CRLF-terminated) and then `body` in pieces until a response arrives. */
export function rawRequest(
  url: string,
  head: string,
  body: Buffer | (() => Buffer | undefined) = Buffer.alloc(0),
  options: { timeoutMs?: number; pieceDelayMs?: number } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket: Socket =
      u.protocol === 'https:'
        ? tlsConnect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false })
        : connect(Number(u.port), u.hostname);
    let received = Buffer.alloc(0);
    let written = 0;
    let answered = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within ${timeoutMs} ms (wrote ${written} body bytes)`));
    }, timeoutMs);
    const finish = () => {
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? '0');
      const bodyBytes = received.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
      if (bodyBytes.length < length) return false;
      answered = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: bodyBytes.subarray(0, length).toString('utf8'),
        written,
      });
      return true;
    };
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      finish();
    });
    socket.on('error', (err) => {
      if (!answered && !finish()) {
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('close', () => {
      if (!answered && !finish()) {
        clearTimeout(timer);
        reject(new Error(`connection closed without a response (wrote ${written} body bytes)`));
      }
    });
    socket.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      socket.write(head);
      if (Buffer.isBuffer(body)) {
        if (body.length > 0) socket.write(body);
        written = body.length;
        return;
      }
      const next = () => {
        if (answered || socket.destroyed) return;
        const piece = body();
        if (!piece) return;
        socket.write(piece, () => {
          written += piece.length;
          setTimeout(next, options.pieceDelayMs ?? 1);
        });
      };
      next();
    });
  });
}
