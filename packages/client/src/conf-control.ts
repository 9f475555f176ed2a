/** Replies to `ConfControl` frames, matched by `sequence`: each request waits for exactly one. */
import { decodeData, isPlainObject } from '@confpush/protocol';
import { nextSequence } from './encoding.js';
import { ConfpushProtocolError } from './errors.js';

/** The reply to a `ConfControl` frame: `returnCode` 0 is success (docs/protocol.md lists the others). */
export interface ConfControlReply {
  returnCode: number;
  returnDesc: string;
  /** The whole `data` object of the reply. */
  data: Readonly<Record<string, unknown>>;
}

interface Waiter {
  resolve: (reply: ConfControlReply) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class ConfControlReplies {
  readonly #waiting = new Map<string, Waiter>();

  /** Waits for the reply with this `sequence`; rejects after `timeoutMs`. */
  expect(sequence: string, timeoutMs: number): Promise<ConfControlReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(sequence);
        reject(new ConfpushProtocolError(`no ConfControl reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(sequence, { resolve, reject, timer });
    });
  }

  /** A `ConfControl` frame arrived: settles the request it answers, if any. */
  settle(frame: Record<string, unknown>): void {
    const sequence = frame['sequence'];
    const waiter = typeof sequence === 'string' ? this.#waiting.get(sequence) : undefined;
    if (!waiter) return;
    this.#waiting.delete(sequence as string);
    clearTimeout(waiter.timer);
    const data = decodeData(frame['data']);
    const fields = isPlainObject(data) ? data : {};
    waiter.resolve({
      returnCode: typeof fields['returnCode'] === 'number' ? fields['returnCode'] : -1,
      returnDesc: typeof fields['returnDesc'] === 'string' ? fields['returnDesc'] : '',
      data: fields,
    });
  }

  /** The socket went away: no reply can come any more. */
  rejectAll(error: Error): void {
    for (const waiter of this.#waiting.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.#waiting.clear();
  }
}

/** A `ConfControl` frame with a fresh `sequence`; `data` is sent JSON-encoded, as Huawei documents. */
export function confControlFrame(
  type: string,
  data: Readonly<Record<string, unknown>>,
): { sequence: string; action: 'ConfControl'; type: string; data: string } {
  return { sequence: nextSequence(), action: 'ConfControl', type, data: JSON.stringify(data) };
}
