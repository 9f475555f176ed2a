/**
 * The live meeting: what control calls and media-plane reports do to participants, the waiting room, speakers,
 * media quality, invitation results, captions, interpreter groups and the meeting status. Pure: reads the state,
 * writes into a ChangeBuilder.
 */
import type { Item } from '@confpush/protocol';
import { ApiError } from '../errors.js';
import { attendeeIdentity, attendeeItem, type AttendeeInput } from './attendees.js';
import { ChangeBuilder } from './changes.js';
import {
  LEAVE_REASONS,
  type CaptionInput,
  type ControlCommand,
  type InterpreterGroupInput,
  type JoinInput,
  type MediaCommand,
  type NetQualityInput,
  type StartedConfConfig,
} from './commands.js';
import type { DecideContext, Decision } from './decide.js';
import type { MeetingState } from './meeting.js';
import { setMultiPicture } from './multi-picture.js';
import { flag, info, participantInfo, siteOfInfo, waitingInfo } from './pinfo.js';

const P = 'ParticipantsNotify';
const W = 'WaitingListNotify';
const STATUS = 'ConfDynamicInfoNotify';
const MAX_CAPTION_SPEAKERS = 4;
const MAX_INTERPRETER_LANGUAGES = 16;

export function decideLive(
  state: MeetingState,
  command: ControlCommand | MediaCommand,
  ctx: DecideContext,
): Decision {
  if (state.record.state !== 'Created') throw new ApiError('CONF_NOT_STARTED');
  const b = new ChangeBuilder(state);
  const live = new LiveMeeting(state, b, ctx);
  const unique = (pids: readonly string[]) => [...new Set(pids)];
  let record = undefined as MeetingState['record'] | undefined;
  switch (command.type) {
    case 'invite':
      live.invite(command.attendees);
      break;
    case 'addAttendees':
      live.upsertAttendees(command.attendees);
      break;
    case 'deleteAttendees':
      live.deleteAttendees(command.entries);
      break;
    case 'hangUp':
      for (const pid of unique(command.pids)) live.online(pid);
      for (const pid of unique(command.pids)) live.leave(pid, LEAVE_REASONS.HUNG_UP_BY_HOST);
      break;
    case 'mute':
      b.patchInfo(P, live.online(command.pid), { MUTE: flag(command.mute) });
      break;
    case 'muteAll':
      live.muteAll(command.mute, command.allowUnmuteByOneself);
      break;
    case 'allowSelfUnmute':
      b.fields(STATUS, { canUnmute: command.allow ? 1 : 0 });
      break;
    case 'setChair':
      live.setChair(live.online(command.pid), command.chair);
      break;
    case 'setCohost':
      b.patchInfo(P, live.notChair(live.online(command.pid), 'a co-host'), {
        IS_COHOST: flag(command.cohost),
      });
      break;
    case 'rename':
      live.rename(command.pid, command.number, command.name);
      break;
    case 'hands':
      for (const pid of unique(command.pids)) live.online(pid);
      for (const pid of unique(command.pids)) b.patchInfo(P, pid, { HAND: flag(command.raised) });
      break;
    case 'lock':
      b.fields(STATUS, { lock: command.locked ? 1 : 0 });
      break;
    case 'updateConfig':
      live.updateConfig(command.config);
      break;
    case 'extend':
      record = { ...state.record, length: state.record.length + command.minutes, updatedAt: ctx.now };
      b.fields(STATUS, {
        endTime: String((record.startedAt ?? record.scheduledStartAt) + record.length * 60_000),
      });
      break;
    case 'record':
      b.fields(STATUS, command.recording ? { recState: 1, recOccurred: 1 } : { recState: 0 });
      break;
    case 'pauseRecord':
      b.fields(STATUS, { recState: command.paused ? 0 : 1, recOccurred: 1 });
      break;
    case 'live':
      b.fields(STATUS, { liveState: command.live ? 1 : 0 });
      break;
    case 'pause':
      b.fields(STATUS, { pause: command.paused });
      break;
    case 'cameraRequest':
      b.patchInfo(P, live.online(command.pid), { CAMERASTATE: flag(command.open) });
      break;
    case 'shareInvite':
      b.patchInfo(P, live.online(command.pid), { INVITE_SHARE_STATE: flag(command.invite) });
      break;
    case 'broadcast':
      live.exclusive(live.online(command.pid), 'BROADCAST');
      b.fields(STATUS, { mode: 'BROADCAST' });
      break;
    case 'cancelBroadcast':
      live.exclusive(undefined, 'BROADCAST');
      b.fields(STATUS, { mode: 'FREE' });
      break;
    case 'rollCall': {
      const pid = live.online(command.pid);
      live.exclusive(pid, 'ROLLCALL');
      b.patchInfo(P, pid, { MUTE: '0' });
      b.fields(STATUS, { mode: 'ROLLCALL' });
      break;
    }
    case 'displayMode':
      b.fields(STATUS, {
        vas: command.switchMode === 'VAS' ? 1 : 0,
        mode: command.switchMode === 'Fixed' ? 'FIXED' : 'FREE',
        picNum: command.imageType === 0 ? 1 : 4,
      });
      break;
    case 'multiPicture':
      setMultiPicture(b, command.layout);
      break;
    case 'chairView':
      if (command.pid !== undefined) live.online(command.pid);
      b.fields(STATUS, { chairView: command.on ? 1 : 0 });
      break;
    case 'partView':
      b.patchInfo(P, live.online(command.pid), { VIEW_TYPE: String(command.viewType) });
      break;
    case 'lockView':
      b.patchInfo(P, live.online(command.pid), { LOCKED_VIEW: flag(command.locked) });
      break;
    case 'moveToWaitingRoom':
      for (const pid of unique(command.pids)) live.notChair(live.online(pid), 'moved to the waiting room');
      for (const pid of unique(command.pids)) live.moveToWaitingRoom(pid);
      break;
    case 'admit':
      live.admit(command.pids === 'all' ? 'all' : unique(command.pids));
      break;
    case 'allowClientRecord':
      b.patchInfo(P, live.online(command.pid), { ALLOW_CLIENT_REC: flag(command.allow) });
      break;
    case 'allowAudience':
      b.fields(STATUS, { allowAudience: command.allow });
      break;
    case 'setInterpreterGroups':
      b.value('InterpreterGroupNotify', interpreterGroups(command.groups));
      break;
    case 'simultaneousInterpretation':
      b.fields(STATUS, { simultaneousInterpretation: command.on ? 1 : 0 });
      break;
    case 'subtitles':
      live.subtitles(command.on, command.speakers);
      break;
    case 'join':
      live.join(command.site);
      break;
    case 'leave':
      live.leave(live.present(command.pid), command.reason);
      break;
    case 'callResult':
      live.callResult(live.online(command.pid), command.resultCode);
      break;
    case 'speakers':
      live.speakers(command.volumes);
      break;
    case 'netQuality':
      for (const report of command.reports) live.netQuality(report);
      break;
    case 'caption':
      live.caption(command.caption);
      break;
    case 'share':
      b.patchInfo(P, live.online(command.pid), { SHARE: flag(command.sharing) });
      break;
    case 'camera':
      b.patchInfo(P, live.online(command.pid), { CAMERASTATE: flag(command.on) });
      break;
    case 'selfHand':
      b.patchInfo(P, live.online(command.pid), { HAND: flag(command.raised) });
      break;
    case 'selfMute':
      live.selfMute(live.online(command.pid), command.mute);
      break;
  }
  return record ? { record, changes: b.build() } : { changes: b.build() };
}

