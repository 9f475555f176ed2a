/**
 * docs/benchmarks.md from the results: the goals with ✅/❌, one table per benchmark, the machine and versions, the
 * exact commands, profile summaries, and the hand-written analysis (kept between the analysis markers of the
 * previous report, so regenerating the tables never loses it).
 */
import type { ClusterResult, ClusterTopology } from './cluster.js';
import type { DurableRate, DurableResult } from './durable.js';
import type { FanoutPoint, FanoutResult, Layout } from './fanout.js';
import type { LatencyResult } from './latency.js';
import type { MemoryResult } from './memory.js';
import type { ProfileSummary } from './lib/profile.js';
import type { RedisInfo } from './lib/redis.js';
import type { RelayWindow } from './lib/relay-window.js';
import type { LagMeasurement, LagPercentiles, RelayResult } from './relay.js';
import type { ResumeResult } from './resume.js';
import type { WebhooksResult } from './webhooks.js';
import type { JanusResult } from './janus.js';
import type { SnapshotResult } from './snapshot.js';
import { fmtBytes, fmtInt, fmtMs, fmtSi, fmtTimes, median } from './lib/stats.js';
import { goals, relayLagRuns, worst } from './report/goals.js';

export const BENCHMARKS = [
  'fanout',
  'latency',
  'memory',
  'snapshot',
  'durable',
  'resume',
  'cluster',
  'relay',
  'webhooks',
  'janus',
] as const;
export type BenchName = (typeof BENCHMARKS)[number];

export interface SectionMeta {
  date: string;
  quick: boolean;
  seconds: number;
  loadBefore: number[];
  loadAfter: number[];
  git: string;
  /** The CPU model it ran on (sections of one report may come from runs on different machines); absent before. */
  cpu?: string;
}

export interface Meta {
  date: string;
  command: string;
  machine: { cpu: string; cores: number; memGiB: number; os: string; kernel: string };
  versions: Record<string, string>;
  nofile: number[];
  nofileWanted: number;
  cpus: 'shared' | 'split';
  clientProcesses: number;
  git: string;
}

export interface ProfileEntry {
  bench: BenchName;
  label: string;
  what: string;
  /** Profiled in a --quick run (small sizes). */
  quick?: boolean;
  date?: string;
  summary: ProfileSummary;
}

export interface Results {
  meta: Meta;
  sections: Partial<Record<BenchName, SectionMeta>>;
  fanout?: FanoutResult;
  latency?: LatencyResult;
  memory?: MemoryResult;
  snapshot?: SnapshotResult;
  durable?: DurableResult;
  resume?: ResumeResult;
  cluster?: ClusterResult;
  relay?: RelayResult;
  webhooks?: WebhooksResult;
  janus?: JanusResult;
  profiles?: ProfileEntry[];
}

export const ANALYSIS_START = '<!-- analysis:start (hand-written; kept when the tables are regenerated) -->';
export const ANALYSIS_END = '<!-- analysis:end -->';

const OK = '✅';
const MISS = '❌';
const NA = '—';

function table(head: string[], rows: (string | number)[][], align?: string[]): string {
  const a = align ?? head.map((_, i) => (i === 0 ? 'l' : 'r'));
  return [
    `| ${head.join(' | ')} |`,
    `| ${a.map((x) => (x === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const NAMES: Record<string, string> = {
  confpush: 'confpush',
  'bare-ws': 'bare ws',
  'bare-ws-corked': 'bare ws (corked)',
  socketio: 'Socket.IO',
};
const LAYOUT: Record<Layout, string> = { one: 'one meeting', hundred: '100 meetings' };

function fanoutPoint(f: FanoutResult, layout: Layout, n: number, target: string): FanoutPoint | undefined {
  return f.points.find((p) => p.layout === layout && p.n === n && p.target === target);
}

/** Where Redis came from and the persistence settings that applied. */
export function describeRedis(info: RedisInfo): string {
  const fmt = (s: Record<string, string>): string =>
    Object.entries(s)
      .map(([name, v]) => `\`${name} ${v === '' ? '""' : v}\``)
      .join(', ');
  const parts = [
    `Redis ${info.version}: ${info.description}. Settings that applied (\`CONFIG GET\`): ${fmt(info.settings)}`,
  ];
  if (info.settingsAfter) parts.push(`; read again after the run: ${fmt(info.settingsAfter)}`);
  parts.push('.');
  if (info.durable === true)
    parts.push(
      ' Redis fsyncs its append-only file before it answers a write, the durability docs/cluster.md requires for ' +
        '"durable before visible" in cluster mode.',
    );
  else if (info.durable === false)
    parts.push(
      ' **Not the durability docs/cluster.md requires** (`appendonly yes` with `appendfsync always`): Redis answered ' +
        'before its writes were on disk, so these are not durable writes.',
    );
  else parts.push(' `CONFIG` is disabled on this Redis, so its persistence is unknown.');
  return parts.join('');
}

function status(ok: boolean | undefined): string {
  return ok === undefined ? NA : ok ? OK : MISS;
}

