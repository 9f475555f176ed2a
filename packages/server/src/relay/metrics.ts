/**
 * The relay's series on the node's registry (`/metrics`), sampled from the followers at scrape time except the lag
 * histograms, observed at each commit.
 *
 * | name                                              | type      | labels     |
 * | ------------------------------------------------- | --------- | ---------- |
 * | confpush_relay_upstream_up                        | gauge     | conference |
 * | confpush_relay_upstream_reconnects                | gauge     | conference |
 * | confpush_relay_upstream_last_message_seconds      | gauge     | conference |
 * | confpush_relay_upstream_lag_seconds               | gauge     | conference |
 * | confpush_relay_commit_lag_seconds                 | histogram | from       |
 * | confpush_relay_upstream_auth_ok                   | gauge     |            |
 */
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { FollowerStatus } from './follower.js';

const LAG_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface RelayMetricSources {
  followers(): FollowerStatus[];
  authOk(): boolean;
}

export class RelayMetrics {
  /** The lag histogram's two series, resolved once: the relay's is observed per upstream step. */
  readonly #relayLag: Histogram.Internal<'from'>;
  readonly #upstreamLag: Histogram.Internal<'from'>;

  constructor(registry: Registry, sources: RelayMetricSources) {
    const registers = [registry];
    const perMeeting = (name: string, help: string, value: (s: FollowerStatus) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['conference'],
        registers,
        collect() {
          this.reset();
          for (const status of sources.followers()) {
            const v = value(status);
            if (v !== null) this.set({ conference: status.conferenceID }, v);
          }
        },
      });
    perMeeting(
      'confpush_relay_upstream_up',
      '1 while the upstream push connection of a meeting is live',
      (s) => (s.state === 'live' ? 1 : 0),
    );
    perMeeting(
      'confpush_relay_upstream_reconnects',
      'Reconnects of the upstream push connection of a meeting',
      (s) => s.reconnects,
    );
    perMeeting(
      'confpush_relay_upstream_last_message_seconds',
      'Unix time of the last frame received upstream for a meeting',
      (s) => (s.lastMessageAt === null ? null : s.lastMessageAt / 1000),
    );
    perMeeting(
      'confpush_relay_upstream_lag_seconds',
      'Upstream createTime to local commit, of the last commit of a meeting',
      (s) => (s.lagMs === null ? null : s.lagMs / 1000),
    );
    new Gauge({
      name: 'confpush_relay_upstream_auth_ok',
      help: '0 while the upstream refuses the relay App ID credential',
      registers,
      collect() {
        this.set(sources.authOk() ? 1 : 0);
      },
    });
    const lag = new Histogram({
      name: 'confpush_relay_commit_lag_seconds',
      help: 'Time until an upstream change is committed and written to the downstream sockets: from its arrival here, per upstream step (relay), or from its upstream createTime, per commit (upstream)',
      labelNames: ['from'],
      buckets: LAG_BUCKETS,
      registers,
    });
    this.#relayLag = lag.labels({ from: 'relay' });
    this.#upstreamLag = lag.labels({ from: 'upstream' });
  }

  /**
   * A commit written downstream. `from="relay"` is observed once per upstream step it covers, each with the time of
   * the oldest (an upper bound for every one of them): its count is steps, and its quantiles are per step.
   */
  committed({
    relayMs,
    steps,
    upstreamMs,
  }: {
    relayMs: number;
    steps: number;
    upstreamMs: number | undefined;
  }): void {
    for (let i = 0; i < steps; i++) this.#relayLag.observe(relayMs / 1000);
    if (upstreamMs !== undefined && upstreamMs >= 0) this.#upstreamLag.observe(upstreamMs / 1000);
  }
}