/** End of the meeting: everyone leaves (no leave reason: nobody hung up), the room empties, nobody speaks. */
export function endOfMeetingChanges(state: MeetingState): ChangeBuilder {
  const b = new ChangeBuilder(state);
  for (const pid of state.streams.ParticipantsNotify.items.keys()) b.remove(P, pid);
  for (const pid of state.streams.WaitingListNotify.items.keys()) b.remove(W, pid);
  for (const pid of state.streams.NetConditionNotify.items.keys()) b.remove('NetConditionNotify', pid);
  b.value('SpeakerChangeNotify', undefined);
  return b;
}

class LiveMeeting {
  constructor(
    readonly state: MeetingState,
    readonly b: ChangeBuilder,
    readonly ctx: DecideContext,
  ) {}

  /** The pid of an online participant (in the meeting or being called), or PARTICIPANT_NOT_FOUND. */
  online(pid: string): string {
    if (!this.b.item(P, pid)) throw new ApiError('PARTICIPANT_NOT_FOUND', `participantID ${pid}`);
    return pid;
  }

  /** Refuses the host for operations only guests can be subject to. */
  notChair(pid: string, what: string): string {
    if (info(this.b.item(P, pid))['ROLE'] === '1')
      throw new ApiError('MMC_INVALID_PARAMETER', `the host cannot be ${what}`);
    return pid;
  }

