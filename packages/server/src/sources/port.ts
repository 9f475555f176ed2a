/** The `SourcePort` every source of a node is given: the engine's write path and commit stream, nothing else. */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import type { Source, SourceHealth, SourcePort } from './source.js';

export function sourcePort(
  engine: Engine,
  options: { logger: Logger; clock: Clock; name: string; registry: Registry },
): SourcePort {
  return {
    logger: options.logger.child({ source: options.name }),
    clock: options.clock,
    nodeId: engine.nodeId,
    registry: options.registry,
    execute: (conferenceId, command) => engine.execute(conferenceId, command),
    createMeeting: (record, attendees) => engine.createMeeting(record, attendees),
    read: async (conferenceId) => (await engine.load(conferenceId))?.committed,
    observe: (observer, observeOptions) => {
      engine.addListener(observer, observeOptions);
      return () => engine.removeListener(observer);
    },
  };
}

/** Health of every source that reports one, by name; `ready` is false when any source is not ready. */
export function sourcesHealth(sources: readonly Source[]): {
  ready: boolean;
  sources: Record<string, SourceHealth>;
} {
  const report: Record<string, SourceHealth> = {};
  let ready = true;
  for (const source of sources) {
    const health = source.health?.();
    if (!health) continue;
    report[source.name] = health;
    if (!health.ready) ready = false;
  }
  return { ready, sources: report };
}
