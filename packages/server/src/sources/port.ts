/** The `SourcePort` every source of a node is given: the engine's write path and commit stream, nothing else. */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import type { ConfControlAnswer, ConfControlRequest, Source, SourceHealth, SourcePort } from './source.js';

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

/**
 * Health of every source that reports one, by name; `ready` is false when any source is not ready, and `reason`
 * then names each such source and why (`upstream: App ID credential refused …`).
 */
export function sourcesHealth(sources: readonly Source[]): {
  ready: boolean;
  reason?: string;
  sources: Record<string, SourceHealth>;
} {
  const report: Record<string, SourceHealth> = {};
  const reasons: string[] = [];
  for (const source of sources) {
    const health = source.health?.();
    if (!health) continue;
    report[source.name] = health;
    if (!health.ready) reasons.push(`${source.name}: ${health.reason ?? 'not ready'}`);
  }
  return reasons.length === 0
    ? { ready: true, sources: report }
    : { ready: false, reason: reasons.join('; '), sources: report };
}

/** Offers a socket `ConfControl` request to the sources in order; the first that owns the meeting answers it. */
export async function sourcesConfControl(
  sources: readonly Source[],
  request: ConfControlRequest,
): Promise<ConfControlAnswer | undefined> {
  for (const source of sources) {
    const answer = await source.confControl?.(request);
    if (answer) return answer;
  }
  return undefined;
}
