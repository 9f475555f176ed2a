/**
 * Huawei-compatible meeting management under `/v1/mmc/management/conferences`: create, edit, cancel, start, the
 * lists and the detail pages. Every call carries `X-Access-Token`.
 *
 * Visibility: a meeting is visible to its owner, to the administrators of its enterprise, and (detail pages only)
 * to the users invited to it; to anyone else it does not exist (`CONF_NOT_EXIST`), across enterprises too.
 * Cancelled meetings do not exist. Starting a meeting needs its password instead, which is the capability Huawei
 * hands out; a wrong password and an unknown meeting give the same error.
 */
import {
  type Item,
  type RestAttendee,
  ConferenceIdQuery,
  errorResponses,
  CancelQuery,
  ConferenceDetailSchema,
  ConferenceInfoSchema,
  ConferenceListSchema,
  DetailHeaders,
  DetailQuery,
  MeetingListQuery,
  OnlineListQuery,
  RegionResponse,
  RestScheduleConfSchema,
  StartBody,
  StartResponse,
} from '@confpush/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { secretEquals } from '../auth/secrets.js';
import {
  attendeeMatches,
  canManage,
  conferenceInfo,
  isEnterpriseAdmin,
  participantInfo,
  viewerRole,
  type ConferenceRole,
} from '../domain/conference-info.js';
import type { AttendeeInput } from '../domain/attendees.js';
import { isHardTerminal } from '../domain/attendees.js';
import { DomainError } from '../domain/errors.js';
import type { MeetingRecord, MeetingState, MeetingStateName } from '../domain/meeting.js';
import { buildMeetingRecord, editPatch } from '../domain/schedule.js';
import type { MeetingRuntime } from '../engine/runtime.js';
import { conferenceId, meetingSecrets } from '../ids.js';
import type { User } from '../store/types.js';
import type { Api, ApiDeps, Caller } from './context.js';

const PREFIX = '/v1/mmc/management/conferences';
const TAGS = ['huawei: meetings'];
const NOT_ENDED: readonly MeetingStateName[] = ['Schedule', 'Created'];
const IN_PROGRESS: readonly MeetingStateName[] = ['Created'];
const DAY_MS = 86_400_000;
const QUERY_WINDOW_MS: Readonly<Record<string, number>> = {
  ADAY: DAY_MS,
  AWEEK: 7 * DAY_MS,
  AMONTH: 30 * DAY_MS,
};
const ID_ATTEMPTS = 20;
/** A 200 without a body, as Huawei answers a cancellation. */
const EmptyBody = Type.Unsafe<void>(Type.Null({ description: 'Empty body' }));

/** A visible meeting as a route sees it: the committed record and attendee list, and the engine's runtime. */
interface Meeting {
  runtime: MeetingRuntime;
  record: MeetingRecord;
  attendees: Item[];
}

interface Page {
  offset: number;
  limit: number;
}

