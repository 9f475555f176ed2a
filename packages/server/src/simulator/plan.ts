/**
 * The scenario planner: from a seed and a few parameters, the exact list of timed steps a scenario run performs.
 * Pure and deterministic — the same seed and parameters give the same plan, on every machine — and valid by
 * construction: the planner keeps a model of the meeting (who is in, waiting, muted, sharing, on a bad network)
 * and only plans steps that make sense at their time, so a run against a fresh meeting changes exactly what the
 * plan says.
 *
 * Sites are numbered: site 0 is the host (joins first with the host password, leaves last); the others join by
 * themselves, through the waiting room (admitted by the host, or giving up), or are invited (numbers ending in
 * `0000` are planned to fail, matching the server's default `calleeFailPattern`).
 */
import { LEAVE_REASONS, type LeaveReason, type LoginType } from '@confpush/protocol';
import { Prng } from './prng.js';

export interface PlanParams {
  /** Sites taking part, the host included (1–500). */
  participants: number;
  /** Length of one pass, ms (1,000–86,400,000). The host leaves at this time. */
  durationMs: number;
  /** Background events (talking, muting, hands, network, captions, sharing, camera) per second (0–1,000). */
  rate: number;
}

export type SiteKind = 'host' | 'direct' | 'waiting' | 'invited';

export interface NetReport {
  site: number;
  delay: number;
  jitter: number;
  outJitter: number;
  lostPacketRate: number;
  audioOutLossPacketRate: number;
  videoInLossPacketRate: number;
  videoOutLossPacketRate: number;
  fluxIn: number;
  fluxOut: number;
  bandwidth: number;
}

interface At {
  /** ms from the start of the pass. */
  at: number;
}

export type Step = At &
  (
    | {
        kind: 'join';
        site: number;
        name: string;
        tel: string;
        role: 0 | 1;
        loginType: LoginType;
        video: boolean;
        camera: boolean;
        viaWaitingRoom: boolean;
      }
    /** Switch live captions on (a `ConfControl` REALTIMESUBTITLE frame on the push socket). */
    | { kind: 'captions' }
    /** The host admits a waiting-room member. */
    | { kind: 'admit'; site: number }
    /** The host invites a number; `outcome` is what the plan expects the callee to do. */
    | { kind: 'invite'; site: number; name: string; phone: string; outcome: 'answer' | 'fail' }
    | { kind: 'leave'; site: number; reason: LeaveReason }
    /** The host removes invited numbers from the attendee list (so repeated passes do not grow it). */
    | { kind: 'removeAttendees'; phones: string[] }
    | { kind: 'volumes'; samples: { site: number; volume: number }[] }
    | { kind: 'mute'; site: number; mute: boolean }
    | { kind: 'hand'; site: number; raised: boolean }
    | { kind: 'netQuality'; reports: NetReport[] }
    | {
        kind: 'caption';
        site: number;
        text: string;
        lang: 'Original' | 'Mandarin' | 'English';
        isFinal: boolean;
        beginTime: number;
        endTime: number;
      }
    | { kind: 'share'; site: number; sharing: boolean }
    | { kind: 'camera'; site: number; on: boolean }
  );

export type StepKind = Step['kind'];

export const PLAN_LIMITS = {
  participants: { min: 1, max: 500 },
  durationMs: { min: 1000, max: 86_400_000 },
  rate: { min: 0, max: 1000 },
} as const;

const NAMES = [
  'Alice',
  'Bob',
  '张三',
  'Carla',
  'Dmitri',
  '李四',
  'Emeka',
  'Fatima',
  'Gustavo',
  '王五',
  'Hana',
  'Ivan',
  'Julia',
  'Kenji',
  'Leila',
  'Mateo',
  'Nadia',
  'Oskar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tomás',
  'Ursula',
];

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

const LOGIN_TYPES: readonly (readonly [LoginType, number])[] = [
  ['Desktop', 6],
  ['Mobile', 3],
  ['Pad', 1],
  ['OtherType', 1],
];

const NETWORK_LEAVES: readonly LeaveReason[] = [
  LEAVE_REASONS.MCU_NO_MEDIA,
  LEAVE_REASONS.SITE_NO_MEDIA,
  LEAVE_REASONS.WEBSOCKET_TIMEOUT,
];

