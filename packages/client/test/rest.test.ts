/**
 * `RestClient` and `signAppAuth`: the token chain's requests, responses and errors, over an injected `fetch`; how a
 * call ends early (the client's signal, the timeout, an answer cut short), against a real HTTP server on loopback.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adviseOnApiError, ConfpushApiError, RestClient, signAppAuth } from '../src/index.js';

interface Captured {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records each request and answers with the next canned response. */
function fakeFetch(...responses: (Response | Error)[]) {
  const calls: Captured[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    calls.push({ url: new URL(String(input)), method: init?.method ?? 'GET', headers, body });
    const next = responses.shift();
    if (!next) throw new Error('no canned response left');
    if (next instanceof Error) throw next;
    return next;
  };
  return { calls, fetch: fetchImpl as typeof fetch };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const hmac = (key: string, message: string) => createHmac('sha256', key).update(message).digest('hex');

describe('signAppAuth', () => {
  const base = { appId: 'app', appKey: 'secret', expireTime: 1700000000, nonce: 'n'.repeat(32) };
  it.each([
    ['single enterprise, user', { userId: 'u1' }, 'app:u1:1700000000:' + 'n'.repeat(32)],
    ['single enterprise, administrator', {}, 'app::1700000000:' + 'n'.repeat(32)],
    ['SP app, SP administrator', { corpId: '' }, 'app:::1700000000:' + 'n'.repeat(32)],
    ['SP app, enterprise administrator', { corpId: 'corp' }, 'app:corp::1700000000:' + 'n'.repeat(32)],
    [
      'SP app, user of an enterprise',
      { corpId: 'corp', userId: 'u1' },
      'app:corp:u1:1700000000:' + 'n'.repeat(32),
    ],
  ])('%s signs %j', async (_name, identity, stringToSign) => {
    expect(await signAppAuth({ ...base, ...identity })).toBe(hmac('secret', stringToSign));
  });
});

describe('RestClient', () => {
  describe('#appAuth', () => {
    it('sends the HMAC Authorization header and the signed body', async () => {
      const { calls, fetch } = fakeFetch(
        json({ accessToken: 'cnr1', validPeriod: '86400', expireTime: 1700086400 }),
      );
      const rest = new RestClient({ baseUrl: 'http://meeting.test/', fetch });
      const before = Math.floor(Date.now() / 1000);
      const token = await rest.appAuth({
        appId: 'app-1',
        appKey: 'key',
        userId: 'alice',
        userName: 'Alice',
        corpId: '',
      });
      expect(token).toMatchObject({ accessToken: 'cnr1', validPeriod: 86400, expireTime: 1700086400 });

      const [call] = calls;
      expect(call?.method).toBe('POST');
      expect(call?.url.href).toBe('http://meeting.test/v2/usg/acs/auth/appauth');
      const body = call?.body as { appId: string; clientType: number; expireTime: number; nonce: string };
      expect(body).toMatchObject({ appId: 'app-1', clientType: 72, userId: 'alice', userName: 'Alice' });
      expect(body).not.toHaveProperty('corpId');
      expect(body.nonce).toMatch(/^[0-9a-f]{48}$/);
      expect(body.expireTime - before).toBeGreaterThanOrEqual(600);
      const signature = hmac('key', `app-1::alice:${body.expireTime}:${body.nonce}`);
      expect(call?.headers['authorization']).toBe(
        `HMAC-SHA256 signature=${signature},access=${Buffer.from('app-1').toString('base64')}`,
      );
      expect(call?.headers['x-token-type']).toBe('LongTicket');
      expect(call?.headers['content-type']).toMatch(/^application\/json/);
    });
  });

  describe('#accountAuth', () => {
    it('sends Basic auth and exactly {account, clientType: 72}', async () => {
      const { calls, fetch } = fakeFetch(json({ accessToken: 'cnr2' }));
      await new RestClient({ baseUrl: 'http://meeting.test', fetch }).accountAuth({
        account: 'zhangsan',
        password: 'pässword',
      });
      expect(calls[0]?.headers['authorization']).toBe(
        `Basic ${Buffer.from('zhangsan:pässword').toString('base64')}`,
      );
      expect(calls[0]?.body).toEqual({ account: 'zhangsan', clientType: 72 });
    });
  });

  describe('#getConfToken', () => {
    const tokenBody = {
      data: {
        token: 'stb1',
        tmpWsToken: 'tmp',
        wsURL: 'wss://push.test',
        role: '1',
        expireTime: '1700000000000',
        confTokenExpireTime: 1800,
        supportNotifyType: ['ParticipantsNotify', 7],
        vendorExtra: true,
      },
    };

    it('authenticates with the host password and normalizes numbers sent as strings', async () => {
      const { calls, fetch } = fakeFetch(json(tokenBody));
      const info = await new RestClient({ baseUrl: 'http://meeting.test', fetch }).getConfToken(
        '900 1',
        'pw',
      );
      expect(calls[0]?.url.pathname).toBe('/v1/mmc/control/conferences/token');
      expect(calls[0]?.url.searchParams.get('conferenceID')).toBe('900 1');
      expect(calls[0]?.headers).toMatchObject({ 'x-password': 'pw', 'x-login-type': '1' });
      expect(calls[0]?.headers['x-conference-authorization']).toBeUndefined();
      expect(info).toMatchObject({
        token: 'stb1',
        wsURL: 'wss://push.test',
        role: 1,
        expireTime: 1700000000000,
        confTokenExpireTime: 1800,
        supportNotifyType: ['ParticipantsNotify'],
        vendorExtra: true,
      });
    });

    it('keeps a token alive with X-Conference-Authorization (and the password when given)', async () => {
      const { calls, fetch } = fakeFetch(json(tokenBody), json(tokenBody));
      const rest = new RestClient({ baseUrl: 'http://meeting.test', fetch });
      await rest.getConfToken('9', { keepAlive: 'stb1' });
      await rest.getConfToken('9', { keepAlive: 'stb1', password: 'pw' });
      expect(calls[0]?.headers['x-conference-authorization']).toBe('stb1');
      expect(calls[0]?.headers['x-password']).toBeUndefined();
      expect(calls[1]?.headers).toMatchObject({ 'x-conference-authorization': 'stb1', 'x-password': 'pw' });
    });

    it('refuses a response without the fields the socket needs', async () => {
      const { fetch } = fakeFetch(json({ data: { token: 'stb1' } }));
      const error = await new RestClient({ baseUrl: 'http://x', fetch })
        .getConfToken('9', 'pw')
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ConfpushApiError', errorCode: 'BAD_RESPONSE', status: 200 });
    });
  });

  describe('#getWsToken', () => {
    it('reads Huawei Cloud`s flat answer and the WeLink wrapped one', async () => {
      const { calls, fetch } = fakeFetch(
        json({ webSocketToken: 'ws1' }),
        json({ returnCode: 0, data: { webSocketToken: 'ws2' } }),
      );
      const rest = new RestClient({ baseUrl: 'http://meeting.test', fetch });
      expect(await rest.getWsToken('9', 'stb1')).toBe('ws1');
      expect(await rest.getWsToken('9', 'stb1')).toBe('ws2');
      expect(calls[0]?.method).toBe('GET');
      expect(calls[0]?.url.pathname).toBe('/v1/mmc/control/conferences/wsToken');
      expect(calls[0]?.headers['x-conference-authorization']).toBe('stb1');
    });
  });

  describe('errors', () => {
    it('turns {error_code, error_msg} into a ConfpushApiError with the HTTP status', async () => {
      const { fetch } = fakeFetch(
        json({ error_code: 'MMC.111072065', error_msg: 'CONF_NOT_FOUND_OR_AUTH_FAILED' }, 400),
      );
      const error = await new RestClient({ baseUrl: 'http://x', fetch })
        .getWsToken('9', 't')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfpushApiError);
      expect(error).toMatchObject({
        status: 400,
        errorCode: 'MMC.111072065',
        errorMsg: 'CONF_NOT_FOUND_OR_AUTH_FAILED',
      });
    });

    it('reports a body that is not JSON by its status, and a network failure as status 0', async () => {
      const { fetch } = fakeFetch(
        new Response('<html>bad gateway</html>', { status: 502 }),
        new TypeError('fetch failed'),
      );
      const rest = new RestClient({ baseUrl: 'http://x', fetch });
      expect(await rest.getWsToken('9', 't').catch((e: unknown) => e)).toMatchObject({
        status: 502,
        errorCode: 'HTTP_502',
      });
      expect(await rest.getWsToken('9', 't').catch((e: unknown) => e)).toMatchObject({
        status: 0,
        errorCode: 'NETWORK_ERROR',
        errorMsg: 'fetch failed',
      });
    });

    it('advises what a connection should do about each failure', () => {
      const api = (status: number, errorCode: string) =>
        new ConfpushApiError({ status, errorCode, errorMsg: '' });
      expect(adviseOnApiError(api(0, 'NETWORK_ERROR'), false)).toBe('retry');
      expect(adviseOnApiError(api(503, 'MMC.111000503'), true)).toBe('retry');
      expect(adviseOnApiError(api(400, 'MMC.111072005'), false)).toBe('meeting-gone');
      expect(adviseOnApiError(api(401, 'MMC.111072066'), false)).toBe('refresh-token');
      expect(adviseOnApiError(api(400, 'MMC.111072065'), true)).toBe('terminal');
      expect(adviseOnApiError(new Error('other'), true)).toBe('retry');
    });
  });
});