function fanoutSection(f: FanoutResult): string {
  const parts: string[] = [];
  parts.push(
    `Every socket receives the same number of small incremental ParticipantsNotify frames (${f.frameBytes} bytes; ` +
      'Socket.IO adds its 7-byte packet framing). A burst issues ' +
      `${f.chunk} rounds per event-loop turn (confpush: ${f.chunk} changes per meeting, committed together by the ` +
      `group commit; the others: ${f.chunk} frames per socket); median of ${f.repeats} interleaved bursts. ` +
      '"bare ws" is the limit as the issue defines it: a loop of `ws.send` per socket and frame. "bare ws, corked" ' +
      'also coalesces the frames a socket gets in one event-loop turn into one write (`socket.cork()`), the best a ' +
      'bare server can do with `ws.send`. confpush encodes each message once into a complete WebSocket frame and ' +
      'writes those bytes to the TCP socket, the frames of one event-loop run (one group commit) to one socket in one ' +
      '`writev` (README, "How it is built"). Frames per server CPU-second is the efficiency of the server process ' +
      'regardless of how the two cores were shared.',
  );
  parts.push('');
  parts.push('Sample frame:');
  parts.push('');
  parts.push('```json');
  parts.push(f.sampleFrame);
  parts.push('```');
  const has = (t: string): boolean => f.points.some((p) => p.target === t);
  const corked = has('bare-ws-corked');
  for (const layout of ['one', 'hundred'] as Layout[]) {
    parts.push('');
    parts.push(
      `**${LAYOUT[layout]}**${layout === 'hundred' ? ' (sockets spread evenly; every meeting changes once per round)' : ''}`,
    );
    parts.push('');
    const get = (n: number, t: string): FanoutPoint | undefined => fanoutPoint(f, layout, n, t);
    const cell = (p: FanoutPoint | undefined): string =>
      p?.failed ? `failed: ${p.failed}` : fmtSi(p?.framesPerSec ?? NaN);
    const ratioOf = (a: FanoutPoint | undefined, b: FanoutPoint | undefined): string =>
      `${((a?.framesPerSec ?? NaN) / (b?.framesPerSec ?? NaN)).toFixed(2)}×`;
    parts.push(
      table(
        [
          'sockets',
          'frames/socket',
          'confpush frames/s',
          'bare ws',
          ...(corked ? ['bare ws, corked'] : []),
          'Socket.IO',
          'confpush ÷ bare ws',
          ...(corked ? ['confpush ÷ corked'] : []),
          'confpush ÷ Socket.IO',
        ],
        f.sizes.map((n) => [
          fmtInt(n),
          String(get(n, 'confpush')?.rounds ?? ''),
          cell(get(n, 'confpush')),
          cell(get(n, 'bare-ws')),
          ...(corked ? [cell(get(n, 'bare-ws-corked'))] : []),
          cell(get(n, 'socketio')),
          `**${ratioOf(get(n, 'confpush'), get(n, 'bare-ws'))}**`,
          ...(corked ? [ratioOf(get(n, 'confpush'), get(n, 'bare-ws-corked'))] : []),
          `**${ratioOf(get(n, 'confpush'), get(n, 'socketio'))}**`,
        ]),
      ),
    );
    parts.push('');
    parts.push(
      "Server efficiency, frames per server CPU-second (in brackets the server's CPU use during the bursts, 1 = one core):",
    );
    parts.push('');
    const eff = (p: FanoutPoint | undefined): string =>
      p && !p.failed ? `${fmtSi(p.framesPerCpuSec)} (${p.serverCpu.toFixed(2)})` : '–';
    parts.push(
      table(
        [
          'sockets',
          'confpush',
          'bare ws',
          ...(corked ? ['bare ws, corked'] : []),
          'Socket.IO',
          'confpush ÷ bare ws',
        ],
        f.sizes.map((n) => [
          fmtInt(n),
          eff(get(n, 'confpush')),
          eff(get(n, 'bare-ws')),
          ...(corked ? [eff(get(n, 'bare-ws-corked'))] : []),
          eff(get(n, 'socketio')),
          `${((get(n, 'confpush')?.framesPerCpuSec ?? NaN) / (get(n, 'bare-ws')?.framesPerCpuSec ?? NaN)).toFixed(2)}×`,
        ]),
      ),
    );
  }
  if (f.rest.length) {
    parts.push('');
    parts.push(
      '**End-to-end, REST-driven** (a load process sends `PUT /v1/mmc/control/conferences/participants/hands` with ' +
        'the host token, 64 requests in flight; each request is one change; frames/s counted at the subscribers):',
    );
    parts.push('');
    parts.push(
      table(
        ['layout', 'sockets', 'requests', 'changes/s (REST)', 'frames/s delivered', 'failed'],
        f.rest.map((p) => [
          LAYOUT[p.layout],
          fmtInt(p.n),
          fmtInt(p.requests),
          fmtInt(p.changesPerSec),
          fmtSi(p.framesPerSec),
          p.failed,
        ]),
      ),
    );
  }
  return parts.join('\n');
}

function latencySection(l: LatencyResult): string {
  const parts: string[] = [];
  parts.push(
    `${fmtInt(l.subscribers)} subscribers over ${l.meetings} meetings (10 each, subscribed to every category); each rate ` +
      `runs ${l.seconds} s after a 1 s warm-up (excluded). Latency = frame arrival at the client − the change's ` +
      'intended time in the open-loop schedule (ms). A rate is *saturated* when the driver fell below 90 % of it, ' +
      'frames were still missing 10 s after the last change, p99 exceeded 1 s, or a socket was closed as slow.',
  );
  parts.push('');
  parts.push(
    table(
      [
        'driver',
        'offered/s',
        'achieved/s',
        'frames/s',
        'p50',
        'p90',
        'p99',
        'p99.9',
        'max',
        'REST p99',
        'max RSS',
        'max queued',
        'max loop delay',
        'commits',
        'commit p50 / p99 / max',
        'commits > 5 ms',
        'gaps',
        'saturated',
      ],
      l.points.map((p) => [
        p.driver,
        fmtInt(p.offered),
        fmtInt(p.achieved),
        fmtSi(p.framesPerSec),
        fmtMs(p.p50),
        fmtMs(p.p90),
        fmtMs(p.p99),
        fmtMs(p.p999),
        fmtMs(p.max),
        p.restP99 !== undefined ? fmtMs(p.restP99) : '',
        `${p.maxRssMiB.toFixed(0)} MiB`,
        fmtBytes(p.maxQueuedKiB * 1024),
        `${fmtMs(p.maxLoopDelayMs)} ms`,
        p.commits ? fmtInt(p.commits.count) : '',
        p.commits ? `${fmtMs(p.commits.p50)} / ${fmtMs(p.commits.p99)} / ${fmtMs(p.commits.max)} ms` : '',
        p.commits ? fmtInt(p.commits.slow) : '',
        String(p.gaps),
        p.saturated ? 'yes' : '',
      ]),
    ),
  );
  const o = l.overload;
  if (o) {
    parts.push('');
    parts.push(
      `**Overload** — ${fmtInt(o.subscribers)} subscribers of one meeting at ${fmtInt(o.offered)} changes/s for ${o.seconds} s ` +
        `(${fmtSi(o.subscribers * o.offered)} frames/s offered, beyond one core). Clients parse every frame and check ` +
        'that each incremental is the next sequence number or that a full message restarted the stream:',
    );
    parts.push('');
    parts.push(
      table(
        [
          'frames delivered',
          'max RSS',
          'RSS after',
          'max queued (all)',
          'max queued (one socket)',
          'collapses to full',
          'slow closes',
          'gaps',
          'at final seq',
          'open',
        ],
        [
          [
            fmtInt(o.deliveredFrames),
            `${o.maxRssMiB.toFixed(0)} MiB`,
            `${o.rssAfterMiB.toFixed(0)} MiB`,
            `${o.maxQueuedMiB.toFixed(1)} MiB`,
            `${fmtInt(o.maxQueuedPerSocketKiB)} KiB`,
            fmtInt(o.collapses),
            String(o.slowConsumerCloses),
            String(o.gaps),
            `${o.atFinalSeq} / ${o.subscribers}`,
            String(o.open),
          ],
        ],
      ),
    );
  }
  return parts.join('\n');
}

