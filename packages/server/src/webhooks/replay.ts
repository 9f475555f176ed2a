/**
 * Admin replay of dead deliveries: they become pending again with a fresh give-up window, and a new `replayed` mark
 * makes the lease holder (on whichever node or thread) load them at its next round.
 */
import { randomUUID } from 'node:crypto';
import type { SinkOp, SinkStore } from '../store/outbox.js';
import { NS, type Delivery } from './model.js';

/** Revives the configuration's dead deliveries (all, or those of `ids`); returns how many. */
export async function reviveDead(
  store: SinkStore,
  configId: string,
  ids: readonly string[] | undefined,
  now: number,
): Promise<number> {
  const dead = (await store.list(NS.dead))
    .map((r) => JSON.parse(r.value) as Delivery)
    .filter((d) => d.configId === configId && (!ids || ids.includes(d.id)));
  if (dead.length === 0) return 0;
  const revived = dead.map((d) => ({ ...d, createdAt: now, nextAt: now, attempts: 0 }));
  await store.apply(
    revived
      .flatMap((d): SinkOp[] => [
        { op: 'del', ns: NS.dead, id: d.id },
        { op: 'put', ns: NS.pending, id: d.id, value: JSON.stringify(d) },
      ])
      .concat({ op: 'put', ns: NS.cursor, id: 'replayed', value: randomUUID() }),
  );
  return revived.length;
}