  /** The pid of an online participant or a waiting-room member. */
  present(pid: string): string {
    if (!this.b.item(P, pid) && !this.b.item(W, pid))
      throw new ApiError('PARTICIPANT_NOT_FOUND', `participantID ${pid}`);
    return pid;
  }

  #chairs(): string[] {
    return this.b.keys(P).filter((pid) => info(this.b.item(P, pid))['ROLE'] === '1');
  }

  #allMuted(): boolean {
    return this.b.field(STATUS, 'mute') === 1;
  }

  #nextTerminal(): number {
    let max = 0;
    for (const pid of this.b.keys(P)) max = Math.max(max, Number(info(this.b.item(P, pid))['T'] ?? 0) || 0);
    return max + 1;
  }

  #attendeeByNumber(tel: string | undefined, account: string | undefined): Item | undefined {
    for (const item of this.state.streams.AttendeesNotify.items.values()) {
      if ((tel && item['phone'] === tel) || (account && item['accountId'] === account)) return item;
    }
    return undefined;
  }

  join(site: JoinInput): void {
    const { record } = this.state;
    const config = record.confConfigInfo;
    const attendee = this.#attendeeByNumber(site.tel, site.accountId ?? site.account);
    const pid =
      site.pid ??
      (typeof attendee?.['participantID'] === 'string'
        ? attendee['participantID']
        : this.ctx.newParticipantId());
    if (this.b.item(P, pid) || this.b.item(W, pid))
      throw new ApiError('MMC_INVALID_PARAMETER', `participantID ${pid} is already in the meeting`);
    const host = site.role === 1;
    if (!host) {
      if (this.b.field(STATUS, 'lock') === 1) throw new ApiError('CONF_LOCKED');
      const restriction = Number(this.b.field(STATUS, 'callInRestriction') ?? config.callInRestriction ?? 0);
      if (restriction === 3 && !attendee)
        throw new ApiError('CALL_IN_RESTRICTED', 'only invited users may join');
      if (restriction === 2 && (site.anonymous || !(site.accountId || site.account))) {
        throw new ApiError('CALL_IN_RESTRICTED', 'only enterprise users may join');
      }
    }
    if (record.concurrentParticipants > 0 && this.b.keys(P).length >= record.concurrentParticipants) {
      throw new ApiError('CONF_FULL');
    }
    const waitingRoom = this.b.field(STATUS, 'waitingRoomState') === 1;
    if (!host && (site.viaWaitingRoom || waitingRoom)) {
      this.b.put(W, pid, { pid, pinfoMap: waitingInfo(site, this.ctx.now, record.corpId) });
      return;
    }
    this.#addParticipant(pid, site, '0', attendee);
  }

  #addParticipant(pid: string, site: JoinInput, state: '0' | '1', attendee?: Item): void {
    const wantsChair = site.role === 1 || attendee?.['role'] === 1;
    const role = wantsChair && this.#chairs().length === 0 ? '1' : site.role === 2 ? '2' : '0';
    const muted =
      role !== '1' &&
      (this.#allMuted() ||
        attendee?.['isMute'] === 1 ||
        this.state.record.confConfigInfo.isAutoMute === true);
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

  leave(pid: string, reason: number): void {
    const waiting = this.b.item(W, pid);
    if (waiting) {
      this.b.remove(W, pid);
      return;
    }
    const map = info(this.b.item(P, pid));
    this.b.remove(P, pid);
    if (this.b.item('NetConditionNotify', pid)) this.b.remove('NetConditionNotify', pid);
    this.#dropSpeaker(pid);
    if (map['TEL'])
      this.b.put('InviteResultNotify', map['TEL'], { callNumber: map['TEL'], resultCode: String(reason) });
  }

  callResult(pid: string, resultCode: number): void {
    const map = info(this.b.item(P, pid));
    if (map['STATE'] !== '1')
      throw new ApiError('MMC_INVALID_PARAMETER', `participant ${pid} is not being called`);
    if (map['TEL'])
      this.b.put('InviteResultNotify', map['TEL'], {
        callNumber: map['TEL'],
        resultCode: String(resultCode),
      });
    if (resultCode === 0) this.b.patchInfo(P, pid, { STATE: '0', ADDTIME: String(this.ctx.now) });
    else this.b.remove(P, pid);
  }

  upsertAttendees(inputs: readonly AttendeeInput[]): Map<AttendeeInput, string> {
    const byIdentity = new Map<string, Item>();
    for (const item of this.state.streams.AttendeesNotify.items.values())
      byIdentity.set(attendeeIdentity(item), item);
    const pids = new Map<AttendeeInput, string>();
    for (const input of inputs) {
      const existing = byIdentity.get(attendeeIdentity(input));
      const participantID =
        typeof existing?.['participantID'] === 'string'
          ? existing['participantID']
          : this.ctx.newParticipantId();
      pids.set(input, participantID);
      const item = attendeeItem(input, participantID, this.state.record.corpId);
      const { seq: _seq, ...held } = existing ?? {};
      if (!existing || JSON.stringify(held) !== JSON.stringify(item))
        this.b.put('AttendeesNotify', participantID, item);
    }
    return pids;
  }

  invite(inputs: readonly AttendeeInput[]): void {
    const pids = this.upsertAttendees(inputs);
    for (const input of inputs) {
      const pid = pids.get(input)!;
      const online = this.b
        .keys(P)
        .some((p) => p === pid || (input.phone && info(this.b.item(P, p))['TEL'] === input.phone));
      if (online) continue;
      if (this.b.item(W, pid)) this.b.remove(W, pid);
      const site: JoinInput = {
        pid,
        name: input.name ?? input.phone ?? '',
        ...(input.phone ? { tel: input.phone } : {}),
        ...(input.accountId ? { accountId: input.accountId, thirdAccount: input.accountId } : {}),
        ...(input.role === 1 ? { role: 1 as const } : {}),
        video: input.type !== 'mobile' && input.type !== 'telephone',
        loginType: input.type === 'mobile' ? 'Mobile' : input.type === 'terminal' ? 'OtherType' : 'Desktop',
      };
      this.#addParticipant(pid, site, '1', { role: input.role, isMute: input.isMute });
    }
  }

  deleteAttendees(entries: readonly { number?: string; participantID?: string }[]): void {
    const attendees = this.state.streams.AttendeesNotify.items;
    for (const entry of entries) {
      let key = entry.participantID && attendees.has(entry.participantID) ? entry.participantID : undefined;
      if (!key && entry.number) {
        for (const [k, item] of attendees) {
          if ([item['phone'], item['phone2'], item['phone3']].includes(entry.number)) key = k;
        }
      }
      if (!key) {
        throw new ApiError(
          'MMC_INVALID_PARAMETER',
          `no attendee with ${entry.participantID ? `participantID ${entry.participantID}` : `number ${entry.number ?? ''}`}`,
        );
      }
      this.b.remove('AttendeesNotify', key);
    }
  }

  muteAll(mute: boolean, allowUnmute: boolean | undefined): void {
    for (const pid of this.b.keys(P)) {
      if (info(this.b.item(P, pid))['ROLE'] !== '1') this.b.patchInfo(P, pid, { MUTE: flag(mute) });
    }
    this.b.fields(STATUS, { mute: mute ? 1 : 0, canUnmute: allowUnmute === false ? 0 : 1 });
  }

  selfMute(pid: string, mute: boolean): void {
    const map = info(this.b.item(P, pid));
    const chairOrCohost = map['ROLE'] === '1' || map['IS_COHOST'] === '1';
    if (!mute && !chairOrCohost && this.#allMuted() && this.b.field(STATUS, 'canUnmute') === 0) {
      throw new ApiError('SELF_UNMUTE_FORBIDDEN');
    }
    this.b.patchInfo(P, pid, { MUTE: flag(mute) });
  }

  setChair(pid: string, chair: boolean): void {
    if (chair) {
      for (const other of this.#chairs()) if (other !== pid) this.b.patchInfo(P, other, { ROLE: '0' });
      this.b.patchInfo(P, pid, { ROLE: '1', IS_COHOST: '0' });
    } else if (info(this.b.item(P, pid))['ROLE'] === '1') {
      this.b.patchInfo(P, pid, { ROLE: '0' });
    }
  }

  rename(pid: string | undefined, number: string | undefined, name: string): void {
    let found = false;
    if (pid !== undefined && this.b.item(P, pid)) {
      this.b.patchInfo(P, pid, { NAME: name });
      found = true;
    } else if (number !== undefined) {
      for (const p of this.b.keys(P)) {
        if (info(this.b.item(P, p))['TEL'] === number) {
          this.b.patchInfo(P, p, { NAME: name });
          found = true;
        }
      }
    }
    for (const [key, item] of this.state.streams.AttendeesNotify.items) {
      if ((pid !== undefined && key === pid) || (number !== undefined && item['phone'] === number)) {
        const { seq: _seq, ...rest } = item;
        this.b.put('AttendeesNotify', key, { ...rest, name });
        found = true;
      }
    }
    if (!found)
      throw new ApiError('PARTICIPANT_NOT_FOUND', `no participant or attendee ${pid ?? number ?? ''}`);
  }

  /** Sets `key` to "1" on `pid` and "0" on everyone else (broadcast, roll call). */
  exclusive(pid: string | undefined, key: 'BROADCAST' | 'ROLLCALL'): void {
    for (const p of this.b.keys(P)) this.b.patchInfo(P, p, { [key]: flag(p === pid) });
  }

  updateConfig(config: StartedConfConfig): void {
    const fields: Record<string, unknown> = {};
    if (config.lockSharing !== undefined) fields['lockSharing'] = config.lockSharing;
    if (config.callInRestriction !== undefined) fields['callInRestriction'] = config.callInRestriction;
    if (config.allowUnmuteByOneself !== undefined) fields['canUnmute'] = config.allowUnmuteByOneself;
    if (config.chatPermission !== undefined) {
      fields['forbiddenChat'] = config.chatPermission === 1 ? 1 : 0;
      fields['chatPermission'] = config.chatPermission;
    }
    if (config.audienceCallInRestriction !== undefined)
      fields['audienceCallInRestriction'] = config.audienceCallInRestriction;
    if (config.clientRecMode !== undefined) fields['clientRecMode'] = config.clientRecMode;
    if (config.allowOpenCamera !== undefined) fields['allowOpenCamera'] = config.allowOpenCamera;
    if (config.allowRename !== undefined) fields['allowRename'] = config.allowRename;
    if (config.isLock !== undefined) fields['lock'] = config.isLock;
    if (config.freeShare !== undefined) fields['enableShareSetting'] = config.freeShare;
    this.b.fields(STATUS, fields);
  }

  moveToWaitingRoom(pid: string): void {
    const map = info(this.b.item(P, pid));
    this.b.remove(P, pid);
    if (this.b.item('NetConditionNotify', pid)) this.b.remove('NetConditionNotify', pid);
    this.#dropSpeaker(pid);
    this.b.put(W, pid, {
      pid,
      pinfoMap: waitingInfo(siteOfInfo(pid, map), this.ctx.now, this.state.record.corpId),
    });
  }

  admit(pids: readonly string[] | 'all'): void {
    const list = pids === 'all' ? this.b.keys(W) : pids;
    for (const pid of list) {
      if (!this.b.item(W, pid)) throw new ApiError('PARTICIPANT_NOT_FOUND', `no waiting-room member ${pid}`);
    }
    for (const pid of list) {
      const site = siteOfInfo(pid, info(this.b.item(W, pid)));
      this.b.remove(W, pid);
      this.#addParticipant(pid, site, '0', this.#attendeeByNumber(site.tel, site.accountId));
    }
  }

  speakers(volumes: readonly { pid: string; volume: number }[]): void {
    const ranked = volumes
      .filter((v) => v.volume > 0 && info(this.b.item(P, v.pid))['STATE'] === '0')
      .sort((a, b) => b.volume - a.volume || (a.pid < b.pid ? -1 : 1))
      .slice(0, 3);
    const current = (this.state.streams.SpeakerChangeNotify.value ?? []) as Item[];
    // A new order of speakers is news; a volume wobble among the same speakers is not.
    if (ranked.map((r) => r.pid).join() === current.map((c) => c['pid']).join()) return;
    this.b.value(
      'SpeakerChangeNotify',
      ranked.length === 0
        ? undefined
        : ranked.map((r) => ({
            pid: r.pid,
            name: info(this.b.item(P, r.pid))['NAME'] ?? '',
            speakingVolume: Math.round(r.volume),
          })),
    );
  }

  #dropSpeaker(pid: string): void {
    const current = (this.state.streams.SpeakerChangeNotify.value ?? []) as Item[];
    if (!current.some((c) => c['pid'] === pid)) return;
    const rest = current.filter((c) => c['pid'] !== pid);
    this.b.value('SpeakerChangeNotify', rest.length === 0 ? undefined : rest);
  }

  netQuality(report: NetQualityInput): void {
    this.online(report.pid);
    const s = (v: number | undefined) => String(v ?? 0);
    this.b.put('NetConditionNotify', report.pid, {
      participantID: report.pid,
      netInfo: report.netInfo ?? netInfoOf(report),
      lostPacketRate: s(report.lostPacketRate),
      delay: s(report.delay),
      jitter: s(report.jitter),
      fluxIn: s(report.fluxIn),
      fluxOut: s(report.fluxOut),
      audioOutLossPacketRate: s(report.audioOutLossPacketRate),
      videoInLossPacketRate: s(report.videoInLossPacketRate),
      videoOutLossPacketRate: s(report.videoOutLossPacketRate),
      assistVideoInLossPacketRate: '0',
      assistVideoOutLossPacketRate: '0',
      outJitter: s(report.outJitter),
      videoFluxIn: s(report.videoFluxIn),
      videoFluxOut: s(report.videoFluxOut),
      assistVideoFluxIn: '0',
      assistVideoFluxOut: '0',
      bandwidth: Math.round(report.bandwidth ?? 61440),
      audioCodecType: report.audioCodecType ?? 'AACLD',
      videoCodecType: report.videoCodecType ?? 'H264HP',
    });
  }

  subtitles(on: boolean, speakers: readonly string[] | undefined): void {
    if (this.state.streams.ConfBasicInfoNotify.fields['realTimeSubtitle'] === 0)
      throw new ApiError('SUBTITLE_NOT_SUPPORTED');
    if (speakers !== undefined) {
      if (speakers.length === 0) throw new ApiError('SUBTITLE_PID_NULL');
      if (speakers.length > MAX_CAPTION_SPEAKERS)
        throw new ApiError('SUBTITLE_PID_WRONG', `at most ${MAX_CAPTION_SPEAKERS} speakers`);
      for (const pid of speakers) {
        if (!this.b.item(P, pid)) throw new ApiError('SUBTITLE_PID_WRONG', `participantID ${pid}`);
      }
    }
    this.b.fields(STATUS, { realTimeSubtitle: on ? 1 : 0 });
  }

  caption(c: CaptionInput): void {
    if (this.b.field(STATUS, 'realTimeSubtitle') !== 1) throw new ApiError('SUBTITLE_NOT_ENABLED');
    this.online(c.pid);
    this.b.value('RealTimeSubtitleNotify', {
      msgs: [
        {
          subtitleLang: c.lang ?? 'Mandarin',
          translateText: c.text,
          id: c.id ?? this.ctx.newParticipantId(),
        },
      ],
      isFinal: c.isFinal ?? true,
      timestamp: this.ctx.now,
      beginTime: c.beginTime ?? 0,
      endTime: c.endTime ?? 0,
      participantID: c.pid,
    });
  }
}