describe('RestClient against a real server: calls that end early', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** A loopback HTTP server whose handler decides how (and whether) to answer; `requests` resolves each arrival. */
  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    const arrived: IncomingMessage[] = [];
    let onArrival: (() => void) | undefined;
    const server = createServer((req, res) => {
      arrived.push(req);
      onArrival?.();
      handler(req, res);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const arrivals = (n: number) =>
      new Promise<void>((resolve) => {
        onArrival = () => arrived.length >= n && resolve();
        onArrival();
      });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrived, arrivals };
  }

  it('aborts a call in flight when its signal is aborted, and refuses later calls without sending them', async () => {
    const silent = await serve(() => undefined);
    const owner = new AbortController();
    const rest = new RestClient({ baseUrl: silent.url, signal: owner.signal });
    const call = rest.request('GET', '/v1/mmc/management/conferences/online').catch((e: unknown) => e);
    await silent.arrivals(1);
    owner.abort(new Error('the owner is stopping'));
    expect(await call).toMatchObject({
      status: 0,
      errorCode: 'NETWORK_ERROR',
      errorMsg: 'the owner is stopping',
    });
    expect(await rest.getWsToken('9', 't').catch((e: unknown) => e)).toMatchObject({
      status: 0,
      errorCode: 'NETWORK_ERROR',
    });
    expect(silent.arrived).toHaveLength(1);
  });

  it('gives up on a server that does not answer after requestTimeoutMs', async () => {
    const silent = await serve(() => undefined);
    const rest = new RestClient({ baseUrl: silent.url, requestTimeoutMs: 50 });
    expect(await rest.request('GET', '/x').catch((e: unknown) => e)).toMatchObject({
      status: 0,
      errorCode: 'NETWORK_ERROR',
      errorMsg: 'The operation was aborted due to timeout',
    });
  });

  it('reports an answer whose body is cut short as a network error, a refusal cut short by its status', async () => {
    const cut = await serve((req, res) => {
      res.writeHead(req.url === '/refused' ? 502 : 200, {
        'Content-Type': 'application/json',
        'Content-Length': '100',
      });
      res.write('{"accessToken":', () => res.destroy());
    });
    const rest = new RestClient({ baseUrl: cut.url });
    expect(await rest.request('GET', '/answer').catch((e: unknown) => e)).toMatchObject({
      status: 0,
      errorCode: 'NETWORK_ERROR',
    });
    expect(await rest.request('GET', '/refused').catch((e: unknown) => e)).toMatchObject({
      status: 502,
      errorCode: 'HTTP_502',
    });
  });
});
