/**
 * Records kept whole as one JSON string per key (tokens), each key living until the record's expiry as the node's
 * clock says, plus a grace (`policy.ts`).
 */
import type { Clock } from '../clock.js';
import type { RedisDb } from './redis-db.js';

/** How long a key lives, in ms: until `expiresAt` (at least 1 ms from now), plus `grace`. */
export function keyLifetime(clock: Clock, expiresAt: number, grace: number): number {
  return Math.max(1, expiresAt - clock.now()) + grace;
}

/** A stored JSON string (or its absence, `null`) as a record. */
export function parsed<T>(json: string | null): T | undefined {
  return json === null ? undefined : (JSON.parse(json) as T);
}

export async function getJson<T>(db: RedisDb, key: string): Promise<T | undefined> {
  return parsed<T>(await db.redis.get(key));
}

/** Replaces the record at `key` with `change(held)`, living `lifetime(updated)` ms; nothing when it is gone. */
export async function updateJson<T>(
  db: RedisDb,
  key: string,
  change: (held: T) => T,
  lifetime: (updated: T) => number,
): Promise<void> {
  const held = await getJson<T>(db, key);
  if (!held) return;
  const updated = change(held);
  await db.redis.set(key, JSON.stringify(updated), 'PX', lifetime(updated), 'XX');
}