function netInfoOf(r: NetQualityInput): string {
  const loss = Math.max(r.lostPacketRate ?? 0, r.audioOutLossPacketRate ?? 0);
  const delay = r.delay ?? 0;
  if (loss >= 1000 || delay >= 400) return 'bad';
  if (loss >= 300 || delay >= 150) return 'normal';
  return 'good';
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/;

function interpreterGroups(groups: readonly InterpreterGroupInput[]): Item[] {
  const ids = new Set<string>();
  const languages = new Set<string>();
  for (const g of groups) {
    if (ids.has(g.groupID)) throw new ApiError('INTERPRETER_GROUP_DUPLICATE', `groupID ${g.groupID}`);
    ids.add(g.groupID);
    if (
      !LANGUAGE.test(g.firstLanguage) ||
      !LANGUAGE.test(g.secondLanguage) ||
      g.firstLanguage === g.secondLanguage
    ) {
      throw new ApiError('INTERPRETER_LANGUAGE_INVALID', `group ${g.groupID}`);
    }
    languages.add(g.firstLanguage);
    languages.add(g.secondLanguage);
  }
  if (languages.size > MAX_INTERPRETER_LANGUAGES) throw new ApiError('INTERPRETER_TOO_MANY_LANGUAGES');
  return groups.map((g) => ({
    groupID: g.groupID,
    ...(g.groupName !== undefined ? { groupName: g.groupName } : {}),
    firstLanguage: g.firstLanguage,
    secondLanguage: g.secondLanguage,
    groupType: g.groupType ?? 'MANUAL',
    interpreters: g.interpreters.map((i) => ({ ...i, interpreterType: i.interpreterType ?? 'MANUAL' })),
  }));
}
