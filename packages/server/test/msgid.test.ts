/**
 * `msgID` is derived from the change's identity (meeting, category, epoch, seq, full or incremental): the same on
 * every node and on replay, different for different changes. The expected IDs are golden vectors, the first 32 hex
 * characters of the SHA-256 of the identity's JSON text, computed outside confpush:
 *   printf '%s' '["900000001","AttendeesNotify","5f0c1d2e3a4b",7,1]' | sha256sum
 */
import { CategoryReplica } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { encodeFull, encodeIncremental } from '../src/hub/encode.js';
import { payloadOf, type WireFrame } from '../src/hub/wire.js';

const CONF = '900000001';
const EPOCH = '5f0c1d2e3a4b';

function parsed(frame: WireFrame): Record<string, unknown> {
  return JSON.parse(payloadOf(frame).toString('utf8')) as Record<string, unknown>;
}

function incremental(change: { epoch?: string; seq?: number; createdAt?: number; name?: string } = {}) {
  return encodeIncremental(CONF, {
    category: 'AttendeesNotify',
    epoch: change.epoch ?? EPOCH,
    seq: change.seq ?? 7,
    payload: [{ mode: 0, name: change.name ?? 'a', seq: change.seq ?? 7 }],
    createdAt: change.createdAt ?? 1_700_000_000_000,
  });
}

describe('msgID', () => {
  it('of an incremental message is the golden vector of its (meeting, category, epoch, seq)', () => {
    expect(parsed(incremental())['msgID']).toBe('80dbac7d729141c12425d19924744cb3');
  });

  it('is identical for the same change encoded twice (another node, a replay): the same bytes', () => {
    expect(payloadOf(incremental()).equals(payloadOf(incremental()))).toBe(true);
  });

  it('differs for another seq, epoch, meeting or category', () => {
    const ids = new Set([
      parsed(incremental())['msgID'],
      parsed(incremental({ seq: 8 }))['msgID'],
      parsed(incremental({ epoch: 'another' }))['msgID'],
      parsed(
        encodeIncremental('900000002', {
          category: 'AttendeesNotify',
          epoch: EPOCH,
          seq: 7,
          payload: [],
          createdAt: 0,
        }),
      )['msgID'],
      parsed(
        encodeIncremental(CONF, {
          category: 'ParticipantsNotify',
          epoch: EPOCH,
          seq: 7,
          payload: [],
          createdAt: 0,
        }),
      )['msgID'],
    ]);
    expect(ids.size).toBe(5);
  });

  it('of a full message is the golden vector of its position, distinct from the incremental of that seq', () => {
    const replica = new CategoryReplica('AttendeesNotify');
    replica.applyFull([], 7, EPOCH);
    const first = parsed(encodeFull(CONF, replica, 1_700_000_000_000));
    const later = parsed(encodeFull(CONF, replica, 1_700_000_005_000));
    expect(first['msgID']).toBe('2c02b695d2568a80687fc6451f8fddbf');
    expect(later['msgID']).toBe(first['msgID']);
  });
});
