/**
 * `MeetingReplica`: typed views read from Huawei's documented examples (packages/protocol/test/vectors), the
 * tolerance cases of reference §10, and the change events derived from hand-made incrementals and fulls.
 */
import { describe, expect, it } from 'vitest';
import { MeetingReplica, type MeetingChange } from '../src/index.js';
import { vector } from '../../protocol/test/vectors.js';
import { full, fullFields, inc, incFields, participant } from './support/frames.js';

function replicaWith(...names: string[]): MeetingReplica {
  const replica = new MeetingReplica();
  for (const name of names) expect(replica.applyFrame(vector(name)).outcome).toBe('applied');
  return replica;
}

function types(changes: readonly MeetingChange[]): string[] {
  return changes.map((c) => c.type);
}

describe('MeetingReplica', () => {
  describe('typed views of the documented examples', () => {
    it('participants: pinfoMap strings become typed fields; unknown keys stay in pinfo', () => {
      const p = replicaWith('push-ParticipantsNotify.json').participants.get(
        'uzr571a9brwu11cvcibvru5a7r7rryiy',
      );
      expect(p).toMatchObject({
        pid: 'uzr571a9brwu11cvcibvru5a7r7rryiy',
        name: '张三',
        tel: '+86571299676493248',
        role: 'host',
        state: 'in-meeting',
        muted: true,
        handUp: false,
        sharing: false,
        camera: true,
        video: true,
        coHost: false,
        broadcast: false,
        rollCall: false,
        anonymous: false,
        localRecording: false,
        joinedAt: 1611988486336,
        loginType: 'Desktop',
        accountId: '271682cfdbe14fa9ae3a8b25f7502627',
        account: 'zhangsan',
        thirdAccount: 'zhangsan',
        orgId: '44252',
      });
      expect(p?.pinfo['RTC_USER_ID']).toBe('uzr571a9brwu11cvcibvru5a7r7rryiy');
      expect(p?.pinfo['CLIENT_CAPABILITIES']).toBe('1,3');
    });

    it('attendees: orgID or orgId, keyed by phone when there is no participantID', () => {
      const attendees = replicaWith('push-AttendeesNotify.json').attendees;
      const a = attendees.get('+86571********');
      expect(a).toMatchObject({
        key: '+86571********',
        userUUID: '271682cfdbe14fa9ae3a8b25f7502627',
        name: '张三',
        accountId: 'zhangsan',
        role: 'host',
        isMute: false,
        isAutoInvite: false,
        type: 'normal',
        deptName: 'department2',
        orgId: '44252',
        thirdAccount: 'zhangsan',
        hidePhone: false,
      });
      expect(a?.raw['mode']).toBeUndefined();
    });

    it('status and basic info: 0/1 integers as booleans, ms strings as numbers, extras kept raw', () => {
      const replica = replicaWith('push-ConfDynamicInfoNotify.json', 'push-ConfBasicInfoNotify.json');
      expect(replica.status).toMatchObject({
        state: 'Created',
        endTime: 1611994784164,
        mode: 'FREE',
        vas: true,
        picNum: 16,
        lock: false,
        mute: true,
        canUnmute: true,
        recording: false,
        maxPartViewNum: 8,
      });
      expect(replica.status?.raw['audienceVideoLayout']).toBe('speakerVideoLayout');
      expect(replica.status?.raw['msgID']).toBeUndefined();
      expect(replica.basicInfo).toMatchObject({
        displayID: '900487914',
        title: '张三的会议',
        startTime: 1611988484164,
        scheduledStartTime: 1611988483700,
        pwds: [
          { role: 'chair', pwd: '******' },
          { role: 'general', pwd: '******' },
        ],
        recType: 1,
        media: 2,
        supportWatermark: true,
        realTimeSubtitle: false,
        confMode: 'COMMON',
        orgID: '44252',
      });
    });

    it('speakers, media quality and invitation results', () => {
      const replica = replicaWith(
        'push-SpeakerChangeNotify.json',
        'push-NetConditionNotify.json',
        'push-InviteResultNotify.json',
      );
      expect(replica.speakers).toEqual([
        { pid: 'w5v17oiroco5zy9boia91yar1a17wzvy', name: '张三', speakingVolume: 45 },
      ]);
      expect(replica.netConditions.get('uzr571a9brwu11cvcibvru5a7r7rryiy')).toMatchObject({
        netInfo: 'good',
        delay: 37,
        jitter: 0,
        bandwidth: 61440,
        audioCodecType: 'AACLD',
        videoCodecType: 'H264HP',
      });
      expect(replica.inviteResults.get('+86571299676493248')).toMatchObject({
        resultCode: '0',
        succeeded: true,
      });
    });

    it('captions with trailing-space keys, waiting list with CLIENT_LOGIN_TYPE, interpreter groups under interpreterGroups', () => {
      const replica = replicaWith(
        'push-RealTimeSubtitleNotify.json',
        'push-WaitingListNotify.json',
        'push-InterpreterGroupNotify.json',
      );
      expect(replica.subtitles).toMatchObject({
        msgs: [
          {
            subtitleLang: 'Mandarin',
            translateText: '实时字幕。 ',
            id: 'c0196fb9-c9c3-47ba-a685-05223552de2f',
          },
        ],
        isFinal: false,
        timestamp: 1614936396553,
        beginTime: 1528680,
        endTime: 1530900,
        participantID: '984r8z9f4p6p6pry97yfan6z76681f09',
      });
      expect(replica.waitingList.get('eaaa0ff4670e11ed904fc9138207434e')).toMatchObject({
        name: 'yangtest05',
        loginType: 'Desktop',
        tel: '+86571234209651824',
        joinedAt: 1668754928397,
        anonymous: false,
      });
      expect(replica.interpreterGroups).toMatchObject([
        {
          groupId: 'f798ed8d5e45cb342baa6be0dc8b2068',
          firstLanguage: 'en',
          secondLanguage: 'zh',
          interpreters: [{ userID: 'abe9848d09d640a99aa3c80087a722f0', name: 'mmrcorp28' }],
        },
      ]);
    });
  });

  describe('tolerance (reference §10)', () => {
    it.each(['CLICENT_LOGIN_TYPE', 'CLIENT_LOGIN_TYPE', 'CLIENT_ LOG IN_TYPE'])(
      'reads the login type from %j',
      (key) => {
        const replica = new MeetingReplica();
        replica.applyFrame(full('ParticipantsNotify', [participant('p', { [key]: 'Mobile' })]));
        expect(replica.participants.get('p')?.loginType).toBe('Mobile');
      },
    );

    it('accepts numbers where strings are documented and strings where numbers are', () => {
      const replica = new MeetingReplica();
      replica.applyFrame(
        full('ParticipantsNotify', [{ pid: 7, mode: '0', pinfoMap: { MUTE: 1, ROLE: 2, ADDTIME: 5 } }]),
      );
      replica.applyFrame(
        fullFields('ConfDynamicInfoNotify', { picNum: '9', lock: '1', endTime: 1700, futureField: 'x' }),
      );
      replica.applyFrame(full('NetConditionNotify', [{ participantID: 'p', delay: 12, bandwidth: '2048' }]));
      expect(replica.participants.get('7')).toMatchObject({ muted: true, role: 'audience', joinedAt: 5 });
      expect(replica.status).toMatchObject({ picNum: 9, lock: true, endTime: 1700 });
      expect(replica.status?.raw['futureField']).toBe('x');
      expect(replica.netConditions.get('p')).toMatchObject({ delay: 12, bandwidth: 2048 });
    });

    it('reads invitation results from errorCode as well as resultCode, and names leave reasons', () => {
      const replica = new MeetingReplica();
      replica.applyFrame(
        full('InviteResultNotify', [
          { callNumber: '+1', errorCode: '11076010' },
          { callNumber: 2, resultCode: 0 },
        ]),
      );
      expect(replica.inviteResults.get('+1')).toMatchObject({ resultCode: '11076010', succeeded: false });
      expect(replica.inviteResults.get('+1')?.leaveReason).toMatch(/left by itself/);
      expect(replica.inviteResults.get('2')).toMatchObject({ resultCode: '0', succeeded: true });
    });

    it('reads interpreter groups under data with groupId', () => {
      const replica = new MeetingReplica();
      replica.applyFrame(
        full('InterpreterGroupNotify', [{ groupId: 'g1', groupName: 'EN-ZH', interpreters: [] }]),
      );
      expect(replica.interpreterGroups).toMatchObject([
        { groupId: 'g1', groupName: 'EN-ZH', interpreters: [] },
      ]);
    });

    it('treats an absent speaker list as nobody speaking', () => {
      const replica = new MeetingReplica();
      replica.applyFrame(full('SpeakerChangeNotify', [{ pid: 'a', speakingVolume: '30' }]));
      expect(replica.speakers).toEqual([{ pid: 'a', speakingVolume: 30 }]);
      const { data: _data, ...empty } = full('SpeakerChangeNotify', undefined);
      replica.applyFrame(empty);
      expect(replica.speakers).toEqual([]);
    });

    it('ignores frames that are not push messages', () => {
      const replica = new MeetingReplica();
      expect(replica.applyFrame({ action: 'HeartBeat' }).outcome).toBe('ignored');
      expect(replica.applyFrame('nonsense').outcome).toBe('ignored');
    });
  });

  describe('change events', () => {
    const start = () => {
      const replica = new MeetingReplica();
      const initial = replica.applyFrame(
        full(
          'ParticipantsNotify',
          [
            participant('a', { NAME: 'Alice', MUTE: '0', HAND: '0', ROLE: '0' }),
            participant('b', { NAME: 'Bob', MUTE: '1', ROLE: '1' }),
          ],
          { epoch: 'e', seq: 0 },
        ),
      );
      return { replica, initial };
    };

    it('a first full message announces everyone it contains', () => {
      const { initial } = start();
      expect(initial.changes.map((c) => [c.type, c.via])).toEqual([
        ['participantJoined', 'full'],
        ['participantJoined', 'full'],
      ]);
    });

    it('incrementals: joined, updated with the changed keys, muted, hand raised, role changed, left', () => {
      const { replica } = start();
      const joined = replica.applyFrame(inc('ParticipantsNotify', 1, [participant('c', { NAME: 'Carol' })]));
      expect(joined.changes).toMatchObject([
        { type: 'participantJoined', via: 'incremental', participant: { name: 'Carol' } },
      ]);

      const updated = replica.applyFrame(
        inc('ParticipantsNotify', 2, [participant('a', { MUTE: '1', HAND: '1', ROLE: '1' })]),
      );
      expect(types(updated.changes)).toEqual(['participantUpdated', 'muted', 'handRaised', 'roleChanged']);
      expect(updated.changes[0]).toMatchObject({
        changed: ['role', 'muted', 'handUp'],
        changedKeys: ['MUTE', 'HAND', 'ROLE'],
        previous: { muted: false },
        participant: { muted: true, name: 'Alice' },
      });
      expect(updated.changes[3]).toMatchObject({ from: 'participant', to: 'host' });

      const lowered = replica.applyFrame(
        inc('ParticipantsNotify', 3, [participant('a', { MUTE: '0', HAND: '0' })]),
      );
      expect(types(lowered.changes)).toEqual(['participantUpdated', 'unmuted', 'handLowered']);

      const same = replica.applyFrame(inc('ParticipantsNotify', 4, [participant('a', { NAME: 'Alice' })]));
      expect(same.changes).toEqual([]);

      const left = replica.applyFrame(inc('ParticipantsNotify', 5, [participant('b', {}, 1)]));
      expect(left.changes).toMatchObject([
        { type: 'participantLeft', participant: { pid: 'b', name: 'Bob' } },
      ]);
    });

    it('a rebuilding full message yields the difference as events', () => {
      const { replica } = start();
      const rebuilt = replica.applyFrame(
        full(
          'ParticipantsNotify',
          [participant('b', { NAME: 'Bobby', MUTE: '0', ROLE: '1' }), participant('d')],
          {
            epoch: 'e2',
            seq: 1,
          },
        ),
      );
      expect(rebuilt.changes.map((c) => [c.type, c.via])).toEqual([
        ['participantLeft', 'full'],
        ['participantUpdated', 'full'],
        ['unmuted', 'full'],
        ['participantJoined', 'full'],
      ]);
    });

    it('duplicates and gaps change nothing; acceptGap applies the frame anyway', () => {
      const { replica } = start();
      replica.applyFrame(inc('ParticipantsNotify', 1, [participant('c')]));
      const duplicate = replica.applyFrame(inc('ParticipantsNotify', 1, [participant('x')]));
      expect([duplicate.outcome, duplicate.changes]).toEqual(['duplicate', []]);
      const gap = replica.applyFrame(inc('ParticipantsNotify', 3, [participant('y')]));
      expect([gap.outcome, gap.changes]).toEqual(['gap', []]);
      expect(replica.participants.has('y')).toBe(false);
      const accepted = replica.applyFrame(inc('ParticipantsNotify', 3, [participant('y')]), {
        acceptGap: true,
      });
      expect(accepted.outcome).toBe('applied');
      expect(types(accepted.changes)).toEqual(['participantJoined']);
      expect(replica.positions().ParticipantsNotify).toEqual({ epoch: 'e', seq: 3 });
    });

    it('attendees: added, updated with changed fields, removed', () => {
      const replica = new MeetingReplica();
      replica.applyFrame(full('AttendeesNotify', [{ participantID: 'x', name: 'X', role: 0 }]));
      const changes = replica.applyFrame(
        inc('AttendeesNotify', 1, [
          { participantID: 'x', name: 'X', role: 1, mode: 0 },
          { participantID: 'y', name: 'Y', mode: 0 },
        ]),
      ).changes;
      expect(changes).toMatchObject([
        { type: 'attendeeUpdated', changed: ['role'], changedKeys: ['role'], attendee: { role: 'host' } },
        { type: 'attendeeAdded', attendee: { key: 'y' } },
      ]);
      const removed = replica.applyFrame(
        inc('AttendeesNotify', 2, [{ participantID: 'x', mode: 1 }]),
      ).changes;
      expect(removed).toMatchObject([{ type: 'attendeeRemoved', attendee: { name: 'X' } }]);
    });

    it('status: changed fields, and meetingEnded once when the state becomes Destroyed', () => {
      const replica = new MeetingReplica();
      const first = replica.applyFrame(
        fullFields('ConfDynamicInfoNotify', { state: 'Created', lock: 0, mute: 0 }),
      );
      expect(first.changes).toMatchObject([{ type: 'statusChanged', previous: undefined }]);
      const locked = replica.applyFrame(incFields('ConfDynamicInfoNotify', 1, { lock: 1 }));
      expect(locked.changes).toMatchObject([
        { type: 'statusChanged', changed: ['lock'], changedKeys: ['lock'] },
      ]);
      const ended = replica.applyFrame(incFields('ConfDynamicInfoNotify', 2, { state: 'Destroyed' }));
      expect(types(ended.changes)).toEqual(['statusChanged', 'meetingEnded']);
      const again = replica.applyFrame(incFields('ConfDynamicInfoNotify', 3, { endTime: '5' }));
      expect(types(again.changes)).toEqual(['statusChanged']);
    });

    it('basic info, speakers, captions, invitation results, waiting room, interpreter groups, media quality', () => {
      const replica = new MeetingReplica();
      const basic = replica.applyFrame(vector('push-ConfBasicInfoNotify.json'));
      expect(types(basic.changes)).toEqual(['basicInfoChanged']);
      expect(types(replica.applyFrame(vector('push-SpeakerChangeNotify.json')).changes)).toEqual([
        'speakersChanged',
      ]);
      expect(types(replica.applyFrame(vector('push-SpeakerChangeNotify.json')).changes)).toEqual([]);
      expect(types(replica.applyFrame(vector('push-RealTimeSubtitleNotify.json')).changes)).toEqual([
        'subtitle',
      ]);
      const invite = replica.applyFrame(vector('push-InviteResultNotify.json')).changes;
      expect(invite).toMatchObject([
        { type: 'inviteResult', result: { callNumber: '+86571299676493248', succeeded: true } },
      ]);
      const waiting = replica.applyFrame(vector('push-WaitingListNotify.json')).changes;
      expect(waiting).toMatchObject([
        { type: 'waitingListChanged', added: [{ name: 'yangtest05' }], removed: [] },
      ]);
      const left = replica.applyFrame(
        inc('WaitingListNotify', 2, [{ pid: 'eaaa0ff4670e11ed904fc9138207434e', mode: 1 }]),
      );
      expect(left.changes).toMatchObject([
        { type: 'waitingListChanged', added: [], removed: [{ name: 'yangtest05' }], waitingList: [] },
      ]);
      const groups = replica.applyFrame(vector('push-InterpreterGroupNotify.json')).changes;
      expect(groups).toMatchObject([
        { type: 'interpreterGroupsChanged', previous: [], groups: [{ firstLanguage: 'en' }] },
      ]);
      const net = replica.applyFrame(vector('push-NetConditionNotify.json')).changes;
      expect(net).toMatchObject([
        {
          type: 'netConditionChanged',
          participantID: 'uzr571a9brwu11cvcibvru5a7r7rryiy',
          previous: undefined,
        },
      ]);
    });
  });
});
