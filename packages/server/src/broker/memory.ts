/**
 * The in-memory broker: the fan-out of a one-node cluster (the embedded SQLite store publishes each committed entry
 * here, as the Redis commit script publishes on Redis). Several engines in one process may share one, each a node.
 * Entries are delivered asynchronously, in publication order, to the meeting's subscribers (see `broker.ts` for the contract). It never loses its "connection", so `onReconnect` handlers are never called.
 */
import type { Broker, BrokerEntry } from './broker.js';

type EntryHandler = (entry: BrokerEntry) => void;

export class MemoryBroker implements Broker {
  /** Per subscriber of this instance: its handler per meeting (a second `subscribe` replaces the first). */
  readonly #own = new Map<string, EntryHandler>();
  readonly #hub: MemoryBrokerHub;

  /** `hub`: shared by the brokers of the nodes of one in-process cluster; a broker of its own otherwise. */
  constructor(hub: MemoryBrokerHub = new MemoryBrokerHub()) {
    this.#hub = hub;
  }

  /** Publishes a committed entry on its meeting's channel (the store calls it once the entry is durable). */
  publish(entry: BrokerEntry): void {
    this.#hub.publish(entry);
  }

  async subscribe(confId: string, onEntry: EntryHandler): Promise<void> {
    const previous = this.#own.get(confId);
    if (previous) this.#hub.remove(confId, previous);
    this.#own.set(confId, onEntry);
    this.#hub.add(confId, onEntry);
  }

  async unsubscribe(confId: string): Promise<void> {
    const handler = this.#own.get(confId);
    if (!handler) return;
    this.#own.delete(confId);
    this.#hub.remove(confId, handler);
  }

  onReconnect(_handler: () => void): void {
    // An in-memory channel is never interrupted.
  }

  async close(): Promise<void> {
    for (const [confId, handler] of this.#own) this.#hub.remove(confId, handler);
    this.#own.clear();
  }
}

/** The channels of an in-process cluster: one set of handlers per meeting. */
export class MemoryBrokerHub {
  readonly #channels = new Map<string, Set<EntryHandler>>();

  add(confId: string, handler: EntryHandler): void {
    let handlers = this.#channels.get(confId);
    if (!handlers) this.#channels.set(confId, (handlers = new Set()));
    handlers.add(handler);
  }

  remove(confId: string, handler: EntryHandler): void {
    const handlers = this.#channels.get(confId);
    handlers?.delete(handler);
    if (handlers?.size === 0) this.#channels.delete(confId);
  }

  /** Committed entries are immutable (as committed items are), so every subscriber gets the same object. */
  publish(entry: BrokerEntry): void {
    if (!this.#channels.has(entry.confId)) return;
    queueMicrotask(() => {
      for (const handler of [...(this.#channels.get(entry.confId) ?? [])]) handler(entry);
    });
  }
}