function memorySection(m: MemoryResult): string {
  const targets = ['confpush', 'bare-ws', 'socketio'];
  const get = (t: string, n: number) => m.points.find((p) => p.target === t && p.n === n);
  const rows = m.sizes.map((n, i) => {
    const c = get('confpush', n);
    const w = get('bare-ws', n);
    const marginal = (t: string): string => {
      const v = get(t, n)?.rssMarginal;
      return v === undefined ? '' : fmtBytes(v);
    };
    return [
      fmtInt(n),
      ...targets.map((t) => fmtBytes(get(t, n)?.heapExternalPerConn ?? NaN)),
      `**${((c?.heapExternalPerConn ?? NaN) / (w?.heapExternalPerConn ?? NaN)).toFixed(2)}×**`,
      ...targets.map((t) => fmtBytes(get(t, n)?.rssPerConn ?? NaN)),
      ...(i > 0 ? targets.map(marginal) : targets.map(() => '')),
      i > 0 ? `**${((c?.rssMarginal ?? NaN) / (w?.rssMarginal ?? NaN)).toFixed(2)}×**` : '',
    ];
  });
  return [
    'Per connection = (server memory with N idle sockets − the same process before they connected) ÷ N, each ' +
      'after four forced garbage collections (`--expose-gc`). Heap = V8 `heapUsed` + `external`, the stable measure. ' +
      'RSS from the baseline is distorted at small N (the first connections reuse pages that start-up garbage left ' +
      'resident, so it can even be negative); the marginal RSS between two sizes is the better RSS figure. Kernel ' +
      'socket buffers are not process memory and are not counted. Before the baseline every server is warmed up alike: ' +
      '500 sockets (confpush: subscribed) connect and close, so that code compiled and pools filled on the ' +
      'connection path are in the baseline and not counted as memory per connection.',
    '',
    table(
      [
        'connections',
        'confpush heap',
        'bare ws heap',
        'Socket.IO heap',
        'confpush ÷ ws (heap)',
        'confpush RSS',
        'bare ws RSS',
        'Socket.IO RSS',
        'confpush marginal RSS',
        'bare ws marginal',
        'Socket.IO marginal',
        'confpush ÷ ws (marginal RSS)',
      ],
      rows,
    ),
    '',
    `Baselines (no sockets): ${Object.entries(m.baseline)
      .map(([t, b]) => `${NAMES[t]} RSS ${fmtBytes(b.rss)}, heap ${fmtBytes(b.heapUsed)}`)
      .join('; ')}.`,
  ].join('\n');
}

function snapshotSection(s: SnapshotResult): string {
  const parts = [
    'Build and encode of one full message (`encodeFull`: `CategoryReplica.snapshot()` + JSON + one WebSocket frame) ' +
      'inside the server process, median of 21 runs (9 at 10,000) after 2 warm-up runs. Members = online participants ' +
      'and invited attendees each. The encoder keeps the JSON bytes of each committed list item while the item lives ' +
      '(items are immutable; a change replaces the object), so a full message copies the bytes of unchanged members: ' +
      '_warm_ is that usual case, _cold_ encodes the same state held in new objects, every item serialized (the first ' +
      'full message after a restart). The goal is judged on cold.',
    '',
    table(
      [
        'members',
        'ParticipantsNotify cold',
        'warm',
        'bytes',
        'AttendeesNotify cold',
        'warm',
        'bytes',
        'both, cold',
        'meeting set-up',
      ],
      s.points.map((p) => [
        fmtInt(p.members),
        `${fmtMs(worst(p.participants))} ms`,
        `${fmtMs(p.participants.medianMs)} ms`,
        fmtBytes(p.participants.bytes),
        `${fmtMs(worst(p.attendees))} ms`,
        `${fmtMs(p.attendees.medianMs)} ms`,
        fmtBytes(p.attendees.bytes),
        `${fmtMs(worst(p.participants) + worst(p.attendees))} ms`,
        `${(p.setupMs / 1000).toFixed(1)} s`,
      ]),
    ),
  ];
  if (s.storm) {
    const st = s.storm;
    parts.push('');
    parts.push(
      `**Subscribe storm**: ${fmtInt(st.subscribers)} connected sockets send Subscribe (${st.categories.join(', ')}) to one ` +
        `${fmtInt(st.members)}-member meeting at once. Full messages encoded by the hub during the storm: ` +
        `**${st.encodes}** (one per category) ${st.encodes === st.categories.length ? OK : MISS}; ` +
        `${fmtBytes(st.bytes)} delivered in ${(st.ms / 1000).toFixed(2)} s ` +
        `(${fmtBytes(st.bytes / (st.ms / 1000))}/s) until the last subscriber had both full messages.`,
    );
  }
  return parts.join('\n');
}