export function meetingRoutes(deps: ApiDeps) {
  return async function register(app: Api): Promise<void> {
    const callers = new WeakMap<FastifyRequest, Caller>();
    /** IDs handed to creations still in flight, so two concurrent creations never share one. */
    const reservedIds = new Set<string>();

    app.addHook('onRequest', async (request) => {
      const header = request.headers['x-access-token'];
      callers.set(
        request,
        await deps.accessTokens.authenticate(typeof header === 'string' ? header : undefined),
      );
    });

    function callerOf(request: FastifyRequest): User {
      const caller = callers.get(request);
      if (!caller) throw new DomainError('ACCESS_TOKEN_INVALID');
      return caller.user;
    }

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

    async function freeConferenceId(): Promise<string> {
      for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
        const id = conferenceId();
        if (reservedIds.has(id) || (await deps.store.meetings.getMeeting(id))) continue;
        reservedIds.add(id);
        return id;
      }
      throw new DomainError('INTERNAL_ERROR', 'no free meeting ID was found');
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

    app.post(
      PREFIX,
      {
        schema: {
          summary: 'Create an instant or scheduled meeting (CreateMeeting)',
          tags: TAGS,
          body: RestScheduleConfSchema,
          response: { 200: Type.Array(ConferenceInfoSchema), ...errorResponses },
        },
      },
      async (request) => {
        const user = callerOf(request);
        const conferenceID = await freeConferenceId();
        try {
          const record = buildMeetingRecord(request.body, user, {
            now: deps.clock.now(),
            publicUrl: deps.publicUrl(),
            conferenceID,
            secrets: meetingSecrets,
          });
          const attendees = attendeeInputs(request.body.attendees ?? []);
          const state = await deps.quotas.createMeeting(user.corpId, attendees, () =>
            deps.engine.createMeeting(record, attendees),
          );
          const deptName = await deptNameOf(record.corpId);
          return [conferenceInfo(state.record, attendeesOf(state), { role: 'chair', deptName })];
        } finally {
          reservedIds.delete(conferenceID);
        }
      },
    );

    app.put(
      PREFIX,
      {
        schema: {
          summary:
            'Edit a scheduled meeting (UpdateMeeting); a present attendee list replaces the current one',
          tags: TAGS,
          querystring: ConferenceIdQuery,
          body: RestScheduleConfSchema,
          response: { 200: Type.Array(ConferenceInfoSchema), ...errorResponses },
        },
      },
      async (request) => {
        const user = callerOf(request);
        const { conferenceID } = request.query;
        const meeting = await managedMeeting(conferenceID, user);
        const current = meeting.runtime.working.record;
        if (current.state !== 'Schedule')
          throw new DomainError('CONF_ALREADY_STARTED', 'only a scheduled meeting can be edited');
        const patch = editPatch(request.body, current, { now: deps.clock.now(), secrets: meetingSecrets });
        const attendees = request.body.attendees ? attendeeInputs(request.body.attendees) : undefined;
        const edit = () =>
          deps.engine.execute(conferenceID, { type: 'edit', patch, ...(attendees ? { attendees } : {}) });
        const state = attendees
          ? await deps.quotas.replaceAttendees(conferenceID, attendees, edit)
          : await edit();
        const deptName = await deptNameOf(state.record.corpId);
        return [conferenceInfo(state.record, attendeesOf(state), { role: 'chair', deptName })];
      },
    );

    app.delete(
      PREFIX,
      {
        schema: {
          summary: 'Cancel a meeting (CancelMeeting); type=1 also ends it when it is in progress',
          tags: TAGS,
          querystring: CancelQuery,
          response: { 200: EmptyBody, ...errorResponses },
        },
      },
      async (request, reply) => {
        const user = callerOf(request);
        const { conferenceID, type } = request.query;
        await managedMeeting(conferenceID, user);
        await deps.engine.execute(conferenceID, { type: 'cancel', endIfRunning: type === 1 });
        return reply.status(200).send();
      },
    );

    app.get(
      PREFIX,
      {
        schema: {
          summary: 'List meetings that have not ended (SearchMeetings)',
          tags: TAGS,
          querystring: MeetingListQuery,
          response: { 200: ConferenceListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = callerOf(request);
        const query = request.query;
        let records = await listedMeetings(user, { ...query, states: NOT_ENDED });
        if (query.searchKey) records = records.filter((r) => meetingMatches(r, query.searchKey ?? ''));
        const window = QUERY_WINDOW_MS[query.queryConfMode];
        if (window !== undefined) {
          const until = deps.clock.now() + window;
          records = records.filter((r) => startOf(r) < until);
        }
        records.sort(byStartTime);
        if (query.sortType === 'DSC_StartTIME') records.reverse();
        return listPage(records, query, user, false);
      },
    );

    app.get(
      `${PREFIX}/online`,
      {
        schema: {
          summary: 'List meetings in progress (SearchOnlineMeetings)',
          tags: TAGS,
          querystring: OnlineListQuery,
          response: { 200: ConferenceListSchema, ...errorResponses },
        },
      },
      async (request) => {
        const user = callerOf(request);
        const query = request.query;
        let records = await listedMeetings(user, { queryAll: query.queryAll, states: IN_PROGRESS });
        if (query.searchKey) records = records.filter((r) => meetingMatches(r, query.searchKey ?? ''));
        records.sort(byStartTime);
        return listPage(records, query, user, true);
      },
    );

    const detailSchema = (summary: string) => ({
      summary,
      tags: TAGS,
      querystring: DetailQuery,
      headers: DetailHeaders,
      response: { 200: ConferenceDetailSchema, ...errorResponses },
    });
    app.get(
      `${PREFIX}/confDetail`,
      {
        schema: detailSchema('A meeting that has not ended, with its invited attendees (ShowMeetingDetail)'),
      },
      (request) => detail(callerOf(request), request.query, request.headers, false),
    );
    app.get(
      `${PREFIX}/online/confDetail`,
      { schema: detailSchema('A meeting in progress, with its invited attendees (ShowOnlineMeetingDetail)') },
      (request) => detail(callerOf(request), request.query, request.headers, true),
    );

    app.post(
      `${PREFIX}/start`,
      {
        schema: {
          summary:
            'Start a meeting with its host password, or its guest password when allowGuestStartConf (StartMeeting)',
          tags: TAGS,
          body: StartBody,
          response: { 200: StartResponse, ...errorResponses },
        },
      },
      async (request) => {
        const { conferenceID, password } = request.body;
        await deps.authAttempts.guard(
          { address: request.ip, target: `meeting:${conferenceID}` },
          async () => {
            const stored = await deps.store.meetings.getMeeting(conferenceID);
            if (!stored || stored.cancelled) throw new DomainError('CONF_AUTH_FAILED');
            const asGuest = !secretEquals(password, stored.chairPwd);
            if (asGuest && !secretEquals(password, stored.guestPwd))
              throw new DomainError('CONF_AUTH_FAILED');
            if (asGuest && stored.confConfigInfo.allowGuestStartConf !== true) {
              throw new DomainError('CONF_AUTH_FAILED', 'the guest password may not start this meeting');
            }
          },
        );
        // An ended meeting is not started again (a new session would need a new confUUID).
        const runtime = await deps.engine.load(conferenceID);
        if (!runtime || runtime.working.record.state === 'Destroyed') throw new DomainError('CONF_ENDED');
        const state = await deps.engine.execute(conferenceID, { type: 'start' });
        return { uuid: state.record.confUUID, regionIP: new URL(deps.publicUrl()).hostname };
      },
    );

    app.get(
      `${PREFIX}/region/info`,
      {
        schema: {
          summary: 'Where a meeting in progress is hosted (regionIP, regionUrl)',
          tags: TAGS,
          querystring: ConferenceIdQuery,
          response: { 200: RegionResponse, ...errorResponses },
        },
      },
      async (request) => {
        const user = callerOf(request);
        const meeting = await visibleMeeting(request.query.conferenceID, user);
        if (meeting.record.state !== 'Created') throw new DomainError('CONF_NOT_STARTED');
        const url = new URL(deps.publicUrl());
        return { regionIP: url.hostname, regionUrl: url.host };
      },
    );
  };
}

function attendeesOf(state: MeetingState): Item[] {
  return [...state.streams.AttendeesNotify.items.values()];
}

/** `thirdAccount` is resolved by the server, never taken from a caller (the validator keeps unknown fields). */
function attendeeInputs(attendees: readonly RestAttendee[]): AttendeeInput[] {
  return attendees.map((attendee) => {
    const { thirdAccount: _ignored, ...input } = attendee as RestAttendee & { thirdAccount?: unknown };
    return input;
  });
}

function startOf(record: MeetingRecord): number {
  return record.startedAt ?? record.scheduledStartAt;
}

function byStartTime(a: MeetingRecord, b: MeetingRecord): number {
  return startOf(a) - startOf(b) || a.conferenceID.localeCompare(b.conferenceID);
}

/** List `searchKey`: subject, scheduler name or meeting ID, case-insensitive. */
function meetingMatches(record: MeetingRecord, searchKey: string): boolean {
  const needle = searchKey.toLowerCase();
  return [record.subject, record.ownerName, record.conferenceID].some((text) =>
    text.toLowerCase().includes(needle),
  );
}
