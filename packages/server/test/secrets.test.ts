/**
 * Secrets (issue 7): never logged, compared in constant time, generated with enough entropy.
 *
 * A node whose logger writes everything, at `trace`, to a buffer — without the production redaction, so that what
 * is proved is that no log call carries a secret at all — serves requests full of secrets, right and wrong: App ID
 * and account authentication, account creation, the control token from the host password, WebSocket tokens,
 * control calls, the host role applied for with the host password, starting and inviting with a password, a
 * media-plane join with the host password, and the push socket. No secret value may appear in the log. The
 * production redaction (src/log-redact.ts) is checked on its own.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretEquals } from '../src/auth/secrets.js';
import { hex32, pid, secretHex, token } from '../src/ids.js';
import { LOG_REDACT } from '../src/log-redact.js';
import { appAuth, confToken, createMeeting, http, pushUrl, signedAppAuth, wsToken } from './chain.js';
import { startSharedServer } from './fuzz/server.js';
import type { TestServer } from './helpers.js';
import { PushClient } from './push-client.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
let log = '';
let server: TestServer;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  server = await startSharedServer(
    { logLevel: 'trace', calleeAnswerDelayMs: 0 },
    pino({ level: 'trace' }, sink),
  );
});

afterAll(() => {
  log = '';
});

describe('secrets in the log', () => {
  it('logs none of the secrets of a full session, right or wrong', async () => {
    const secrets: string[] = [server.appKey];
    // App ID authentication: a right and a wrong signature.
    const admin = await appAuth(server);
    secrets.push(admin);
    const wrong = signedAppAuth({ appId: server.appId, appKey: 'not the key' });
    secrets.push(wrong.signature);
    await http(server, 'POST', '/v2/usg/acs/auth/appauth', { headers: wrong.headers, body: wrong.body });
    // Accounts: created by the administrator, then used with the right and a wrong password.
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const wrongPassword = `pw-${randomBytes(8).toString('hex')}`;
    secrets.push(password, wrongPassword);
    const created = await http(server, 'POST', '/confpush/v1/admin/accounts', {
      headers: { 'X-Access-Token': admin },
      body: { account: 'carol', password, admin: true },
    });
    expect(created.status).toBe(201);
    const stored = await server.node.store.identity.findUserByAccount('carol');
    secrets.push(stored!.passwordHash!);
    for (const pw of [password, wrongPassword]) {
      const res = await http(server, 'POST', '/v1/usg/acs/auth/account', {
        headers: { Authorization: `Basic ${Buffer.from(`carol:${pw}`).toString('base64')}` },
        body: { account: 'carol', clientType: 72 },
      });
      if (res.status === 200) {
        const body = res.body as { accessToken: string; refreshToken: string };
        secrets.push(body.accessToken, body.refreshToken);
      }
    }
    // A meeting with a long guest password, its control tokens and WebSocket tokens.
    const guestPwd = '9081726354453627';
    const meeting = await createMeeting(server, admin, {
      subject: 'secrets',
      confConfigInfo: { guestPwd, allowGuestStartConf: true },
      attendees: [{ name: 'Alice', phone: '+8610000001' }],
    });
    secrets.push(guestPwd, `"${meeting.chairPwd}"`);
    const host = await confToken(server, meeting.conferenceID, meeting.chairPwd);
    const guest = await confToken(server, meeting.conferenceID, guestPwd);
    secrets.push(host.token, host.tmpWsToken, guest.token, guest.tmpWsToken);
    await http(server, 'GET', `/v1/mmc/control/conferences/token?conferenceID=${meeting.conferenceID}`, {
      headers: { 'X-Password': '000000000000', 'X-Login-Type': '1' },
    });
    const ws = await wsToken(server, meeting.conferenceID, host.token);
    secrets.push(ws);
    // Control calls, the host role by password (right and wrong), start and invite with a password.
    await http(server, 'PUT', `/v1/mmc/control/conferences/lock?conferenceID=${meeting.conferenceID}`, {
      headers: { 'X-Conference-Authorization': `Basic ${Buffer.from(host.token).toString('base64')}` },
      body: { isLock: 0 },
    });
    const join = await http(
      server,
      'POST',
      `/confpush/v1/media/conferences/${meeting.conferenceID}/participants`,
      {
        headers: { 'X-Access-Token': admin },
        body: { pid: 'secretsite1', name: 'Host', role: 1, hostPassword: meeting.chairPwd },
      },
    );
    expect(join.status).toBe(200);
    for (const chairmanPwd of [meeting.chairPwd, 'wrongpwd']) {
      await http(
        server,
        'PUT',
        `/v1/mmc/control/conferences/participants/role?conferenceID=${meeting.conferenceID}&participantID=secretsite1`,
        { headers: { 'X-Conference-Authorization': guest.token }, body: { applyChair: 1, chairmanPwd } },
      );
    }
    await http(server, 'POST', '/v1/mmc/management/conferences/start', {
      headers: { 'X-Access-Token': admin },
      body: { conferenceID: meeting.conferenceID, password: guestPwd },
    });
    await http(
      server,
      'POST',
      `/v1/mmc/control/conferences/inviteWithPwd?conferenceID=${meeting.conferenceID}`,
      {
        body: { callNum: '+8610000077', confID: meeting.conferenceID, pwd: guestPwd },
      },
    );
    // The push socket: Subscribe, REFRESHTOKEN, and a Subscribe with a wrong token.
    const client = await PushClient.connect(pushUrl(host.wsURL, meeting.conferenceID, ws));
    client.subscribe(host.token, ['AttendeesNotify']);
    await client.nextAction('Subscribe');
    client.send({
      action: 'ConfControl',
      type: 'REFRESHTOKEN',
      sequence: '1',
      data: JSON.stringify({ confToken: host.token }),
    });
    await client.nextAction('ConfControl');
    const bogus = `cpc${randomBytes(24).toString('hex')}`;
    secrets.push(bogus);
    client.subscribe(bogus, ['AttendeesNotify'], '2');
    await client.next((f) => f['sequence'] === '2');
    client.send('not json');
    await client.closed();
    // A refused socket (its token used twice).
    const reused = await PushClient.connect(pushUrl(host.wsURL, meeting.conferenceID, ws));
    await reused.closed();
    // Logout.
    await http(server, 'DELETE', '/v1/usg/acs/token', { headers: { 'X-Access-Token': admin } });

    await new Promise((r) => setTimeout(r, 50));
    expect(log.length).toBeGreaterThan(0);
    expect(log).toContain('"msg":"request"');
    for (const secret of secrets)
      expect(log.includes(secret), `a secret is in the log: ${secret.slice(0, 6)}…`).toBe(false);
  });

  it('redacts credentials and secret fields in the production logger', () => {
    let out = '';
    const logger = pino(
      { redact: LOG_REDACT },
      new Writable({
        write(chunk: Buffer, _e, done) {
          out += chunk.toString();
          done();
        },
      }),
    );
    logger.info({
      req: {
        headers: {
          authorization: 'S1',
          'x-access-token': 'S2',
          'x-conference-authorization': 'S3',
          'x-password': 'S4',
        },
      },
      body: { password: 'S5', appKey: 'S6', pwd: 'S7', chairmanPwd: 'S8', hostPassword: 'S9' },
      config: { appKey: 'S10' },
      user: { passwordHash: 'S11' },
      confToken: 'S12',
    });
    expect(out).toContain('[redacted]');
    for (let i = 1; i <= 12; i++) expect(out).not.toMatch(new RegExp(`"S${i}"`));
  });
});

describe('secret comparisons and generation', () => {
  it('compares secrets only in constant time: no ===/!== on a secret anywhere in the server', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(SRC);
    // A comparison with an operand named like a secret (password, pwd, appKey, signature, hash), other than a
    // check for absence, must go through secretEquals / timingSafeEqual.
    const secretName = '[\\w.\\[\\]\'"]*(?:[Pp]assword|[Pp]wd|appKey|[Ss]ignature|passwordHash)\\b';
    const comparison = new RegExp(
      `(${secretName}\\s*[!=]==?\\s*[^\\s;)]+)|([^\\s(]+\\s*[!=]==?\\s*${secretName})`,
    );
    // Checks for absence and type checks compare no secret.
    const typeCheck = /typeof\s+[\w.[\]'"]+\s*[!=]==?\s*'\w+'/g;
    const offenders: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.trim().startsWith('//') || line.trim().startsWith('*')) return;
          // Generating a new password that differs from another is not a check of a caller's secret.
          if (/while \(chairPwd === guestPwd\)/.test(line)) return;
          // Whatever is left once absence and type checks are blanked out must not compare a secret.
          const rest = line
            .replace(typeCheck, ' ')
            .replace(/[\w.[\]'"]+\s*[!=]==?\s*(?:undefined\b|null\b|''|""|0\b)/g, ' ');
          if (comparison.test(rest)) offenders.push(`${file.slice(SRC.length)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
    expect(secretEquals('a', 'a')).toBe(true);
    expect(secretEquals('a', 'a ')).toBe(false);
  });

  it('makes tokens of at least 128 bits from the CSPRNG', () => {
    const tokens = new Set(Array.from({ length: 10_000 }, () => token('cpt')));
    expect(tokens.size).toBe(10_000);
    for (const t of [...tokens].slice(0, 100)) expect(t).toMatch(/^cpt[0-9a-f]{48}$/); // 192 bits
    expect(secretHex()).toMatch(/^[0-9a-f]{32}$/); // 128 bits (generated app keys)
    expect(hex32()).toMatch(/^[0-9a-f]{32}$/);
    expect(pid()).toMatch(/^[a-z0-9]{32}$/);
    // Every identifier and secret comes from node:crypto: no Math.random where they are made or checked (timing
    // jitter elsewhere, e.g. retry backoff, is not a secret).
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && /Math\.random\(/.test(readFileSync(p, 'utf8'))) sources.push(p);
      }
    };
    for (const dir of ['auth', 'api', 'domain', 'gateway', 'hub', 'limits', 'ids.ts']) {
      const p = join(SRC, dir);
      if (statSync(p).isDirectory()) walk(p);
      else if (/Math\.random\(/.test(readFileSync(p, 'utf8'))) sources.push(p);
    }
    expect(sources).toEqual([]);
  });
});