const percent = (share: number | undefined) => (share === undefined ? '—' : `${Math.round(share * 100)} %`);

function webhooksSection(w: WebhooksResult): string {
  const runs = [w, ...(w.inline ? [w.inline] : [])];
  return [
    `One node on SQLite (synchronous=${w.sync.toUpperCase()}) with enterprise event push enabled to a local HTTPS ` +
      `receiver answering 200 — in a worker thread of the bench process (its own event loop, as a real receiver ` +
      "is never in the node) and, for comparison with earlier runs, in the node's own thread. " +
      `${w.meetings} meetings in progress; ${w.perMeeting} ` +
      'participants join each one through the engine as fast as it takes them (one `meeting.join` per join). ' +
      "Time from the first commit to the last delivery; the receiver checks that each meeting's events arrive in order. " +
      'CPU: the process (node, receiver, joins) over that time, in % of one core.' +
      (w.repeats
        ? ` The worker-thread run was made ${w.repeats.length} times (${w.repeats.map(fmtInt).join(', ')} ` +
          'deliveries/s); the row is the median one.'
        : ''),
    '',
    table(
      [
        'receiver',
        'deliveries',
        'commits done after',
        'last delivery after',
        'deliveries/s',
        'CPU',
        'out of order',
        'repeated',
      ],
      runs.map((r) => [
        r.receiver === 'inline' ? "node's thread" : r.receiver === 'thread' ? 'worker thread' : '—',
        fmtInt(r.deliveries),
        `${fmtInt(r.committedMs)} ms`,
        `${fmtInt(r.ms)} ms`,
        fmtInt(r.deliveriesPerSecond),
        r.cpuPercent === undefined ? '—' : `${r.cpuPercent} %`,
        fmtInt(r.outOfOrder),
        fmtInt(r.duplicates ?? 0),
      ]),
    ),
    ...(w.push
      ? [
          '',
          'Socket-push latency of a subscriber of one more meeting (a mute toggle through the engine until its ' +
            'ParticipantsNotify frame arrives, one at a time, the WebSocket client in the same thread as the node). ' +
            'Judged: the same paced load of joins (100 meetings, ' +
            `${fmtInt(w.push.sustained?.rate ?? 0)} joins/s in all) first with no event push configured, then with ` +
            'every join delivered as a webhook; the ratio is with ÷ without. Also shown: during the throughput burst ' +
            'above (both cores saturated), while its joins are committed and while only delivering, against idle.' +
            (w.push.pooledRuns
              ? ` The worker-thread row pools the samples of its ${w.push.pooledRuns} runs.`
              : '') +
            " Event loop busy: the share of the phase the node's thread was not idle (a commit's fsync counts as busy).",
          '',
          table(
            [
              'receiver',
              'paced: without / with webhooks p50 / p99 (samples)',
              'paced p99 ratio',
              'event loop busy: without / with',
              'idle p50 / p99',
              'burst: committing / delivering p99',
              'burst p99 ratio',
            ],
            runs.flatMap((r) => {
              const p = r.push;
              if (!p) return [];
              const s = p.sustained;
              return [
                [
                  r.receiver === 'inline' ? "node's thread" : 'worker thread',
                  s
                    ? `${fmtMs(s.without.p50)} / ${fmtMs(s.without.p99)} ms → ${fmtMs(s.latency.p50)} / ` +
                      `${fmtMs(s.latency.p99)} ms (${fmtInt(s.latency.samples)})`
                    : '—',
                  s ? `**${fmtTimes(s.p99Ratio)}**` : '—',
                  s ? `${percent(s.withoutLoopUtilization)} / ${percent(s.loopUtilization)}` : '—',
                  `${fmtMs(p.idle.p50)} / ${fmtMs(p.idle.p99)} ms`,
                  `${fmtMs(p.committing.p99)} / ${fmtMs(p.delivering.p99)} ms (${fmtInt(p.delivering.samples)})`,
                  fmtTimes(p.p99Ratio),
                ],
              ];
            }),
          ),
        ]
      : []),
  ].join('\n');
}

function janusSection(j: JanusResult): string {
  const first = j.runs[0];
  return [
    'One node on SQLite with the Janus bridge on (no Janus: the events endpoint works without it). One meeting, ' +
      `${first?.participants ?? 0} participants joined through \`joined\` events; each round posts, per participant, ` +
      '`talking`, statistics of its publisher and of its subscriber handle, and `stopped-talking`, as one grouped ' +
      'post. Time from the first post to every event applied (each one a command through the engine).',
    '',
    table(
      ['handles named by', 'events', 'commands', 'time', 'events/s'],
      j.runs.map((r) => [
        r.opaque === 'pid' ? 'bare participant ID (node-local)' : 'opaque ID of the join call',
        fmtInt(r.events),
        fmtInt(r.commands),
        `${fmtInt(r.ms)} ms`,
        fmtInt(r.eventsPerSecond),
      ]),
    ),
  ].join('\n');
}

