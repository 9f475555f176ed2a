/**
 * `confpush tail <confID>`: every frame the push socket receives (the Subscribe reply, full and incremental push
 * messages, HeartBeat echoes), one JSON object per line on stdout, byte for byte as received, for piping into
 * `jq`. Diagnostics (live, reconnecting, resumed, rebuilt, meeting ended) go to stderr. It follows the token
 * chain from the host password and reconnects and resumes like the SDK (it is the SDK); frames of a socket the
 * SDK has already let go are not printed.
 *
 * Exits 0 when the meeting ends (close 4005), on Ctrl-C and when the reader of stdout goes away; 1 on errors.
 */
import type { WebSocketConstructor } from '@confpush/client';
import WebSocket from 'ws';
import { createSession, EXIT, exitAfterFlush, followLifecycle, meetingTarget } from './credentials.js';

/**
 * A `ws` WebSocket that hands the text of every message to `onRaw` before the SDK's own handler sees it (a
 * listener added in the constructor runs before the `onmessage` the SDK sets afterwards).
 */
export function rawCapturingWebSocket(onRaw: (text: string) => void): WebSocketConstructor {
  return class RawCapturingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      this.addEventListener('message', (event) => {
        const data: unknown = event.data;
        onRaw(typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : '');
      });
    }
  };
}

/** The line printed for a frame: the text as received when it is one line of JSON, else the frame re-encoded. */
export function frameLine(raw: string | undefined, frame: Record<string, unknown>): string {
  if (raw !== undefined && raw !== '' && !/[\r\n]/.test(raw)) return raw;
  return JSON.stringify(frame);
}

export async function tailCommand(confID: string, options: Record<string, unknown>): Promise<void> {
  const target = meetingTarget(confID, options);
  const log = (message: string) => process.stderr.write(`confpush tail: ${message}\n`);
  let raw: string | undefined;
  const session = createSession(
    target,
    rawCapturingWebSocket((text) => (raw = text)),
  );
  let finished = false;
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    session.close();
    exitAfterFlush(code);
  };

  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // `confpush tail … | head -3`: the reader went away; that is a normal end.
    finish(error.code === 'EPIPE' ? EXIT.OK : EXIT.ERROR);
  });
  session.on('frame', (frame) => {
    process.stdout.write(`${frameLine(raw, frame)}\n`);
    raw = undefined;
  });
  followLifecycle(session, target, {
    log,
    end: (code, message) => {
      if (message) log(message);
      finish(code);
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => finish(EXIT.OK));

  log(`connecting to ${target.baseUrl} for meeting ${target.conferenceID}`);
  await session.start().catch(() => undefined);
}
