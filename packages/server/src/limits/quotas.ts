/**
 * Quotas of an enterprise and of a meeting: meetings not ended per enterprise, distinct attendees over those
 * meetings, and attendees per meeting. Checked by the REST routes that create a meeting, replace its attendee list
 * (edit) or add to it (invite); a call past a quota is refused with a documented 403 and changes nothing.
 *
 * The check and the change it guards run one at a time per enterprise on this node, so two concurrent calls cannot
 * both take the last place. (Across the nodes of a cluster, concurrent calls may overshoot by a few.)
 */
import type { Item } from '@confpush/protocol';
import { attendeeIdentity, type AttendeeInput } from '../domain/attendees.js';
import type { MeetingState } from '../domain/meeting.js';
import { DomainError } from '../domain/errors.js';
import type { MeetingStore } from '../store/types.js';
import type { LimitReporter } from './types.js';

const NOT_ENDED = ['Schedule', 'Created'] as const;

export interface QuotaOptions {
  store: Pick<MeetingStore, 'listMeetings'>;
  /** The working state of a meeting (the engine's). */
  meetingState: (confId: string) => Promise<MeetingState | undefined>;
  /** 0 = no limit, for each. */
  meetingsPerEnterprise: number;
  attendeesPerEnterprise: number;
  attendeesPerMeeting: number;
  reporter?: LimitReporter | undefined;
}

export class MeetingQuotas {
  readonly #options: QuotaOptions;
  readonly #tails = new Map<string, Promise<void>>();

  constructor(options: QuotaOptions) {
    this.#options = options;
  }

  get #active(): boolean {
    const o = this.#options;
    return o.meetingsPerEnterprise > 0 || o.attendeesPerEnterprise > 0 || o.attendeesPerMeeting > 0;
  }

  /** Creates a meeting of `corpId` with `attendees` when every quota allows it. */
  createMeeting<T>(
    corpId: string,
    attendees: readonly AttendeeInput[],
    create: () => Promise<T>,
  ): Promise<T> {
    if (!this.#active) return create();
    return this.#serial(corpId, async () => {
      const o = this.#options;
      if (o.meetingsPerEnterprise > 0) {
        const open = await this.#openMeetings(corpId);
        if (open.length >= o.meetingsPerEnterprise) {
          this.#reject('meetings_enterprise');
          throw new DomainError('TOO_MANY_MEETINGS', `the enterprise has ${open.length} meetings not ended`);
        }
      }
      this.#checkMeeting(attendees.length);
      await this.#checkEnterprise(corpId, undefined, identities(attendees, 'new'));
      return create();
    });
  }

  /** Replaces the attendee list of meeting `confId` (an edit) when the quotas allow it. */
  async replaceAttendees<T>(
    confId: string,
    attendees: readonly AttendeeInput[],
    change: () => Promise<T>,
  ): Promise<T> {
    return this.#checkedChange(confId, change, async (corpId) => {
      this.#checkMeeting(attendees.length);
      await this.#checkEnterprise(corpId, confId, identities(attendees, 'new'));
    });
  }

  /** Adds `attendees` to meeting `confId` (an invitation) when the quotas allow it. */
  async addAttendees<T>(
    confId: string,
    attendees: readonly AttendeeInput[],
    change: () => Promise<T>,
  ): Promise<T> {
    return this.#checkedChange(confId, change, async (corpId) => {
      const state = await this.#options.meetingState(confId);
      const current = state ? attendeeIdentities(state, confId) : new Set<string>();
      const next = new Set(current);
      for (const id of identities(attendees, 'new')) next.add(id);
      if (next.size > current.size) this.#checkMeeting(next.size);
      await this.#checkEnterprise(corpId, confId, next);
    });
  }

  /** Makes `change` to meeting `confId` once `check` passed, one change at a time per enterprise. */
  async #checkedChange<T>(
    confId: string,
    change: () => Promise<T>,
    check: (corpId: string) => Promise<void>,
  ): Promise<T> {
    const corpId = this.#active ? (await this.#options.meetingState(confId))?.record.corpId : undefined;
    if (corpId === undefined) return change();
    return this.#serial(corpId, async () => {
      await check(corpId);
      return change();
    });
  }

  #checkMeeting(count: number): void {
    const max = this.#options.attendeesPerMeeting;
    if (max > 0 && count > max) {
      this.#reject('attendees_meeting');
      throw new DomainError('TOO_MANY_ATTENDEES', `a meeting may have ${max} attendees`);
    }
  }

  /** Refuses when the enterprise's distinct attendees grow past the quota with `confId`'s list replaced by `next`. */
  async #checkEnterprise(corpId: string, confId: string | undefined, next: Iterable<string>): Promise<void> {
    const max = this.#options.attendeesPerEnterprise;
    if (max <= 0) return;
    const others = new Set<string>();
    let current = new Set<string>();
    for (const record of await this.#openMeetings(corpId)) {
      const state = await this.#options.meetingState(record.conferenceID);
      if (!state || state.record.cancelled || state.record.state === 'Destroyed') continue;
      const ids = attendeeIdentities(state, record.conferenceID);
      if (record.conferenceID === confId) current = ids;
      else for (const id of ids) others.add(id);
    }
    const before = new Set([...others, ...current]).size;
    for (const id of next) others.add(id);
    if (others.size > max && others.size > before) {
      this.#reject('attendees_enterprise');
      throw new DomainError(
        'ENTERPRISE_ATTENDEE_LIMIT',
        `the meetings of the enterprise may have ${max} distinct attendees`,
      );
    }
  }

  async #openMeetings(corpId: string) {
    const records = await this.#options.store.listMeetings({ corpId, states: NOT_ENDED });
    return records.filter((r) => !r.cancelled);
  }

  #reject(limit: 'meetings_enterprise' | 'attendees_enterprise' | 'attendees_meeting'): void {
    this.#options.reporter?.limitRejected(limit);
  }

  /** Runs `task` after every earlier task of the same enterprise has finished. */
  async #serial<T>(corpId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(corpId) ?? Promise.resolve();
    let done!: () => void;
    const tail = new Promise<void>((resolve) => (done = resolve));
    const chained = previous.then(() => tail);
    this.#tails.set(corpId, chained);
    await previous;
    try {
      return await task();
    } finally {
      done();
      if (this.#tails.get(corpId) === chained) this.#tails.delete(corpId);
    }
  }
}

/** The identities of attendees as the domain matches them; an attendee without any counts on its own. */
function identities(attendees: readonly AttendeeInput[], scope: string): Set<string> {
  const ids = new Set<string>();
  attendees.forEach((a, i) => ids.add(attendeeIdentity(a) || `anonymous:${scope}:${i}`));
  return ids;
}

function attendeeIdentities(state: MeetingState, confId: string): Set<string> {
  const ids = new Set<string>();
  for (const [key, item] of state.streams.AttendeesNotify.items as Map<string, Item>) {
    ids.add(attendeeIdentity(item) || `anonymous:${confId}:${key}`);
  }
  return ids;
}
