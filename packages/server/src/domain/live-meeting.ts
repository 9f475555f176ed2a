/**
 * What every handler of a live meeting shares: the meeting in progress, the changes being collected, and the
 * questions and moves several concerns need (is this participant online, who chairs, add a participant, take one
 * off the stage). Pure: reads the state, writes into a ChangeBuilder.
 */
import type { Item } from '@confpush/protocol';
import { ChangeBuilder } from './changes.js';
import type { CommandOf, CommandType, JoinInput } from './commands.js';
import type { DecideContext, Decision } from './decide.js';
import { DomainError } from './errors.js';
import type { MeetingRecord, MeetingState } from './meeting.js';
import { info, participantInfo } from './pinfo.js';

export const P = 'ParticipantsNotify';
export const W = 'WaitingListNotify';
export const STATUS = 'ConfDynamicInfoNotify';

/** Decides one control or media command on a meeting in progress. */
export type LiveHandler<K extends CommandType> = (m: LiveMeeting, command: CommandOf<K>) => void;

/** Each ID once, in first-seen order. */
export function unique(pids: readonly string[]): string[] {
  return [...new Set(pids)];
}

export class LiveMeeting {
  readonly b: ChangeBuilder;
  #record: MeetingRecord | undefined;

  constructor(
    readonly state: MeetingState,
    readonly ctx: DecideContext,
  ) {
    this.b = new ChangeBuilder(state);
  }

  /** Replaces the meeting's record (a command that changes what is stored besides the streams). */
  setRecord(record: MeetingRecord): void {
    this.#record = record;
  }

  decision(): Decision {
    return this.#record ? { record: this.#record, changes: this.b.build() } : { changes: this.b.build() };
  }

  /** The pid of an online participant (in the meeting or being called), or PARTICIPANT_NOT_FOUND. */
  online(pid: string): string {
    if (!this.b.item(P, pid)) throw new DomainError('PARTICIPANT_NOT_FOUND', `participantID ${pid}`);
    return pid;
  }

  /** Refuses the host for operations only guests can be subject to. */
  notChair(pid: string, what: string): string {
    if (info(this.b.item(P, pid))['ROLE'] === '1')
      throw new DomainError('MMC_INVALID_PARAMETER', `the host cannot be ${what}`);
    return pid;
  }

  /** The pid of an online participant or a waiting-room member. */
  present(pid: string): string {
    if (!this.b.item(P, pid) && !this.b.item(W, pid))
      throw new DomainError('PARTICIPANT_NOT_FOUND', `participantID ${pid}`);
    return pid;
  }

  chairs(): string[] {
    return this.b.keys(P).filter((pid) => info(this.b.item(P, pid))['ROLE'] === '1');
  }

  allMuted(): boolean {
    return this.b.field(STATUS, 'mute') === 1;
  }

  attendeeByNumber(tel: string | undefined, account: string | undefined): Item | undefined {
    for (const item of this.state.streams.AttendeesNotify.items.values()) {
      if ((tel && item['phone'] === tel) || (account && item['accountId'] === account)) return item;
    }
    return undefined;
  }

  /** Puts a site in the meeting (`state` "1": being called), with its role, mute and terminal number. */
  addParticipant(pid: string, site: JoinInput, state: '0' | '1', attendee?: Item): void {
    const wantsChair = site.role === 1 || attendee?.['role'] === 1;
    const role = wantsChair && this.chairs().length === 0 ? '1' : site.role === 2 ? '2' : '0';
    const muted =
      role !== '1' &&
      (this.allMuted() || attendee?.['isMute'] === 1 || this.state.record.confConfigInfo.isAutoMute === true);
    this.b.put(P, pid, {
      pid,
      pinfoMap: participantInfo(pid, site, {
        role,
        state,
        muted,
        joinedAt: this.ctx.now,
        orgId: this.state.record.corpId,
        terminalNumber: this.#nextTerminal(),
      }),
    });
  }

  /** Takes a participant out of the meeting: no longer listed, measured or speaking. */
  removeParticipant(pid: string): void {
    this.b.remove(P, pid);
    if (this.b.item('NetConditionNotify', pid)) this.b.remove('NetConditionNotify', pid);
    const current = (this.state.streams.SpeakerChangeNotify.value ?? []) as Item[];
    if (!current.some((c) => c['pid'] === pid)) return;
    const rest = current.filter((c) => c['pid'] !== pid);
    this.b.value('SpeakerChangeNotify', rest.length === 0 ? undefined : rest);
  }

  #nextTerminal(): number {
    let max = 0;
    for (const pid of this.b.keys(P)) max = Math.max(max, Number(info(this.b.item(P, pid))['T'] ?? 0) || 0);
    return max + 1;
  }
}
