/**
 * What the bridge derives from its key instead of storing, so that every node of a cluster and a restarted node
 * agree without shared state: the room secret of a meeting, the participant ID handed out by the join API (which
 * is also the participant's VideoRoom publisher ID and opaque ID) with its role, and that participant's join token.
 *
 * A participant ID is 15 digits: 9 random, 5 of a MAC over them and the role, then the role (0 or 1); it stays a
 * safe integer, as VideoRoom publisher IDs are numbers. Without the key a made-up ID passes as issued (let alone as a
 * host's) once in 100,000 tries, and it would still need the join token only the join API allows.
 */
import { createHmac, randomInt } from 'node:crypto';
import { secretEquals } from '../auth/secrets.js';

const CHECK_DIGITS = 5;
const CHECK_MODULUS = 10 ** CHECK_DIGITS;

const SUBSCRIBER_SUFFIX = '-sub';

/** What an opaque ID says: whose handle it is, and whether it publishes or subscribes. */
export interface OpaqueHandle {
  confId: string;
  pid: string;
  handle: 'publisher' | 'subscriber';
}

export interface IssuedParticipant {
  pid: string;
  role: 0 | 1;
}

export class JanusIdentity {
  readonly #key: string;

  constructor(key: string) {
    this.#key = key;
  }

  #mac(purpose: string, value: string): string {
    return createHmac('sha256', this.#key).update(`${purpose}:${value}`).digest('hex');
  }

  /** The VideoRoom `secret` of the meeting's room. */
  roomSecret(confId: string): string {
    return this.#mac('room', confId).slice(0, 32);
  }

  /** A new participant ID of this role. */
  issue(role: 0 | 1): string {
    const random = String(randomInt(100_000_000, 1_000_000_000));
    return `${random}${this.#check(random, role)}${role}`;
  }

  #check(random: string, role: 0 | 1): string {
    return String(parseInt(this.#mac('pid', `${random}:${role}`).slice(0, 10), 16) % CHECK_MODULUS).padStart(
      CHECK_DIGITS,
      '0',
    );
  }

  /** The participant an ID was issued to, or undefined when this bridge did not issue it. */
  verify(id: string): IssuedParticipant | undefined {
    if (!/^[1-9]\d{14}$/.test(id)) return undefined;
    const role = id.endsWith('1') ? 1 : id.endsWith('0') ? 0 : undefined;
    if (role === undefined) return undefined;
    const random = id.slice(0, 9);
    return secretEquals(id.slice(9, 9 + CHECK_DIGITS), this.#check(random, role))
      ? { pid: id, role }
      : undefined;
  }

  /**
   * The opaque ID of a participant's publisher handle, `<room>-<pid>-<check>`, or with `-sub` that of its subscriber
   * handles. Janus repeats it in every event of a handle, so whichever node gets a hangup or statistics event knows
   * the meeting, the participant and the kind of handle without having seen its `joined` event.
   */
  opaqueId(confId: string, pid: string, handle: 'publisher' | 'subscriber' = 'publisher'): string {
    const publisher = `${confId}-${pid}-${this.#mac('opaque', `${confId}:${pid}`).slice(0, 16)}`;
    return handle === 'publisher' ? publisher : `${publisher}${SUBSCRIBER_SUFFIX}`;
  }

  /** The meeting, participant and kind of handle of an opaque ID from `opaqueId`; undefined for any other. */
  fromOpaqueId(opaque: string): OpaqueHandle | undefined {
    const match = /^([1-9]\d{0,14})-(\d{15})-[0-9a-f]{16}(-sub)?$/.exec(opaque);
    if (!match) return undefined;
    const [, confId, pid, sub] = match as unknown as [string, string, string, string | undefined];
    const handle = sub ? 'subscriber' : 'publisher';
    return this.verify(pid) && secretEquals(opaque, this.opaqueId(confId, pid, handle))
      ? { confId, pid, handle }
      : undefined;
  }

  /** The join token of a participant (added to the room's allowed list, removed once it joined). */
  token(pid: string): string {
    return this.#mac('token', pid).slice(0, 32);
  }
}