function durableSection(d: DurableResult): string {
  const redis = d.redis;
  const hasRedis = (redis?.points.length ?? 0) > 0;
  const levels = [...new Set([...d.points, ...(redis?.points ?? [])].map((p) => p.inFlight))].sort(
    (a, b) => a - b,
  );
  const get = (mode: string, n: number) => d.points.find((p) => p.syncMode === mode && p.inFlight === n);
  const getRedis = (n: number): DurableRate | undefined => redis?.points.find((p) => p.inFlight === n);
  const parts = [
    `A closed loop of *n* writers, each awaiting its change (a selfMute toggle, 100 meetings) before the next; ` +
      `${d.seconds} s per level, no subscribers. A change counts once its group commit returned. ` +
      `One 4 KiB write + fsync on this disk: median ${fmtMs(d.fsync.medianMs)} ms, p99 ${fmtMs(d.fsync.p99Ms)} ms.` +
      (hasRedis
        ? ' Redis: the same loop against a node in cluster mode (the `RedisStore` and cluster engine that ' +
          '`confpush serve --redis-url` runs; one node, its keys under a fresh prefix, deleted afterwards). A batch is ' +
          'one pipeline of `commit.lua` runs (one per change); a change counts once Redis answered its script.'
        : ''),
    '',
    table(
      [
        'in flight',
        'FULL changes/s',
        'commits/s',
        'changes/commit',
        'p50',
        'p99',
        'NORMAL changes/s',
        'commits/s',
        'p50',
        'p99',
        ...(hasRedis
          ? ['Redis changes/s', 'Redis commits/s', 'changes/commit', 'Redis p50', 'Redis p99', 'Redis ÷ FULL']
          : []),
      ],
      levels.map((n) => {
        const f = get('full', n);
        const o = get('normal', n);
        const r = getRedis(n);
        return [
          String(n),
          `**${fmtInt(f?.changesPerSec ?? NaN)}**`,
          fmtInt(f?.commitsPerSec ?? NaN),
          (f?.changesPerCommit ?? NaN).toFixed(1),
          `${fmtMs(f?.latencyP50Ms ?? NaN)} ms`,
          `${fmtMs(f?.latencyP99Ms ?? NaN)} ms`,
          fmtInt(o?.changesPerSec ?? NaN),
          fmtInt(o?.commitsPerSec ?? NaN),
          `${fmtMs(o?.latencyP50Ms ?? NaN)} ms`,
          `${fmtMs(o?.latencyP99Ms ?? NaN)} ms`,
          ...(hasRedis
            ? [
                `**${fmtInt(r?.changesPerSec ?? NaN)}**`,
                fmtInt(r?.commitsPerSec ?? NaN),
                (r?.changesPerCommit ?? NaN).toFixed(1),
                `${fmtMs(r?.latencyP50Ms ?? NaN)} ms`,
                `${fmtMs(r?.latencyP99Ms ?? NaN)} ms`,
                `${((r?.changesPerSec ?? NaN) / (f?.changesPerSec ?? NaN)).toFixed(2)}×`,
              ]
            : []),
        ];
      }),
    ),
    '',
  ];
  if (hasRedis && redis?.server) parts.push(describeRedis(redis.server));
  else if (redis?.skipped) parts.push(`Redis mode: not measured (${redis.skipped}).`);
  else parts.push('Redis mode: not measured in this run.');
  return parts.join('\n');
}

export function clusterSection(c: ClusterResult): string {
  const p = c.params;
  const ok = c.topologies.filter((t) => !t.failed && t.latency && t.throughput);
  const failed = c.topologies.filter((t) => t.failed);
  const ms = (v: number | undefined): string => `${fmtMs(v ?? NaN)} ms`;
  const byName = (store: string, nodes: number): ClusterTopology | undefined =>
    ok.find((t) => t.store === store && t.nodes === nodes);
  const parts = [
    `Real \`confpush serve\` processes: one node on the embedded SQLite store (\`synchronous=FULL\`), one node on ` +
      `Redis, and three nodes on one Redis. ${p.meetings} meetings with one participant each, ${p.subscribers} ` +
      'subscribers (ParticipantsNotify) per meeting spread round-robin over the nodes, each connected straight to ' +
      `its node. **Latency**: an open-loop stream of ${p.rate} renames/s (\`PUT …/participants/name\`) for ` +
      `${p.seconds} s, every one sent to node A; the time from sending the request to the frame at a subscriber on ` +
      'another node than A (on A when there is only one node), and the REST answer time. **Throughput**: ' +
      `${p.concurrency} closed-loop callers spreading renames over every node for ${p.seconds} s; renames answered ` +
      'and frames delivered per second, and the latency of the renames sent to node A meanwhile. With three nodes ' +
      'the callers change the same meetings through different nodes, so two nodes can change one meeting at once: ' +
      'the commit script then refuses the later entry and its node decides it again after a short random pause ' +
      '(docs/cluster.md, Guarantees). The nodes, Redis, ' +
      "and the callers and subscribers (in the runner process) all share the machine's cores, so three nodes here " +
      'measure the cost of the cluster path (Redis round trips, pub/sub to every node), not the capacity of three ' +
      'machines.',
    '',
    table(
      ['topology', 'latency samples', 'p50', 'p99', 'max', 'REST p50', 'REST p99'],
      ok.map((t) => [
        t.topology,
        fmtInt(t.latency!.samples),
        ms(t.latency!.p50),
        ms(t.latency!.p99),
        ms(t.latency!.max),
        ms(t.latency!.restP50),
        ms(t.latency!.restP99),
      ]),
    ),
    '',
    table(
      ['topology', 'renames/s', 'frames/s', 'latency p50 under load', '÷ SQLite 1 node'],
      ok.map((t) => [
        t.topology,
        `**${fmtInt(t.throughput!.renamesPerSec)}**`,
        fmtSi(t.throughput!.framesPerSec),
        ms(t.throughput!.p50),
        `${(t.throughput!.renamesPerSec / (byName('sqlite', 1)?.throughput?.renamesPerSec ?? NaN)).toFixed(2)}×`,
      ]),
    ),
  ];
  const one = byName('redis', 1);
  const three = byName('redis', 3);
  if (one && three)
    parts.push(
      '',
      `Three nodes ÷ one node on Redis: throughput ${(three.throughput!.renamesPerSec / one.throughput!.renamesPerSec).toFixed(2)}×, ` +
        `latency p50 ${(three.latency!.p50 / one.latency!.p50).toFixed(2)}× (cross-node).`,
    );
  for (const t of failed) parts.push('', `${t.topology}: failed (${t.failed}).`);
  parts.push('');
  if (c.redis) parts.push(describeRedis(c.redis));
  else if (c.redisSkipped) parts.push(`Redis topologies: not measured (${c.redisSkipped}).`);
  return parts.join('\n');
}

