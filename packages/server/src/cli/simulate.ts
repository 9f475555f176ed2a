/**
 * `confpush simulate`: runs the scenario runner (a client of the REST API) against any confpush node, or any
 * server with the same API: participants join over time, talk, mute, raise hands, lose network, produce captions
 * and leave, deterministically from a seed. Progress goes to stderr; a summary line to stdout.
 */
import { runScenario, type ScenarioEvent } from '../simulator/scenario.js';

export interface SimulateOptions {
  url: string;
  appId: string;
  appKey: string;
  participants: number;
  durationMs: number;
  rate: number;
  seed: number;
  passes: number;
  conferenceID?: string;
  hostPassword?: string;
}

export async function simulateCommand(options: SimulateOptions): Promise<number> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const interactive = process.stderr.isTTY === true;
  let done = 0;
  let total = 0;
  const progress = (event: ScenarioEvent): void => {
    switch (event.kind) {
      case 'ready':
        process.stderr.write(
          `meeting ${event.conferenceID} (host password ${event.hostPassword}); watch it with: ` +
            `confpush watch ${event.conferenceID} --url ${options.url} --password ${event.hostPassword}\n`,
        );
        break;
      case 'pass':
        done = 0;
        total = event.steps;
        process.stderr.write(`pass ${event.pass + 1}: ${event.steps} steps (seed ${event.seed})\n`);
        break;
      case 'step':
        done++;
        if (event.outcome === 'failed')
          process.stderr.write(`\nstep ${event.index} ${event.step.kind} failed: ${event.detail ?? ''}\n`);
        if (interactive) process.stderr.write(`\r${done}/${total} steps`);
        break;
      case 'passEnd':
        process.stderr.write(
          `${interactive ? '\n' : ''}pass ${event.pass + 1} done: ${event.ok} ok, ${event.skipped} skipped, ${event.failed} failed\n`,
        );
        break;
    }
  };
  try {
    const result = await runScenario({
      baseUrl: options.url.replace(/\/+$/, ''),
      appId: options.appId,
      appKey: options.appKey,
      participants: options.participants,
      durationMs: options.durationMs,
      rate: options.rate,
      seed: options.seed,
      passes: options.passes,
      signal: abort.signal,
      onProgress: progress,
      ...(options.conferenceID
        ? { conferenceID: options.conferenceID, hostPassword: options.hostPassword ?? '' }
        : {}),
    });
    process.stdout.write(
      `${JSON.stringify({ conferenceID: result.conferenceID, passes: result.passes, ok: result.ok, skipped: result.skipped, failed: result.failed })}\n`,
    );
    for (const failure of result.failures) process.stderr.write(`failure: ${failure}\n`);
    return result.failed > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
