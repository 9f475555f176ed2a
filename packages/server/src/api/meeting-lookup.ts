/**
 * The meetings a management call may see, as the routes of meeting-routes.ts look them up: visibility (owner,
 * administrators of its enterprise, and for detail pages the invited users), management rights, the lists and
 * the detail pages. A meeting a caller may not see does not exist (`CONF_NOT_EXIST`); cancelled meetings do not
 * exist.
 */
import type { Item } from '@confpush/protocol';
import {
  attendeeMatches,
  canManage,
  conferenceInfo,
  isEnterpriseAdmin,
  participantInfo,
  viewerRole,
  type ConferenceRole,
} from '../domain/conference-info.js';
import { isHardTerminal } from '../domain/attendees.js';
import { DomainError } from '../domain/errors.js';
import type { MeetingRecord, MeetingState, MeetingStateName } from '../domain/meeting.js';
import type { MeetingRuntime } from '../engine/runtime.js';
import type { User } from '../store/types.js';
import type { ApiDeps } from './context.js';

/** A visible meeting as a route sees it: the committed record and attendee list, and the engine's runtime. */
export interface Meeting {
  runtime: MeetingRuntime;
  record: MeetingRecord;
  attendees: Item[];
}

export interface Page {
  offset: number;
  limit: number;
}

export function meetingLookup(deps: ApiDeps) {
  async function deptNameOf(corpId: string): Promise<string> {
    return (await deps.store.identity.getCorp(corpId))?.name ?? '';
  }

  /** The meeting, unless it does not exist or was cancelled. */
  async function findMeeting(confId: string): Promise<Meeting> {
    const stored = await deps.store.meetings.getMeeting(confId);
    if (!stored || stored.cancelled) throw new DomainError('CONF_NOT_EXIST');
    const runtime = await deps.engine.load(confId);
    if (!runtime || runtime.committed.record.cancelled) throw new DomainError('CONF_NOT_EXIST');
    return { runtime, record: runtime.committed.record, attendees: attendeesOf(runtime.committed) };
  }

  async function visibleMeeting(confId: string, user: User): Promise<Meeting & { role: ConferenceRole }> {
    const meeting = await findMeeting(confId);
    const role = viewerRole(meeting.record, user, meeting.attendees);
    if (!role) throw new DomainError('CONF_NOT_EXIST');
    return { ...meeting, role };
  }

  async function managedMeeting(confId: string, user: User): Promise<Meeting> {
    const meeting = await visibleMeeting(confId, user);
    if (!canManage(meeting.record, user)) {
      throw new DomainError(
        'CONF_NO_PERMISSION',
        'only the scheduler or an administrator of the enterprise may do this',
      );
    }
    if (meeting.record.state === 'Destroyed') throw new DomainError('CONF_ENDED');
    return meeting;
  }

  /** The meetings a caller lists: their own, or (administrators) the enterprise's or one user's. */
  async function listedMeetings(
    user: User,
    options: { queryAll: boolean; userUUID?: string | undefined; states: readonly MeetingStateName[] },
  ): Promise<MeetingRecord[]> {
    let ownerId: string | undefined = user.userId;
    if (isEnterpriseAdmin(user, user.corpId)) {
      if (options.userUUID) ownerId = options.userUUID;
      else if (options.queryAll) ownerId = undefined;
    }
    const records = await deps.store.meetings.listMeetings({
      corpId: user.corpId,
      states: options.states,
      ...(ownerId === undefined ? {} : { ownerId }),
    });
    return records.filter((r) => !r.cancelled);
  }

  async function listPage(records: readonly MeetingRecord[], page: Page, user: User, online: boolean) {
    const data = [];
    const deptName = await deptNameOf(user.corpId);
    for (const record of records.slice(page.offset, page.offset + page.limit)) {
      const runtime = await deps.engine.load(record.conferenceID);
      const current = runtime?.committed.record ?? record;
      data.push(
        conferenceInfo(current, runtime ? attendeesOf(runtime.committed) : [], {
          role: canManage(current, user) ? 'chair' : 'general',
          deptName,
          ...(online ? { onlineAttendeeAmount: 0 } : {}),
        }),
      );
    }
    return { offset: page.offset, limit: page.limit, count: records.length, data };
  }

  async function detail(
    user: User,
    query: { conferenceID: string; offset: number; limit: number; searchKey?: string | undefined },
    headers: { 'x-type'?: string | undefined; 'x-query-type'?: string | undefined },
    online: boolean,
  ) {
    const { conferenceID, offset, limit, searchKey } = query;
    const meeting = await visibleMeeting(conferenceID, user);
    if (meeting.record.state === 'Destroyed') throw new DomainError('CONF_ENDED');
    if (online && meeting.record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
    let attendees = meeting.attendees;
    if (headers['x-type'] === '2') {
      const terminals = headers['x-query-type'] === '1';
      attendees = attendees.filter((item) => isHardTerminal(item) === terminals);
    }
    if (searchKey) attendees = attendees.filter((item) => attendeeMatches(item, searchKey));
    return {
      conferenceData: conferenceInfo(meeting.record, meeting.attendees, {
        role: meeting.role,
        deptName: await deptNameOf(meeting.record.corpId),
      }),
      data: {
        offset,
        limit,
        count: attendees.length,
        data: attendees.slice(offset, offset + limit).map(participantInfo),
      },
    };
  }

  return { deptNameOf, visibleMeeting, managedMeeting, listedMeetings, listPage, detail };
}

export function attendeesOf(state: MeetingState): Item[] {
  return [...state.streams.AttendeesNotify.items.values()];
}

export function startOf(record: MeetingRecord): number {
  return record.startedAt ?? record.scheduledStartAt;
}

export function byStartTime(a: MeetingRecord, b: MeetingRecord): number {
  return startOf(a) - startOf(b) || a.conferenceID.localeCompare(b.conferenceID);
}

/** List `searchKey`: subject, scheduler name or meeting ID, case-insensitive. */
export function meetingMatches(record: MeetingRecord, searchKey: string): boolean {
  const needle = searchKey.toLowerCase();
  return [record.subject, record.ownerName, record.conferenceID].some((text) =>
    text.toLowerCase().includes(needle),
  );
}