function resumeSection(r: ResumeResult): string {
  const med = (s: 'resume' | 'full', f: (x: ResumeResult['runs'][number]) => number): number =>
    median(r.runs.filter((x) => x.strategy === s).map(f));
  const res = { ms: med('resume', (x) => x.ms), bytes: med('resume', (x) => x.bytes) };
  const full = { ms: med('full', (x) => x.ms), bytes: med('full', (x) => x.bytes) };
  return [
    `One meeting of ${fmtInt(r.members)} members; ${fmtInt(r.runs[0]?.clients ?? 0)} clients subscribed to ` +
      `${r.categories.join(' and ')}. Outage: every socket dropped, ${r.changeRate} changes/s (mute and hand toggles) ` +
      `for ${r.outageSeconds} s, then every client reconnects at once (tokens fetched beforehand). Time = first ` +
      'reconnect → last client at the newest position of both streams. Strategies alternate, twice each.',
    '',
    table(
      [
        'strategy',
        'clients',
        'missed changes',
        'time',
        'bytes',
        'per client',
        'frames',
        'streams resumed',
        'server CPU',
      ],
      r.runs.map((x) => [
        x.strategy,
        fmtInt(x.clients),
        fmtInt(x.missedChanges),
        `${(x.ms / 1000).toFixed(2)} s`,
        fmtBytes(x.bytes),
        fmtBytes(x.bytes / x.clients),
        fmtInt(x.frames),
        fmtInt(x.resumedStreams),
        `${x.serverCpuSec.toFixed(2)} s`,
      ]),
    ),
    '',
    `Resume sends **${(full.bytes / res.bytes).toFixed(0)}× fewer bytes** and brings every client up to date ` +
      `**${(full.ms / res.ms).toFixed(1)}× faster** than full messages (medians).`,
  ].join('\n');
}

function relaySection(r: RelayResult): string {
  const { spread, oneMeeting } = relayLagRuns(r);
  const ms = (x: number) => `${fmtMs(x)} ms`;
  const row = (what: string, meetings: number, run: LagPercentiles & Partial<LagMeasurement>) => [
    what,
    fmtInt(meetings),
    run.subscribers === undefined ? '1 (the probe)' : fmtInt(run.subscribers),
    run.seconds === undefined ? fmtInt(r.rate) : `${fmtInt(run.rate ?? r.rate)} × ${run.seconds} s`,
    run.changes === undefined ? NA : fmtInt(run.changes),
    fmtInt(run.timed),
    ms(run.p50),
    ms(run.p99),
    ms(run.max),
  ];
  const rows = [
    ...(r.probeOnly ? [row('relay path alone', 1, r.probeOnly)] : []),
    ...(spread ? [row('**spread (DESIGN §7; judged)**', spread.meetings, spread)] : []),
    ...(oneMeeting ? [row('one meeting (worst case; not judged)', 1, oneMeeting)] : []),
  ];
  return [
    'An upstream confpush node playing Huawei in a process of its own; the relay node, following its meetings ' +
      'through a TCP proxy, in the runner process with the probes — a subscriber of the upstream per meeting (what ' +
      'the relay receives) and one of the relay per meeting; the WebSocket subscribers of the relay in the ' +
      `load-generator processes. The upstream renames participants at ${fmtInt(r.rate)} changes/s in total, ` +
      "every name unique; lag = a relay probe's receipt of a name − the upstream " +
      "probe's receipt of it (both on loopback; it includes the relay's durable commit, SQLite synchronous=FULL, and " +
      'the whole fan-out of the meeting: each relay probe subscribed after the other subscribers of its meeting, and ' +
      'it shares the relay\'s event loop). Rows: "relay path alone" — one meeting, the probe its only subscriber; ' +
      '"spread" — DESIGN §7\'s latency workload, on which the goal is judged: the subscribers spread evenly over ' +
      'the meetings, the changes round robin over them (about 10,000 frames/s leave the relay at full size), ' +
      'timed after 2 s of the same changes that are not (the steady state is judged, not the first moments after ' +
      'a thousand subscriptions were made); the relay discovers meetings at its default poll interval and is asked ' +
      'for a discovery pass after meetings are added upstream; ' +
      '"one meeting" — every subscriber on one meeting at the same rate, a frame per change to each: at 1,000 ' +
      'subscribers a million frames/s, beyond what one core can write (DESIGN §7), so it is reported as the worst ' +
      'case and not judged. A name overwritten upstream before the relay decided its change is never sent ' +
      'downstream (subscribers get the newest state), so not every change is timed. Cut (after the one-meeting row, ' +
      'the relay following that meeting only, its subscribers connected): the proxy resets the upstream connection, ' +
      '20 more changes are made upstream, and the time runs until a relay subscriber has seen the last one ' +
      '(backoff, reconnect, full messages, diff, commit). `bench/relay.ts`.' +
      (r.harnessGc === 'single-threaded'
        ? " The upstream and the load generators stand for other machines and run with V8's " +
          '`--single-threaded-gc`, so that a collection of theirs takes one of the shared cores at most (with ' +
          "V8's parallel helpers the upstream's mark-compact took both, stalling the relay and then sending it a " +
          "burst); the relay runs with Node's defaults."
        : ''),
    '',
    table(
      ['lag', 'meetings', 'subscribers', 'changes/s × time', 'changes', 'timed', 'p50', 'p99', 'max'],
      rows,
    ),
    '',
    `Upstream cut → downstream equal again: ${r.cutMs.map(ms).join(', ')} (first reconnect backoff ≤ ` +
      `${ms(r.backoffMs)}).`,
    ...(r.relayWindow ? ['', relayWindowText(r.relayWindow)] : []),
  ].join('\n');
}

