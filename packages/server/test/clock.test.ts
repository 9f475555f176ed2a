/**
 * Time injected everywhere: every periodic timer of a node (gateway sweeps, limits and store housekeeping) runs
 * on the node's Clock and is stopped when the node closes.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { startTestServer } from './helpers.js';

describe('the node on an injected clock', () => {
  it('runs its periodic timers on the clock and clears them on close', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({ clock, nodes: 1 });
    // Heartbeat sweep, ping, ws-token budget sweep, expired-record purge.
    expect(clock.pending).toBeGreaterThanOrEqual(4);
    await server.node.close();
    expect(clock.pending).toBe(0);
  });
});