const ORDINARY_LEAVES: readonly (readonly [LeaveReason, number])[] = [
  [LEAVE_REASONS.LEFT_BY_ITSELF, 14],
  [LEAVE_REASONS.HUNG_UP_BY_HOST, 2],
  [LEAVE_REASONS.HUNG_UP_BY_PORTAL, 2],
  [LEAVE_REASONS.SIP_TIMEOUT, 1],
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

interface SitePlan {
  site: number;
  kind: SiteKind;
  name: string;
  tel: string;
  joinAt: number;
  /** Waiting-room members: when the host admits them (or they give up). */
  admitAt: number;
  givesUp: boolean;
  leaveAt: number;
  outcome: 'answer' | 'fail';
  loginType: LoginType;
  video: boolean;
  camera: boolean;
}

/** What the planner believes about a site at the current point of the walk. */
interface SiteModel {
  plan: SitePlan;
  /** In the meeting (joined, or admitted) and driven by the scenario. */
  online: boolean;
  muted: boolean;
  hand: boolean;
  sharing: boolean;
  camera: boolean;
  /** 0 healthy; 1–5 worsening network. */
  degraded: number;
}

/** Checks the parameters; throws a RangeError naming the first bad one. */
export function checkPlanParams(params: PlanParams): void {
  for (const key of ['participants', 'durationMs', 'rate'] as const) {
    const value = params[key];
    const { min, max } = PLAN_LIMITS[key];
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new RangeError(`${key} must be between ${min} and ${max} (got ${String(value)})`);
    }
    if (key !== 'rate' && !Number.isInteger(value)) throw new RangeError(`${key} must be an integer`);
  }
}

/** The phone number a site uses: fixed per site, so repeated passes reuse the same invitation-result keys. */
export function siteNumber(site: number, kind: SiteKind, outcome: 'answer' | 'fail' = 'answer'): string {
  const id = String(site).padStart(4, '0');
  if (kind !== 'invited') return `+99100${id}${kind === 'host' ? '0001' : '0002'}`;
  return `+99200${id}${outcome === 'fail' ? '0000' : '1000'}`;
}

function siteName(site: number, offset: number): string {
  if (site === 0) return 'Host';
  const i = site - 1 + offset;
  const base = NAMES[i % NAMES.length]!;
  const round = Math.floor((site - 1) / NAMES.length);
  return round === 0 ? base : `${base} ${round + 1}`;
}

function planSites(rng: Prng, params: PlanParams): SitePlan[] {
  const d = params.durationMs;
  const offset = rng.int(0, NAMES.length - 1);
  // With four or more sites, each way of arriving occurs at least once.
  const guaranteed = rng.sample<SiteKind>(['direct', 'waiting', 'invited'], 3);
  const sites: SitePlan[] = [];
  for (let site = 0; site < params.participants; site++) {
    const kind: SiteKind =
      site === 0
        ? 'host'
        : site <= 3 && params.participants >= 4
          ? guaranteed[site - 1]!
          : rng.weighted<SiteKind>([
              ['direct', 5],
              ['waiting', 3],
              ['invited', 2],
            ]);
    const joinAt = site === 0 ? 0 : Math.max(1, Math.round(d * 0.35 * rng.next()));
    const admitAt = Math.min(Math.round(d * 0.5), joinAt + Math.round(d * (0.03 + 0.07 * rng.next())));
    const givesUp = kind === 'waiting' && rng.chance(0.15);
    const leaveAt = site === 0 ? d : Math.round(d * (0.6 + 0.32 * rng.next()));
    const outcome = kind === 'invited' && rng.chance(0.3) ? 'fail' : 'answer';
    const video = rng.chance(0.85);
    sites.push({
      site,
      kind,
      name: siteName(site, offset),
      tel: siteNumber(site, kind, outcome),
      joinAt,
      admitAt,
      givesUp,
      leaveAt,
      outcome,
      loginType: site === 0 ? 'Desktop' : rng.weighted(LOGIN_TYPES),
      video,
      camera: video && rng.chance(0.7),
    });
  }
  return sites;
}

/** Structural moments of the pass, in the order they happen. */
type Moment =
  | { at: number; order: number; what: 'captions' }
  | { at: number; order: number; what: 'join' | 'admit' | 'giveUp' | 'invite' | 'leave'; site: SitePlan }
  | { at: number; order: number; what: 'removeAttendees' };

