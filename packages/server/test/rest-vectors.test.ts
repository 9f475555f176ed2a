/**
 * Huawei's REST examples as test vectors: the documented request bodies are accepted as they are, and confpush's
 * answers have the documented field names and JSON types.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareShape } from '../../protocol/test/vectors.js';
import {
  appAuth,
  confToken,
  createMeeting,
  http,
  runningMeeting,
  signedAppAuth,
  startMeeting,
  wsToken,
} from './chain.js';
import { startTestServer } from './helpers.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'vectors');
const vector = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(join(DIR, name), 'utf8')) as T;
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

describe('REST examples', () => {
  it('create meeting: the documented body is accepted and the answer has the documented shape', async () => {
    const server = await startTestServer();
    const token = await appAuth(server);
    const body = { ...vector('create-meeting.request.json'), startTime: inAnHour() };
    const res = await http(server, 'POST', '/v1/mmc/management/conferences', {
      headers: { 'X-Access-Token': token },
      body,
    });
    expect(res.status).toBe(200);
    const shape = compareShape(vector('create-meeting.response.json'), res.body);
    expect(shape).toEqual({ mismatched: [], missing: [] });
    const info = (res.body as Record<string, unknown>[])[0]!;
    expect(info).toMatchObject({
      subject: '例行会议',
      size: 1,
      conferenceState: 'Schedule',
      confType: 'FUTURE',
    });
  });

  it('appauth: the answer has the documented shape', async () => {
    const server = await startTestServer();
    const res = await appAuthRaw(server);
    expect(compareShape(vector('appauth.response.json'), res)).toEqual({ mismatched: [], missing: [] });
  });

  it('start and wsToken: the documented body is accepted, the answer has the documented shape', async () => {
    const server = await startTestServer();
    const token = await appAuth(server);
    const meeting = await createMeeting(server, token, { startTime: inAnHour() });
    const start = {
      ...vector('start-meeting.request.json'),
      conferenceID: meeting.conferenceID,
      password: meeting.chairPwd,
    };
    const res = await http(server, 'POST', '/v1/mmc/management/conferences/start', {
      headers: { 'X-Access-Token': token },
      body: start,
    });
    expect(res.status).toBe(200);
    await startMeeting(server, token, meeting);
    const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd);
    const ws = await http(
      server,
      'GET',
      `/v1/mmc/control/conferences/wsToken?conferenceID=${meeting.conferenceID}`,
      {
        headers: { 'X-Conference-Authorization': conf.token },
      },
    );
    expect(compareShape(vector('ws-token.response.json'), ws.body)).toEqual({ mismatched: [], missing: [] });
    expect(await wsToken(server, meeting.conferenceID, conf.token)).toMatch(/^cpw[0-9a-f]{48}$/);
  });

  it.each([
    ['invite.request.json', 'POST', '/participants', false],
    ['mute-all.request.json', 'PUT', '/mute', false],
    ['mute.request.json', 'PUT', '/participants/mute', true],
    ['hands.request.json', 'PUT', '/participants/hands', true],
    ['share-invite.request.json', 'PUT', '/participants/share/invite', true],
  ] as const)(
    'meeting control: %s is accepted as documented',
    async (name, method, path, needsParticipant) => {
      const server = await startTestServer();
      const meeting = await runningMeeting(server);
      const conf = await confToken(server, meeting.conferenceID, meeting.chairPwd);
      let query = `?conferenceID=${meeting.conferenceID}`;
      if (needsParticipant) {
        await server.node.engine.execute(meeting.conferenceID, {
          type: 'join',
          site: { pid: 'd2c3ae64216e11eabc510dc9b62e3a80', name: 'p' },
        });
        query += '&participantID=d2c3ae64216e11eabc510dc9b62e3a80';
      }
      const res = await http(server, method, `/v1/mmc/control/conferences${path}${query}`, {
        headers: { 'X-Conference-Authorization': `Basic ${Buffer.from(conf.token).toString('base64')}` },
        body: vector(name),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toBeUndefined();
    },
  );
});

async function appAuthRaw(server: Awaited<ReturnType<typeof startTestServer>>): Promise<unknown> {
  const { headers, body } = signedAppAuth(server, 'u1');
  const res = await http(server, 'POST', '/v2/usg/acs/auth/appauth', { headers, body });
  expect(res.status).toBe(200);
  return res.body;
}