/** The spread window as the relay measured it itself, and how busy its process was. */
function relayWindowText(w: RelayWindow): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  return [
    "The spread window as the relay measures it itself — the issue's definition of the lag it adds: an upstream " +
      "frame received (read from the relay's upstream socket) → its change committed durably and written to " +
      'every downstream socket of its meeting, per upstream step, from `confpush_relay_commit_lag_seconds{from="relay"}` ' +
      '(docs/relay.md, "Operations"; a step in a commit with others counts with the oldest one\'s time). The ' +
      'shares are exact at each bucket bound; p50 and p99 are given as the bound they fall under. The process: ' +
      'the relay with the probes and the fault proxy, on the same 2 cores as the upstream and the load generators.',
    '',
    table(
      ['steps', ...w.within.map((b) => `≤ ${fmtMs(b.ms)} ms`), 'p50', 'p99'],
      [
        [
          fmtInt(w.steps),
          ...w.within.map((b) => pct(b.share)),
          `≤ ${fmtMs(w.p50AtMostMs)} ms`,
          `≤ ${fmtMs(w.p99AtMostMs)} ms`,
        ],
      ],
    ),
    '',
    `Its process over the window: event loop busy ${(w.loopBusy * 100).toFixed(0)} %, a 1 ms timer late by p99 ` +
      `${fmtMs(w.loopDelayP99Ms)} ms and max ${fmtMs(w.loopDelayMaxMs)} ms, ${fmtMs(w.cpuMsPerChange)} ms of CPU ` +
      `per change, ${fmtInt(w.commitsPerSecond)} store commits/s.`,
  ].join('\n');
}

function profilesSection(profiles: ProfileEntry[]): string {
  const parts: string[] = [];
  for (const p of profiles) {
    parts.push(
      `**${p.label}** — ${p.what}: ${(p.summary.busyMs / 1000).toFixed(2)} s on CPU in the measured windows.`,
    );
    parts.push('');
    parts.push(
      table(
        ['self', 'share', 'function', 'where'],
        p.summary.functions
          .slice(0, 12)
          .map((r) => [
            `${r.selfMs.toFixed(0)} ms`,
            `${(r.share * 100).toFixed(1)} %`,
            `\`${r.name}\``,
            r.where,
          ]),
        ['r', 'r', 'l', 'l'],
      ),
    );
    parts.push('');
  }
  return parts.join('\n');
}

