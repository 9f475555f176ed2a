/**
 * The background events of a planned pass (talking, muting, hands, network, captions, sharing, camera): each one
 * chosen by weight among the sites online, and valid for the planner's model of the meeting at its time.
 */
import type { NetReport, Step } from './plan.js';
import type { SiteModel } from './plan-sites.js';
import type { Prng } from './prng.js';

const PHRASES = [
  'Good morning, everyone.',
  'Can you hear me?',
  'Let us start with the agenda.',
  'The release is on track for Friday.',
  'I will share my screen now.',
  '我们先看一下上周的数据。',
  '这个问题我稍后跟进。',
  'Any questions so far?',
  'Sorry, my connection is unstable.',
  'Next slide, please.',
  'Let us take this offline.',
  'Thanks, that is all from me.',
];

type EventKind = 'volumes' | 'mute' | 'hand' | 'netQuality' | 'caption' | 'share' | 'camera';

const EVENT_WEIGHTS: readonly (readonly [EventKind, number])[] = [
  ['volumes', 35],
  ['mute', 12],
  ['hand', 10],
  ['netQuality', 15],
  ['caption', 12],
  ['share', 8],
  ['camera', 8],
];

export function eventStep(rng: Prng, at: number, online: SiteModel[], captionsAt: number): Step | undefined {
  const kind = rng.weighted(EVENT_WEIGHTS);
  switch (kind) {
    case 'volumes': {
      const speakers = rng.sample(online, rng.int(1, Math.min(3, online.length)));
      return {
        at,
        kind,
        samples: speakers.map((s) => ({ site: s.plan.site, volume: rng.int(15, 100) })),
      };
    }
    case 'mute': {
      const s = rng.pick(online);
      s.muted = !s.muted;
      return { at, kind, site: s.plan.site, mute: s.muted };
    }
    case 'hand': {
      const s = rng.pick(online);
      s.hand = !s.hand;
      return { at, kind, site: s.plan.site, raised: s.hand };
    }
    case 'netQuality': {
      const reporting = rng.sample(online, rng.int(1, Math.min(3, online.length)));
      return { at, kind, reports: reporting.map((s) => netReport(rng, s)) };
    }
    case 'caption': {
      const s = rng.pick(online);
      const text = rng.pick(PHRASES);
      const beginTime = Math.max(0, at - captionsAt);
      return {
        at,
        kind,
        site: s.plan.site,
        text,
        lang: rng.weighted([
          ['Mandarin', 2],
          ['English', 2],
          ['Original', 1],
        ] as const),
        isFinal: rng.chance(0.7),
        beginTime,
        endTime: beginTime + 400 + text.length * 60,
      };
    }
    case 'share': {
      const sharer = online.find((s) => s.sharing);
      if (sharer) {
        sharer.sharing = false;
        return { at, kind, site: sharer.plan.site, sharing: false };
      }
      const s = rng.pick(online);
      s.sharing = true;
      return { at, kind, site: s.plan.site, sharing: true };
    }
    case 'camera': {
      const withVideo = online.filter((s) => s.plan.video);
      if (withVideo.length === 0) return undefined;
      const s = rng.pick(withVideo);
      s.camera = !s.camera;
      return { at, kind, site: s.plan.site, on: s.camera };
    }
  }
}

/** A network report; a site's network may start degrading, get worse, or recover. */
function netReport(rng: Prng, s: SiteModel): NetReport {
  if (s.degraded === 0) {
    if (rng.chance(0.15)) s.degraded = 1;
  } else if (rng.chance(0.2)) {
    s.degraded = 0;
  } else {
    s.degraded = Math.min(5, s.degraded + 1);
  }
  const g = s.degraded;
  const loss = () => (g === 0 ? rng.int(0, 40) : rng.int(250 * g, 400 * g));
  return {
    site: s.plan.site,
    delay: g === 0 ? rng.int(15, 80) : rng.int(120 + 80 * g, 200 + 100 * g),
    jitter: g === 0 ? rng.int(0, 8) : rng.int(10 * g, 30 * g),
    outJitter: g === 0 ? rng.int(0, 8) : rng.int(10 * g, 30 * g),
    lostPacketRate: loss(),
    audioOutLossPacketRate: loss(),
    videoInLossPacketRate: loss(),
    videoOutLossPacketRate: loss(),
    fluxIn: rng.int(1, 6),
    fluxOut: rng.int(1, 6),
    bandwidth: g === 0 ? 61440 : Math.round(61440 / (g + 1)),
  };
}
