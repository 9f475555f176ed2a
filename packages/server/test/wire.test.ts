/**
 * Pre-built WebSocket frames (hub/wire.ts) and coalesced socket writes (gateway/socket-writes.ts): a real `ws`
 * Receiver decodes what we build, and frames written over a real TCP connection arrive complete and in order.
 */
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { CategoryReplica } from '@confpush/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { writeFrame } from '../src/gateway/socket-writes.js';
import { encodeFull } from '../src/hub/encode.js';
import { payloadLength, payloadOf, textFrame } from '../src/hub/wire.js';

/** ws's frame parser (exported by ws, not declared in its types). */
interface FrameReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  write(chunk: Buffer): void;
}
const { Receiver } = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameReceiver;
};

/** Decodes a byte stream the way a WebSocket client does. */
function receiver(): { messages: string[]; receiver: FrameReceiver } {
  const messages: string[] = [];
  const r = new Receiver({ isServer: false, maxPayload: 0 });
  r.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(false);
    messages.push(data.toString('utf8'));
  });
  return { messages, receiver: r };
}

// Lengths around the three header forms (7-bit, 16-bit, 64-bit length).
const lengths = fc.constantFrom(0, 1, 125, 126, 127, 65535, 65536, 70000);
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  lengths.map((n) => 'x'.repeat(n)),
  fc.tuple(lengths, fc.string({ unit: 'grapheme', maxLength: 5 })).map(([n, s]) => 'é'.repeat(n / 2) + s),
);

describe('textFrame', () => {
  it('is decoded by ws as the same text, for every header form', () => {
    fc.assert(
      fc.property(text, (s) => {
        const frame = textFrame(s);
        const { messages, receiver: r } = receiver();
        r.write(frame);
        expect(messages).toEqual([s]);
        expect(payloadOf(frame).toString('utf8')).toBe(s);
        expect(payloadLength(frame)).toBe(Buffer.byteLength(s));
      }),
      { numRuns: 200 },
    );
  });
});

describe('writeFrame', () => {
  async function pair(): Promise<{ client: Socket; server: Socket; close(): void }> {
    const listener = createServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const accepted = once(listener, 'connection');
    const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
    const [server] = (await accepted) as [Socket];
    return {
      client,
      server,
      close: () => {
        client.destroy();
        server.destroy();
        listener.close();
      },
    };
  }

  it('delivers every frame of one synchronous run complete and in order, small and large mixed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(10, 100, 20_000, 70_000), { minLength: 1, maxLength: 40 }),
        async (sizes) => {
          const { client, server, close } = await pair();
          try {
            const { messages, receiver: r } = receiver();
            client.on('data', (chunk: Buffer) => r.write(chunk));
            const sent = sizes.map((n, i) => `${i}:${'m'.repeat(n)}`);
            for (const s of sent) writeFrame(server, textFrame(s));
            // Small frames of this run are held (corked) until the run's microtasks: nothing is lost or reordered.
            while (messages.length < sent.length) await once(client, 'data');
            expect(messages).toEqual(sent);
            expect(server.writableCorked).toBe(0);
          } finally {
            close();
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('coalesces the small frames of one run into one write', async () => {
    const { client, server, close } = await pair();
    try {
      const { messages, receiver: r } = receiver();
      client.on('data', (chunk: Buffer) => r.write(chunk));
      const writes: number[] = [];
      const original = server._writev?.bind(server);
      server._writev = (chunks, cb) => {
        writes.push(chunks.length);
        original!(chunks, cb);
      };
      for (let i = 0; i < 50; i++) writeFrame(server, textFrame(`frame ${i}`));
      expect(server.writableLength).toBeGreaterThan(0); // held until the run ends
      while (messages.length < 50) await once(client, 'data');
      expect(writes).toEqual([50]);
    } finally {
      close();
    }
  });
});

describe('full messages of lists', () => {
  it('are the same JSON text as serializing the whole message, with item texts reused across versions', () => {
    const item = fc.record({
      participantID: fc.stringMatching(/^[a-z]{1,4}$/),
      name: fc.string({ unit: 'grapheme', maxLength: 8 }),
      mode: fc.constant(0),
      seq: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(fc.array(item, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), (rounds) => {
        const replica = new CategoryReplica('AttendeesNotify');
        replica.epoch = 'e';
        let seq = 0;
        for (const data of rounds) {
          // Changes replace some items; the others keep their objects (and cached texts) from the previous round.
          replica.applyFrame({ action: 'AttendeesNotify', msgMode: 1, version: ++seq, data });
          replica.seq = seq;
          const text = payloadOf(encodeFull('900000001', replica, 1_700_000_000_000)).toString('utf8');
          const parsed = JSON.parse(text) as Record<string, unknown>;
          const expected = JSON.stringify({
            data: replica.snapshot(),
            confID: '900000001',
            msgID: parsed['msgID'],
            msgMode: 0,
            version: 1_700_000_000_000,
            createTime: 1_700_000_000_000,
            seq,
            epoch: 'e',
            action: 'AttendeesNotify',
          });
          expect(text).toBe(expected);
        }
      }),
      { numRuns: 100 },
    );
  });
});
