/** The checker of the fault-injection tests must itself catch what it claims to: fed synthetic traces here. */
import type { PushCategory } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { TypedEmitter, type RebuildReason, type SessionEvents } from '../../src/index.js';
import { DeliveryTrace } from './trace.js';

class FakeSession extends TypedEmitter<SessionEvents> {
  socket(): this {
    this.emit('state', { oldState: 'connecting', newState: 'subscribing' });
    return this;
  }
  reply(streams: Record<string, { epoch: string; seq: number; delivery: 'full' | 'resumed' }>): this {
    this.emit('frame', { action: 'Subscribe', data: { returnCode: 0, streams } });
    return this;
  }
  full(category: PushCategory, seq: number, epoch = 'e1'): this {
    this.emit('frame', { action: category, msgMode: 0, version: Date.now(), seq, epoch });
    return this;
  }
  inc(category: PushCategory, ...versions: number[]): this {
    for (const version of versions) this.emit('frame', { action: category, msgMode: 1, version });
    return this;
  }
  rebuilt(category: PushCategory, reason: RebuildReason): this {
    this.emit('rebuilt', category, reason);
    return this;
  }
  resumed(category: PushCategory, from: number, to: number): this {
    this.emit('resumed', category, from, to);
    return this;
  }
}

const A = 'AttendeesNotify';
const S = 'SpeakerChangeNotify';

function traced(): { session: FakeSession; trace: DeliveryTrace } {
  const session = new FakeSession();
  return { session, trace: new DeliveryTrace(session) };
}

describe('DeliveryTrace', () => {
  describe('#check', () => {
    it('accepts a gap-free stream, a resumed replay and an explicit rebuild', () => {
      const { session, trace } = traced();
      session.socket().reply({ [A]: { epoch: 'e1', seq: 2, delivery: 'full' } });
      session.full(A, 2).rebuilt(A, 'initial').inc(A, 3, 4);
      session.socket().reply({ [A]: { epoch: 'e1', seq: 6, delivery: 'resumed' } });
      session.inc(A, 5, 6).resumed(A, 4, 6).inc(A, 7);
      session.full(A, 12).rebuilt(A, 'backpressure').inc(A, 13);
      session
        .socket()
        .reply({ [A]: { epoch: 'e1', seq: 13, delivery: 'resumed' } })
        .resumed(A, 13, 13);
      expect(trace.check()).toEqual([]);
      expect(trace.sockets).toBe(3);
      expect(trace.summary()).toBe(`${A}: F2 3 4 | 5 6 7 F12 13 |`);
    });

    it('accepts full-only categories moving one step per full message', () => {
      const { session, trace } = traced();
      session.socket().full(S, 0).rebuilt(S, 'initial').full(S, 1).full(S, 2);
      expect(trace.check()).toEqual([]);
    });

    it('reports a silent gap, a duplicate and an incremental before any state', () => {
      const { session, trace } = traced();
      session.socket().inc(A, 1).full(A, 0).rebuilt(A, 'initial').inc(A, 1, 3, 1);
      expect(trace.check()).toEqual([
        `#1 ${A}: incremental 1 before any state`,
        `#5 ${A}: gap: incremental 3 at 1`,
        `#6 ${A}: duplicate incremental 1 at 1`,
      ]);
    });

    it('reports a discontinuous full message that no rebuilt event explains', () => {
      const { session, trace } = traced();
      session.socket().full(A, 0).rebuilt(A, 'initial').full(A, 5).inc(A, 6).full(S, 0);
      session.full(A, 6, 'e2');
      expect(trace.check()).toEqual([
        `#4 ${A}: discontinuous full message without rebuilt`,
        `#7 ${A}: discontinuous full message without rebuilt`,
        `#7 ${S}: discontinuous full message without rebuilt`,
      ]);
    });

    it('reports a replay that does not match the resumed event, or is never announced', () => {
      const { session, trace } = traced();
      session.socket().full(A, 1).rebuilt(A, 'initial');
      session.socket().reply({ [A]: { epoch: 'e1', seq: 3, delivery: 'resumed' } });
      session.inc(A, 2, 3).resumed(A, 2, 3);
      session
        .socket()
        .reply({ [A]: { epoch: 'e1', seq: 4, delivery: 'resumed' } })
        .inc(A, 4);
      expect(trace.check()).toEqual([
        `#7 ${A}: resumed(2, 3) but expected (1, 3)`,
        `#11 ${A}: replay 3…4 completed without resumed`,
      ]);
    });

    it('reports an incremental where the reply promised a full message, and a resume from an unknown position', () => {
      const { session, trace } = traced();
      session.socket().full(A, 1).rebuilt(A, 'initial');
      session
        .socket()
        .reply({ [A]: { epoch: 'e1', seq: 2, delivery: 'full' } })
        .inc(A, 2);
      session.socket().reply({ [A]: { epoch: 'other', seq: 2, delivery: 'resumed' } });
      expect(trace.check()).toEqual([
        `#5 ${A}: incremental instead of the promised full`,
        `#7 ${A}: resumed from an unknown or later position`,
      ]);
    });
  });
});
