/**
 * The sites of a planned pass: who they are (name, number, device), how and when they arrive, are admitted or
 * give up, and leave; and the structural moments of the pass in the order they happen.
 */
import type { LoginType } from '../domain/commands.js';
import type { PlanParams, SiteKind } from './plan.js';
import type { Prng } from './prng.js';

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

const LOGIN_TYPES: readonly (readonly [LoginType, number])[] = [
  ['Desktop', 6],
  ['Mobile', 3],
  ['Pad', 1],
  ['OtherType', 1],
];

export interface SitePlan {
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
export interface SiteModel {
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

export function planSites(rng: Prng, params: PlanParams): SitePlan[] {
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
export type Moment =
  | { at: number; order: number; what: 'captions' }
  | { at: number; order: number; what: 'join' | 'admit' | 'giveUp' | 'invite' | 'leave'; site: SitePlan }
  | { at: number; order: number; what: 'removeAttendees' };

export function moments(sites: readonly SitePlan[], d: number): Moment[] {
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
