/**
 * The SDK's calls beyond the token chain, against a real node: the JSON request helper, meeting management, REST
 * meeting control, the media-plane API and `ConfControl` frames on the push socket. Each change is seen where a
 * subscriber sees it: in the session's replica, through the push stream.
 */
import { ERRORS, REPLY_CODES } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer } from '../../../server/test/helpers.js';
import {
  ConfpushApiError,
  ConfpushClient,
  ConfpushProtocolError,
  type MeetingSession,
  type WebSocketConstructor,
} from '../../src/index.js';

/** Resolves when `check` holds after a change of the session (or at once). */
function changed(session: MeetingSession, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (check()) return resolve();
    const off = session.on('change', () => {
      if (!check()) return;
      off();
      resolve();
    });
  });
}

describe('SDK REST helpers and ConfControl', () => {
  it('creates a meeting, drives it through the media plane and meeting control, and sends ConfControl', async () => {
    const server = await startTestServer({ config: { speakerIntervalMs: 10, calleeAnswerDelayMs: 0 } });
    const client = new ConfpushClient({
      baseUrl: server.url,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    });
    const { accessToken } = await client.rest.appAuth({ appId: server.appId, appKey: server.appKey });

    // request(): any path; the parsed answer, or a ConfpushApiError with the documented error code.
    expect(await client.rest.request('GET', '/healthz')).toEqual({ status: 'ok' });
    const refused = await client.rest
      .request('GET', '/v1/mmc/control/conferences/token?conferenceID=1', {
        headers: { 'X-Password': 'wrong', 'X-Login-Type': '1' },
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfpushApiError);
    expect((refused as ConfpushApiError).errorCode).toBe(ERRORS.CONF_AUTH_FAILED.code);

    const meeting = await client
      .meetings(accessToken)
      .create({ subject: 'sdk calls', mediaTypes: 'HDVideo' });
    expect(meeting).toMatchObject({ state: 'Created', conferenceID: expect.stringMatching(/^\d+$/) });
    expect(meeting.hostPassword).toMatch(/^\d+$/);
    expect(meeting.guestPassword).toMatch(/^\d+$/);

    const session = client.createSession({
      conferenceID: meeting.conferenceID,
      hostPassword: meeting.hostPassword,
    });
    // Not live yet: no socket to send a ConfControl frame on.
    await expect(session.confControl('REALTIMESUBTITLE', { isSubtitle: 1 })).rejects.toBeInstanceOf(
      ConfpushProtocolError,
    );
    await session.start();
    expect(session.basicInfo?.title).toBe('sdk calls');

    const media = client.mediaPlane(meeting.conferenceID, accessToken);
    const ann = await media.join({ name: 'Ann', tel: '+8610000001' });
    expect(ann.waiting).toBe(false);
    await changed(session, () => session.participants.get(ann.pid)?.name === 'Ann');
    await media.setMute(ann.pid, true);
    await changed(session, () => session.participants.get(ann.pid)?.muted === true);
    await media.setHand(ann.pid, true);
    await changed(session, () => session.participants.get(ann.pid)?.handUp === true);
    await media.reportVolumes([{ pid: ann.pid, volume: 80 }]);
    await changed(session, () => session.speakers.some((s) => s.pid === ann.pid));

    const control = session.control();
    await control.lock(true);
    await changed(session, () => session.status?.lock === true);
    await control.invite([{ name: 'Bob', phone: '+8610000002', type: 'normal' }]);
    await changed(session, () => [...session.attendees.values()].some((a) => a.phone === '+8610000002'));
    await control.deleteAttendees(['+8610000002']);
    await changed(session, () => ![...session.attendees.values()].some((a) => a.phone === '+8610000002'));

    // ConfControl on the push socket: captions on (the reply), then a caption arrives.
    const reply = await session.confControl('REALTIMESUBTITLE', { isSubtitle: 1, subtitleType: 0 });
    expect(reply.returnCode).toBe(REPLY_CODES.SUCCESS.code);
    await changed(session, () => session.status?.realTimeSubtitle === true);
    await media.caption({ pid: ann.pid, text: 'hello' });
    await changed(session, () => session.subtitles?.msgs.some((m) => m.translateText === 'hello') === true);
    const unknown = await session.confControl('NOT_A_TYPE');
    expect(unknown.returnCode).toBe(REPLY_CODES.UNKNOWN_CONTROL_TYPE.code);

    await media.leave(ann.pid, 11076010); // left by itself (reference §8 leave reasons)
    await changed(session, () => !session.participants.has(ann.pid));
    session.close();
  });
});
