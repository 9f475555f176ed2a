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
import { eventStep } from './plan-events.js';
import { moments, planSites, type Moment, type SiteModel, type SitePlan } from './plan-sites.js';
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