export function render(r: Results, previous: string | undefined): string {
  const m = r.meta;
  const analysisMatch = previous?.match(
    new RegExp(`${escapeRe(ANALYSIS_START)}([\\s\\S]*?)${escapeRe(ANALYSIS_END)}`),
  );
  const analysis = analysisMatch?.[1]?.trim() ?? '_No analysis written yet._';
  const gs = goals(r);
  const sec = (name: BenchName): string => {
    const s = r.sections[name];
    if (!s) return '';
    return (
      `<sub>Measured ${s.date.slice(0, 16).replace('T', ' ')} UTC${s.quick ? ' (**--quick**: small sizes)' : ''}, ` +
      `${s.seconds.toFixed(0)} s, load average ${s.loadBefore.map((x) => x.toFixed(1)).join('/')} before, ` +
      `${s.loadAfter.map((x) => x.toFixed(1)).join('/')} after, at ${s.git}${s.cpu ? `, on ${s.cpu}` : ''}.</sub>`
    );
  };
  const out: string[] = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(
    'Generated by `npm run bench` (`bench/run.ts`; `confpush bench` runs the same). Every number below was measured ' +
      'side by side in one run on one machine; ratios compare servers measured in the same run. Benchmarks are ' +
      'scripts, never timed assertions in tests. The raw numbers are in `docs/benchmarks.json`.',
  );
  out.push('');
  out.push('![confpush benchmarks](benchmarks.png)');
  out.push('');
  out.push('## Goals');
  out.push('');
  out.push(
    table(
      ['goal', 'measured', ''],
      gs.map((g) => [g.goal, g.measured, status(g.ok)]),
      ['l', 'l', 'l'],
    ),
  );
  out.push('');
  out.push('## Analysis');
  out.push('');
  out.push(ANALYSIS_START);
  out.push('');
  out.push(analysis);
  out.push('');
  out.push(ANALYSIS_END);
  out.push('');
  out.push('## Machine, versions, method');
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['CPU', `${m.machine.cpu}, ${m.machine.cores} cores`],
        ['memory', `${m.machine.memGiB.toFixed(0)} GiB`],
        ['OS', `${m.machine.os}, kernel ${m.machine.kernel}`],
        [
          'versions',
          Object.entries(m.versions)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
        ['code', m.git],
        [
          'open files',
          `asked for ${m.nofileWanted} per process (\`ulimit -n\` in the spawning shell); the limit that applied: ${[...new Set(m.nofile)].join(', ')} (the hard limit of this environment)`,
        ],
        [
          'CPU placement',
          m.cpus === 'shared'
            ? `not pinned: the server under test and its ${m.clientProcesses} load-generator processes share both cores (the OS schedules them)`
            : `server pinned to CPU 0, the ${m.clientProcesses} load-generator processes to CPU 1 (taskset)`,
        ],
        ['run', `\`${m.command}\` on ${m.date.slice(0, 16).replace('T', ' ')} UTC`],
      ],
      ['l', 'l'],
    ),
  );
  out.push('');
  out.push(
    [
      '- **Processes.** The orchestrator (`bench/run.ts`) starts every server under test in its own Node process ' +
        '(`bench/servers/`: `confpush.ts` — a real `ConfpushNode` on SQLite with `syncMode: "full"` (on Redis for the ' +
        'Redis mode of section 5) plus an in-process ' +
        'media-plane harness; `bare-ws.ts`; `socketio.ts`) and the clients in separate load-generator processes ' +
        `(\`bench/load/\`; ${m.clientProcesses} per server, each holding half of the sockets; \`rest-driver.ts\` for REST ` +
        'load). They talk over the Node IPC channel; nothing is measured across it. The cluster benchmark (section 7) ' +
        'starts `confpush serve` processes itself and drives them over REST and WebSocket from the runner process. ' +
        'The relay benchmark (section 8) runs the relay node and its probes in the runner process, its upstream in ' +
        '`bench/servers/relay-upstream.ts`, and its subscribers in the load-generator processes.',
      '- **Cores.** The machine has ' +
        `${m.machine.cores} cores, shared by the server under test and the load generators (and by whatever else ` +
        'runs on the machine — the load averages next to each section show it). Each server is one Node process, ' +
        'so it can use about one core; the clients use the rest. Throughput ratios are therefore conservative for ' +
        'every server alike, and frames per server CPU-second is reported next to frames per second.',
      '- **Fairness.** Same number of sockets; the same frame bytes (one real incremental ParticipantsNotify frame ' +
        'taken from confpush is what the bare ws and Socket.IO servers send); the same client implementation counting ' +
        'frames (raw `ws` clients for ws and confpush, `socket.io-client` with the websocket transport only for ' +
        'Socket.IO); the three servers hold their sockets at the same time and their bursts are interleaved, median of 3.',
      '- **confpush load** goes through the real engine: the harness calls `node.engine.execute(confId, { type: ' +
        "'selfMute', … })`, so every frame took the path decide → group commit (SQLite, synchronous=FULL) → hub → " +
        'sessions → socket. The REST-driven rate is reported separately.',
      '- **Clocks.** Latency compares `process.hrtime` (CLOCK_MONOTONIC, shared by all processes of the machine) ' +
        'across processes.',
      '- **Redis** (the Redis mode of section 5, section 7): the Redis named by `CONFPUSH_BENCH_REDIS_URL` when set; ' +
        'otherwise the local Redis on port 6379 if it already persists every write (`appendonly yes`, `appendfsync ' +
        'always`: what docs/cluster.md requires for "durable before visible"), else a dedicated `redis-server` ' +
        'started with those settings in a temporary directory and stopped afterwards. No Redis configuration is ' +
        'changed; every key goes under a fresh prefix and is deleted afterwards. Each section states the ' +
        'persistence settings that applied, read with `CONFIG GET`.',
    ].join('\n'),
  );
  out.push('');
  out.push('Commands:');
  out.push('');
  out.push('```sh');
  out.push(
    'npm run bench                          # everything at full size, writes docs/benchmarks.{md,json,png}',
  );
  out.push('npm run bench -- --quick               # smoke run with small sizes (a couple of minutes)');
  out.push('npm run bench -- --only fanout,latency # some benchmarks; the others keep their last results');
  out.push(
    'npm run bench -- --cpu-prof            # also profile every confpush server process (--cpu-prof)',
  );
  out.push('npm run bench -- --only cluster        # one node vs three on Redis (section 7)');
  out.push('npm run bench -- --quick --only durable,cluster --no-write  # print the report, write nothing');
  out.push(
    'CONFPUSH_BENCH_REDIS_URL=redis://host:6379 npm run bench -- --only durable,cluster  # on that Redis',
  );
  out.push('npx tsx bench/cluster.ts --quick       # the cluster benchmark alone; prints its section');
  out.push(
    'npm run bench -- --only relay          # the relay (section 8); alone: node --conditions=source --import tsx bench/relay.ts',
  );
  out.push(
    'node --import tsx bench/loopback-writes.ts  # plain net writes to 1,000 loopback sockets (the fan-out floor)',
  );
  out.push('npm run confpush -- bench --quick      # the same runner through the CLI');
  out.push('```');
  const bodies: [BenchName, string, () => string][] = [
    ['fanout', '1. Fan-out throughput', () => fanoutSection(r.fanout!)],
    ['latency', '2. Latency', () => latencySection(r.latency!)],
    ['memory', '3. Memory per idle subscribed connection', () => memorySection(r.memory!)],
    ['snapshot', '4. Snapshots and the subscribe storm', () => snapshotSection(r.snapshot!)],
    ['durable', '5. Durable write rate', () => durableSection(r.durable!)],
    ['resume', '6. Resume vs rebuild', () => resumeSection(r.resume!)],
    ['cluster', '7. Cluster: one node vs three on Redis', () => clusterSection(r.cluster!)],
    ['relay', '8. Relay in front of an upstream', () => relaySection(r.relay!)],
    ['webhooks', '9. Webhook deliveries', () => webhooksSection(r.webhooks!)],
    ['janus', '10. Janus events', () => janusSection(r.janus!)],
  ];
  for (const [name, title, body] of bodies) {
    out.push('');
    out.push(`## ${title}`);
    out.push('');
    if (!r[name]) {
      out.push('_Not measured yet._');
      continue;
    }
    out.push(body());
    out.push('');
    out.push(sec(name));
  }
  if (r.profiles?.length) {
    out.push('');
    out.push('## CPU profiles');
    out.push('');
    out.push(
      'Self time of the confpush server process (`node --cpu-prof`), restricted to the measured windows (start-up and ' +
        'connection set-up excluded), from a separate profiled run (`npm run bench -- --cpu-prof`) whose numbers are ' +
        'not used in the tables above. Native rows are time in C++ and the kernel: `writev` is the socket write ' +
        'syscall, `sqliteTransaction` the SQLite commit (including its fsync).',
    );
    out.push('');
    out.push(profilesSection(r.profiles));
  }
  return out.join('\n') + '\n';
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