function moments(sites: readonly SitePlan[], d: number): Moment[] {
  const list: Moment[] = [];
  let order = 0;
  for (const s of sites) {
    if (s.kind === 'invited') list.push({ at: s.joinAt, order: order++, what: 'invite', site: s });
    else list.push({ at: s.joinAt, order: order++, what: 'join', site: s });
    if (s.site === 0) list.push({ at: 0, order: order++, what: 'captions' });
    if (s.kind === 'waiting') {
      list.push({ at: s.admitAt, order: order++, what: s.givesUp ? 'giveUp' : 'admit', site: s });
    }
    const leaves = !(s.kind === 'waiting' && s.givesUp) && !(s.kind === 'invited' && s.outcome === 'fail');
    if (leaves) list.push({ at: s.leaveAt, order: order++, what: 'leave', site: s });
  }
  if (sites.some((s) => s.kind === 'invited')) list.push({ at: d, order: order++, what: 'removeAttendees' });
  return list.sort((a, b) => a.at - b.at || a.order - b.order);
}

/** The steps of one pass. Pure: depends on nothing but its arguments. */
export function plan(seed: number, params: PlanParams): Step[] {
  checkPlanParams(params);
  const rng = new Prng(seed);
  const d = params.durationMs;
  const sites = planSites(rng, params);
  const structural = moments(sites, d);
  const eventCount = Math.floor((params.rate * d) / 1000);
  const eventTimes: number[] = [];
  for (let i = 0; i < eventCount; i++) eventTimes.push(Math.round(d * (0.02 + 0.96 * rng.next())));
  eventTimes.sort((a, b) => a - b);

  const models = new Map<number, SiteModel>();
  const steps: Step[] = [];
  let captionsAt = 0;
  let m = 0;
  let e = 0;
  while (m < structural.length || e < eventTimes.length) {
    const moment = structural[m];
    const eventAt = eventTimes[e];
    if (moment && (eventAt === undefined || moment.at <= eventAt)) {
      m++;
      const step = structuralStep(rng, moment, models, sites);
      if (step) steps.push(step);
      if (moment.what === 'captions') captionsAt = moment.at;
    } else if (eventAt !== undefined) {
      e++;
      const online = [...models.values()].filter((s) => s.online);
      if (online.length === 0) continue;
      const step = eventStep(rng, eventAt, online, captionsAt);
      if (step) steps.push(step);
    }
  }
  return steps;
}

function structuralStep(
  rng: Prng,
  moment: Moment,
  models: Map<number, SiteModel>,
  sites: readonly SitePlan[],
): Step | undefined {
  const { at } = moment;
  switch (moment.what) {
    case 'captions':
      return { at, kind: 'captions' };
    case 'removeAttendees':
      return {
        at,
        kind: 'removeAttendees',
        phones: sites.filter((s) => s.kind === 'invited').map((s) => s.tel),
      };
    case 'join': {
      const s = moment.site;
      models.set(s.site, {
        plan: s,
        online: s.kind !== 'waiting',
        muted: false,
        hand: false,
        sharing: false,
        camera: s.camera,
        degraded: 0,
      });
      return {
        at,
        kind: 'join',
        site: s.site,
        name: s.name,
        tel: s.tel,
        role: s.kind === 'host' ? 1 : 0,
        loginType: s.loginType,
        video: s.video,
        camera: s.camera,
        viaWaitingRoom: s.kind === 'waiting',
      };
    }
    case 'admit': {
      const model = models.get(moment.site.site);
      if (model) model.online = true;
      return { at, kind: 'admit', site: moment.site.site };
    }
    case 'giveUp':
      models.delete(moment.site.site);
      return { at, kind: 'leave', site: moment.site.site, reason: LEAVE_REASONS.LEFT_BY_ITSELF };
    case 'invite': {
      const s = moment.site;
      return { at, kind: 'invite', site: s.site, name: s.name, phone: s.tel, outcome: s.outcome };
    }
    case 'leave': {
      const s = moment.site;
      const model = models.get(s.site);
      models.delete(s.site);
      let reason: LeaveReason;
      if (s.kind === 'host') reason = LEAVE_REASONS.LEFT_BY_ITSELF;
      else if (model && model.degraded >= 2) reason = rng.pick(NETWORK_LEAVES);
      else reason = rng.weighted(ORDINARY_LEAVES);
      return { at, kind: 'leave', site: s.site, reason };
    }
  }
}

function eventStep(rng: Prng, at: number, online: SiteModel[], captionsAt: number): Step | undefined {
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
