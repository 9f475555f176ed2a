/**
 * Janus's media statistics (event type 32) of a participant's audio, as a `netQuality` report. A participant has one
 * publisher handle (Janus receives its audio: uplink jitter and loss, but `rtt` 0) and, when its page subscribes to
 * others, subscriber handles (Janus sends: the round-trip time and what the browser reports of the downlink). Each
 * event sets only what its handle measures; the other figures are kept from the participant's committed report.
 */
import type { Item } from '@confpush/protocol';
import type { NetQualityInput } from '../domain/commands.js';

type Json = Record<string, unknown>;

/** Report fields the bridge measures, with the `NetConditionNotifyDTO` field each one is pushed as. */
const KEPT = [
  'delay',
  'jitter',
  'outJitter',
  'lostPacketRate',
  'audioOutLossPacketRate',
  'videoInLossPacketRate',
  'videoOutLossPacketRate',
  'fluxIn',
  'fluxOut',
  'videoFluxIn',
  'videoFluxOut',
] as const;

/** A subscriber handle sends media and receives none; a publisher handle the other way round. */
export function isSubscriberStats(body: Json): boolean {
  const sent = count(body, 'packets-sent') ?? 0;
  const received = count(body, 'packets-received') ?? 0;
  return sent > 0 && received === 0;
}

function count(body: Json, key: string): number | undefined {
  const v = body[key];
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : undefined;
}

/** Loss in 0.01 % (Huawei's unit), at most 10,000. */
const lossRate = (lost: number, total: number) =>
  total > 0 ? Math.min(10_000, Math.round((lost * 10_000) / total)) : 0;

/**
 * The report of `pid` after this statistics event; `current` is its committed `NetConditionNotify` item, `handle`
 * the kind of handle when its opaque ID says it (else it is told by the packets).
 */
export function netReportOf(
  pid: string,
  body: Json,
  current: Item | undefined,
  handle?: 'publisher' | 'subscriber',
): NetQualityInput {
  const report: NetQualityInput = { pid, audioCodecType: 'OPUS' };
  for (const key of KEPT) {
    const held = Number(current?.[key]);
    if (current?.[key] !== undefined && Number.isFinite(held)) report[key] = held;
  }
  if ((handle ?? (isSubscriberStats(body) ? 'subscriber' : 'publisher')) === 'subscriber') {
    const rtt = count(body, 'rtt');
    if (rtt !== undefined && rtt > 0) report.delay = rtt;
    const jitter = count(body, 'jitter-remote');
    if (jitter !== undefined) report.outJitter = jitter;
    const lostByRemote = count(body, 'lost-by-remote');
    if (lostByRemote !== undefined)
      report.audioOutLossPacketRate = lossRate(lostByRemote, count(body, 'packets-sent') ?? 0);
    return report;
  }
  const rtt = count(body, 'rtt');
  if (rtt !== undefined && rtt > 0) report.delay = rtt;
  const jitter = count(body, 'jitter-local');
  if (jitter !== undefined) report.jitter = jitter;
  const lost = count(body, 'lost') ?? 0;
  report.lostPacketRate = lossRate(lost, (count(body, 'packets-received') ?? 0) + lost);
  return report;
}
