/**
 * Authentication: the appauth signature and its variants, account/password login, the token limits per
 * clientType, validate / refresh / logout, expiry, and confpush's account administration, over real HTTP.
 */
import { clockWithNow } from '../src/clock.js';
import { randomBytes } from 'node:crypto';
import {
  appAuthAuthorization,
  ERRORS,
  signAppAuth as signWith,
  type AppAuthSignInput,
  type RestErrorBody,
  type ErrorName,
} from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { vector } from '../../protocol/test/vectors.js';
import type { AccessTokenResponse } from '../src/auth/access-tokens.js';
import { hashPassword, verifyPassword } from '../src/auth/passwords.js';
import { nodeHmacSha256Hex, parseAppAuthorization, verifyAppAuth } from '../src/auth/signature.js';
import { createAccountCommand } from '../src/cli/account.js';
import { DomainError } from '../src/domain/errors.js';
import { hex32 } from '../src/ids.js';
import { RedisStore } from '../src/store/redis.js';
import { SqliteStore } from '../src/store/sqlite.js';
import {
  CLUSTER,
  startTestServer,
  tempDir,
  TEST_REDIS_URL,
  testRedisPrefix,
  type TestServer,
} from './helpers.js';

interface Reply {
  status: number;
  text: string;
  json: unknown;
}

async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; raw?: string } = {},
): Promise<Reply> {
  const hasBody = options.body !== undefined || options.raw !== undefined;
  const response = await fetch(server.url + path, {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, text, json: text === '' ? undefined : JSON.parse(text) };
}

function expectError(reply: Reply, name: ErrorName): void {
  const spec = ERRORS[name];
  expect({ status: reply.status, code: (reply.json as RestErrorBody).error_code }).toEqual({
    status: spec.status,
    code: spec.code,
  });
}

function tokenOf(reply: Reply): AccessTokenResponse {
  expect(reply.status, reply.text).toBe(200);
  return reply.json as AccessTokenResponse;
}

const newNonce = (length = 48) => randomBytes(length).toString('hex').slice(0, length);
const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const signAppAuth = (input: AppAuthSignInput) => signWith(input, nodeHmacSha256Hex);
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface AppCredential {
  appId: string;
  appKey: string;
  sp?: boolean;
}

interface AppAuthCall {
  corpId?: string;
  userId?: string;
  userName?: string;
  clientType?: number;
  expireTime?: number;
  nonce?: string;
  /** Overrides of what is sent, after signing. */
  body?: Record<string, unknown>;
  authorization?: string;
  signature?: (hex: string) => string;
}

/** Signs and sends an appauth request the way an SDK does. */
async function appAuth(server: TestServer, app: AppCredential, request: AppAuthCall = {}): Promise<Reply> {
  const expireTime = request.expireTime ?? nowSeconds() + 600;
  const nonce = request.nonce ?? newNonce();
  const signature = signAppAuth({
    appId: app.appId,
    appKey: app.appKey,
    corpId: app.sp ? (request.corpId ?? '') : request.corpId,
    userId: request.userId,
    expireTime,
    nonce,
  });
  const sent = request.signature ? request.signature(signature) : signature;
  const body = {
    appId: app.appId,
    clientType: request.clientType ?? 72,
    expireTime,
    nonce,
    ...(request.corpId !== undefined ? { corpId: request.corpId } : {}),
    ...(request.userId !== undefined ? { userId: request.userId } : {}),
    ...(request.userName !== undefined ? { userName: request.userName } : {}),
    ...request.body,
  };
  const authorization = request.authorization ?? appAuthAuthorization(sent, app.appId);
  return call(server, 'POST', '/v2/usg/acs/auth/appauth', { headers: { authorization }, body });
}

const enterpriseApp = (server: TestServer): AppCredential => ({ appId: server.appId, appKey: server.appKey });

async function registerSpApp(
  server: TestServer,
  spId = `sp-${hex32().slice(0, 8)}`,
): Promise<AppCredential & { spId: string }> {
  const app = { appId: hex32(), appKey: hex32(), spId };
  await server.node.store.identity.putApp({ ...app, kind: 'sp', corpId: null, createdAt: Date.now() });
  return { ...app, sp: true };
}

const validate = (server: TestServer, token: string, needGenNewToken = false) =>
  call(server, 'POST', '/v1/usg/acs/token/validate', { body: { token, needGenNewToken } });

const basic = (account: string, password: string) => `Basic ${base64(`${account}:${password}`)}`;

const accountAuth = (
  server: TestServer,
  account: string,
  password: string,
  body: Record<string, unknown> = {},
) =>
  call(server, 'POST', '/v1/usg/acs/auth/account', {
    headers: { authorization: basic(account, password) },
    body: { account, clientType: 72, ...body },
  });

async function adminToken(server: TestServer): Promise<string> {
  return tokenOf(await appAuth(server, enterpriseApp(server))).accessToken;
}

const createAccount = (server: TestServer, token: string, body: Record<string, unknown>) =>
  call(server, 'POST', '/confpush/v1/admin/accounts', { headers: { 'x-access-token': token }, body });

/** A clock that stands still until advanced. */
function testClock() {
  let now = Date.now();
  return { ...clockWithNow(() => now), advance: (ms: number) => (now += ms) };
}

describe('appauth signature and header (unit)', () => {
  const appId = 'fdb8e4699586458bbd10c834872dcc62';

  it('verifies the signing vectors with node:crypto, in either case, and refuses any other signature', () => {
    const { hmacSha256, appAuth } = vector('signing-appauth.json') as {
      hmacSha256: { key: string; message: string; hex: string }[];
      appAuth: {
        appId: string;
        appKey: string;
        nonce: string;
        cases: (Omit<AppAuthSignInput, 'appId' | 'appKey' | 'nonce'> & { signature: string })[];
      };
    };
    for (const v of hmacSha256) expect(nodeHmacSha256Hex(v.key, v.message)).toBe(v.hex);
    for (const { signature, ...identity } of appAuth.cases) {
      const signed = { ...identity, appId: appAuth.appId, appKey: appAuth.appKey, nonce: appAuth.nonce };
      expect(verifyAppAuth(signed, signature)).toBe(true);
      expect(verifyAppAuth(signed, signature.toUpperCase())).toBe(true);
      expect(verifyAppAuth({ ...signed, expireTime: signed.expireTime + 1 }, signature)).toBe(false);
      const changed = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
      expect(verifyAppAuth(signed, changed)).toBe(false);
    }
  });

  it('parses the Authorization header in any order, with spaces, and requires access', () => {
    const signature = 'A'.repeat(64);
    const access = base64(appId);
    const expected = { signature, accessAppId: appId };
    expect(parseAppAuthorization(`HMAC-SHA256 signature=${signature},access=${access}`)).toEqual(expected);
    expect(parseAppAuthorization(`HMAC-SHA256 access=${access}, signature=${signature}`)).toEqual(expected);
    expect(parseAppAuthorization(`hmac-sha256  signature=${signature} ,  access=${access}`)).toEqual(
      expected,
    );
    // Huawei's Python SDK sends no `access`: accepted, the signed body appId names the app.
    expect(parseAppAuthorization(`HMAC-SHA256 signature=${signature}`)).toEqual({
      signature,
      accessAppId: undefined,
    });
    expect(parseAppAuthorization(`HMAC-SHA256 signature=abc,access=${access}`)).toBeUndefined();
    expect(parseAppAuthorization(`Basic signature=${signature},access=${access}`)).toBeUndefined();
    expect(
      parseAppAuthorization(`HMAC-SHA256 signature=${signature},signature=${signature},access=${access}`),
    ).toBeUndefined();
    expect(parseAppAuthorization(undefined)).toBeUndefined();
  });
});

describe('passwords (unit)', () => {
  it('hashes with a salt and verifies', async () => {
    const first = await hashPassword('correct horse');
    const second = await hashPassword('correct horse');
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('correct horse', first)).toBe(true);
    expect(await verifyPassword('correct horsE', first)).toBe(false);
    expect(await verifyPassword('correct horse', null)).toBe(false);
    expect(await verifyPassword('correct horse', 'scrypt$garbage')).toBe(false);
  });
});

describe('POST /v2/usg/acs/auth/appauth', () => {
  it('authenticates an enterprise user and answers with the full AccessTokenResponse', async () => {
    const server = await startTestServer();
    const before = Date.now();
    const reply = tokenOf(
      await appAuth(server, enterpriseApp(server), { userId: 'alice', userName: 'Alice' }),
    );
    expect(Object.keys(reply).sort()).toEqual(
      [
        'accessToken',
        'tokenIp',
        'validPeriod',
        'expireTime',
        'createTime',
        'user',
        'clientType',
        'forceLoginInd',
        'firstLogin',
        'pwdExpired',
        'daysPwdAvailable',
        'proxyToken',
        'delayDelete',
        'tokenType',
        'refreshToken',
        'refreshValidPeriod',
        'refreshExpireTime',
        'refreshCreateTime',
      ].sort(),
    );
    expect(Object.keys(reply.user).sort()).toEqual(
      [
        'userId',
        'ucloginAccount',
        'serviceAccount',
        'numberHA1',
        'alias1',
        'companyId',
        'spId',
        'companyDomain',
        'realm',
        'userType',
        'adminType',
        'name',
        'nameEn',
        'isBindPhone',
        'freeUser',
        'thirdAccount',
        'visionAccount',
        'headPictureUrl',
        'password',
        'paidAccount',
        'paidPassword',
        'status',
        'weLinkUser',
        'appId',
        'tr069Account',
        'corpType',
        'cloudUserId',
        'grayUser',
      ].sort(),
    );
    expect(reply.accessToken).toMatch(/^cpt[0-9a-f]{48}$/);
    expect(reply.refreshToken).toMatch(/^cpr[0-9a-f]{48}$/);
    expect(reply.tokenIp).toBe('127.0.0.1');
    expect(reply.validPeriod).toBeGreaterThanOrEqual(86_399);
    expect(reply.validPeriod).toBeLessThanOrEqual(86_400);
    expect(reply.createTime).toBeGreaterThanOrEqual(before);
    expect(reply.expireTime).toBe(Math.floor((reply.createTime + 86_400_000) / 1000));
    expect(reply.refreshValidPeriod).toBeGreaterThanOrEqual(2 * 86_400 - 1);
    expect(reply.refreshCreateTime).toBe(reply.createTime);
    expect(reply).toMatchObject({
      clientType: 72,
      forceLoginInd: 0,
      firstLogin: false,
      pwdExpired: false,
      proxyToken: null,
      delayDelete: false,
      tokenType: 0,
    });
    expect(reply.user).toMatchObject({
      ucloginAccount: `Auto-${reply.user.userId}`,
      realm: 'confpush',
      companyId: server.corpId,
      spId: 'confpush',
      userType: 2,
      adminType: 2,
      name: 'Alice',
      thirdAccount: 'alice',
      appId: server.appId,
      alias1: null,
      companyDomain: null,
      freeUser: false,
      status: 0,
      weLinkUser: false,
      corpType: 0,
    });
    expect(reply.user.userId).toMatch(/^[0-9a-f]{32}$/);
    expect(reply.user.serviceAccount).toMatch(/^sip:\+991\d{11}@confpush$/);
    expect(reply.user.numberHA1).toMatch(/^[0-9a-f]{32}$/);
    expect(tokenOf(await validate(server, reply.accessToken)).user.userId).toBe(reply.user.userId);

    const again = tokenOf(
      await appAuth(server, enterpriseApp(server), { userId: 'alice', userName: 'Alice B.' }),
    );
    expect(again.user.userId).toBe(reply.user.userId);
    expect(again.user.name).toBe('Alice B.');
  });

  it('stores userEmail and userPhone of a new user and names it after userId without userName', async () => {
    const server = await startTestServer();
    const reply = tokenOf(
      await appAuth(server, enterpriseApp(server), {
        userId: 'bob',
        body: { userEmail: 'bob@example.com', userPhone: '+8613800000000' },
      }),
    );
    expect(reply.user).toMatchObject({ name: 'bob', isBindPhone: true });
    const stored = await server.node.store.identity.getUser(reply.user.userId);
    expect(stored).toMatchObject({ email: 'bob@example.com', phone: '+8613800000000', thirdAccount: 'bob' });
  });

  it('logs in as the enterprise default administrator without userId (also with SDK-style empty/null fields)', async () => {
    const server = await startTestServer();
    const admin = tokenOf(await appAuth(server, enterpriseApp(server)));
    expect(admin.user).toMatchObject({
      userType: 2,
      adminType: 0,
      companyId: server.corpId,
      thirdAccount: null,
    });
    const pythonStyle = tokenOf(
      await appAuth(server, enterpriseApp(server), { body: { userId: '', corpId: null, deptCode: null } }),
    );
    expect(pythonStyle.user.userId).toBe(admin.user.userId);
  });

  it('accepts upper- and lower-case hex, parameters in any order, and spaces after the comma', async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    tokenOf(await appAuth(server, app, { userId: 'u1', signature: (hex) => hex.toUpperCase() }));
    tokenOf(await appAuth(server, app, { userId: 'u1', signature: (hex) => hex.toLowerCase() }));
    const expireTime = nowSeconds() + 60;
    const nonce = newNonce();
    const signature = signAppAuth({ ...app, userId: 'u1', expireTime, nonce });
    const reply = await call(server, 'POST', '/v2/usg/acs/auth/appauth', {
      headers: { authorization: `HMAC-SHA256 access=${base64(app.appId)}, signature=${signature}` },
      body: { appId: app.appId, clientType: 72, expireTime, nonce, userId: 'u1' },
    });
    tokenOf(reply);
  });

  it("accepts a header without access (as Huawei's Python SDK sends it)", async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    const expireTime = nowSeconds() + 60;
    const nonce = newNonce();
    const signature = signAppAuth({ ...app, userId: 'py', expireTime, nonce });
    const reply = await call(server, 'POST', '/v2/usg/acs/auth/appauth', {
      headers: { authorization: `HMAC-SHA256 signature=${signature}` },
      body: { appId: app.appId, clientType: 72, expireTime, nonce, userId: 'py', corpId: null },
    });
    tokenOf(reply);
  });

  it('accepts expireTime 0 (never) and a future expireTime; refuses a past one with SIGNATURE_EXPIRED', async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    tokenOf(await appAuth(server, app, { userId: 'u', expireTime: 0 }));
    tokenOf(await appAuth(server, app, { userId: 'u', expireTime: nowSeconds() + 3600 }));
    expectError(
      await appAuth(server, app, { userId: 'u', expireTime: nowSeconds() - 5 }),
      'SIGNATURE_EXPIRED',
    );
  });

  it('requires a nonce of 32 to 64 characters', async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    expectError(await appAuth(server, app, { nonce: newNonce(31) }), 'NONCE_INVALID');
    expectError(await appAuth(server, app, { nonce: newNonce(65) }), 'NONCE_INVALID');
    tokenOf(await appAuth(server, app, { nonce: newNonce(32) }));
    tokenOf(await appAuth(server, app, { nonce: newNonce(64) }));
  });

  it('refuses a replayed nonce of the same app, also for a never-expiring signature', async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    const nonce = newNonce();
    tokenOf(await appAuth(server, app, { nonce }));
    expectError(await appAuth(server, app, { nonce }), 'NONCE_REPLAYED');
    const forever = newNonce();
    tokenOf(await appAuth(server, app, { nonce: forever, expireTime: 0 }));
    expectError(await appAuth(server, app, { nonce: forever, expireTime: 0 }), 'NONCE_REPLAYED');
    // Nonces are per app.
    const sp = await registerSpApp(server);
    tokenOf(await appAuth(server, sp, { nonce }));
  });

  it('refuses a wrong key, an unknown app, and an access that does not encode appId', async () => {
    const server = await startTestServer();
    expectError(await appAuth(server, { appId: server.appId, appKey: hex32() }), 'APP_AUTH_FAILED');
    expectError(await appAuth(server, { appId: hex32(), appKey: server.appKey }), 'APP_AUTH_FAILED');
    const app = enterpriseApp(server);
    const expireTime = nowSeconds() + 60;
    const nonce = newNonce();
    const signature = signAppAuth({ ...app, expireTime, nonce });
    const reply = await call(server, 'POST', '/v2/usg/acs/auth/appauth', {
      headers: { authorization: `HMAC-SHA256 signature=${signature},access=${base64('someone-else')}` },
      body: { appId: app.appId, clientType: 72, expireTime, nonce },
    });
    expectError(reply, 'APP_AUTH_FAILED');
  });

  it('refuses body values that differ from the signed ones', async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    const expireTime = nowSeconds() + 60;
    const nonce = newNonce();
    const authorization = appAuthAuthorization(
      signAppAuth({ ...app, userId: 'alice', expireTime, nonce }),
      app.appId,
    );
    const send = (body: Record<string, unknown>) =>
      call(server, 'POST', '/v2/usg/acs/auth/appauth', {
        headers: { authorization },
        body: { appId: app.appId, clientType: 72, expireTime, nonce, userId: 'alice', ...body },
      });
    expectError(await send({ userId: 'mallory' }), 'APP_AUTH_FAILED');
    expectError(await send({ userId: '' }), 'APP_AUTH_FAILED');
    expectError(await send({ expireTime: expireTime + 1 }), 'APP_AUTH_FAILED');
    expectError(await send({ nonce: newNonce() }), 'APP_AUTH_FAILED');
    tokenOf(await send({}));
  });

  it('refuses corpId with a single-enterprise app', async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    expectError(await appAuth(server, app, { corpId: server.corpId }), 'CORP_NOT_ALLOWED');
    expectError(await appAuth(server, app, { corpId: 'other', userId: 'alice' }), 'CORP_NOT_ALLOWED');
  });

  it('refuses a missing or malformed Authorization header', async () => {
    const server = await startTestServer();
    const body = { appId: server.appId, clientType: 72, expireTime: 0, nonce: newNonce() };
    expectError(await call(server, 'POST', '/v2/usg/acs/auth/appauth', { body }), 'APP_AUTH_FAILED');
    const signature = signAppAuth({ ...enterpriseApp(server), expireTime: 0, nonce: body.nonce });
    for (const authorization of [
      `HMAC-SHA256 ${signature}`,
      `Bearer ${signature}`,
      `HMAC-SHA256 signature=${signature.slice(2)},access=${base64(server.appId)}`,
    ]) {
      const reply = await call(server, 'POST', '/v2/usg/acs/auth/appauth', {
        headers: { authorization },
        body,
      });
      expectError(reply, 'APP_AUTH_FAILED');
    }
  });

  it('answers malformed JSON and missing fields with USG.201010001', async () => {
    const server = await startTestServer();
    const headers = {
      authorization: `HMAC-SHA256 signature=${'0'.repeat(64)},access=${base64(server.appId)}`,
    };
    expectError(
      await call(server, 'POST', '/v2/usg/acs/auth/appauth', { headers, raw: '{"appId": "x",' }),
      'USG_INVALID_PARAMETER',
    );
    const missing = await call(server, 'POST', '/v2/usg/acs/auth/appauth', {
      headers,
      body: { appId: server.appId, clientType: 72, expireTime: 0 },
    });
    expectError(missing, 'USG_INVALID_PARAMETER');
    expect((missing.json as RestErrorBody).error_msg).toContain('nonce');
    const negative = await call(server, 'POST', '/v2/usg/acs/auth/appauth', {
      headers,
      body: { appId: server.appId, clientType: 72, expireTime: -1, nonce: newNonce() },
    });
    expectError(negative, 'USG_INVALID_PARAMETER');
  });

  it('changes nothing when it refuses: no user, no token, and the nonce stays usable', async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    const nonce = newNonce();
    expectError(
      await appAuth(server, app, { userId: 'ghost', nonce, signature: () => 'f'.repeat(64) }),
      'APP_AUTH_FAILED',
    );
    expectError(
      await appAuth(server, app, { userId: 'ghost', nonce, expireTime: nowSeconds() - 1 }),
      'SIGNATURE_EXPIRED',
    );
    expectError(await appAuth(server, app, { userId: 'ghost', nonce, corpId: 'c1' }), 'CORP_NOT_ALLOWED');
    expect(
      await server.node.store.identity.findUserByThirdAccount(server.corpId, server.appId, 'ghost'),
    ).toBeUndefined();
    const store = server.node.store;
    const tokens =
      store instanceof SqliteStore
        ? (store.db.prepare('SELECT COUNT(*) AS n FROM access_tokens').get() as { n: number }).n
        : (await (store as RedisStore).db.redis.keys(`${(store as RedisStore).db.keys.prefix}atok:*`)).length;
    expect(tokens).toBe(0);
    tokenOf(await appAuth(server, app, { userId: 'ghost', nonce }));
  });
});

describe('appauth with an SP app', () => {
  it('logs in as the SP administrator with neither corpId nor userId (appId:::expireTime:nonce)', async () => {
    const server = await startTestServer();
    const sp = await registerSpApp(server);
    const reply = tokenOf(await appAuth(server, sp));
    expect(reply.user).toMatchObject({
      userType: 1,
      adminType: 0,
      companyId: sp.spId,
      spId: sp.spId,
      appId: sp.appId,
    });
    expect(tokenOf(await appAuth(server, sp, { body: { corpId: '', userId: '' } })).user.userId).toBe(
      reply.user.userId,
    );
  });

  it('logs in as the administrator of an SP enterprise, creating the enterprise on first use', async () => {
    const server = await startTestServer();
    const sp = await registerSpApp(server);
    const reply = tokenOf(await appAuth(server, sp, { corpId: 'corp-x' }));
    expect(reply.user).toMatchObject({ userType: 2, adminType: 0, companyId: 'corp-x', spId: sp.spId });
    expect(await server.node.store.identity.getCorp('corp-x')).toMatchObject({
      corpId: 'corp-x',
      spId: sp.spId,
    });
    expect(tokenOf(await appAuth(server, sp, { corpId: 'corp-x' })).user.userId).toBe(reply.user.userId);
  });

  it('logs in as a user of an SP enterprise (appId:corpId:userId:expireTime:nonce)', async () => {
    const server = await startTestServer();
    const sp = await registerSpApp(server);
    const reply = tokenOf(await appAuth(server, sp, { corpId: 'corp-y', userId: 'carol' }));
    expect(reply.user).toMatchObject({
      userType: 2,
      adminType: 2,
      companyId: 'corp-y',
      thirdAccount: 'carol',
    });
    // The same third-party ID in another enterprise is another user.
    const other = tokenOf(await appAuth(server, sp, { corpId: 'corp-z', userId: 'carol' }));
    expect(other.user.userId).not.toBe(reply.user.userId);
  });

  it('refuses an enterprise of another SP, and a userId without corpId', async () => {
    const server = await startTestServer();
    const sp = await registerSpApp(server);
    const otherSp = await registerSpApp(server);
    tokenOf(await appAuth(server, otherSp, { corpId: 'theirs' }));
    expectError(await appAuth(server, sp, { corpId: 'theirs' }), 'CORP_NOT_ALLOWED');
    expectError(await appAuth(server, sp, { corpId: server.corpId }), 'CORP_NOT_ALLOWED');
    expectError(await appAuth(server, sp, { userId: 'dave' }), 'USG_INVALID_PARAMETER');
  });

  it('refuses a signature made without the corpId slot', async () => {
    const server = await startTestServer();
    const sp = await registerSpApp(server);
    const reply = await appAuth(
      server,
      { appId: sp.appId, appKey: sp.appKey },
      { corpId: undefined, userId: undefined },
    );
    expectError(reply, 'APP_AUTH_FAILED');
  });
});

describe('token limits per clientType', () => {
  it('clientType 72 keeps 64 live tokens per user; the 65th evicts the oldest', async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    const tokens: string[] = [];
    for (let i = 0; i < 65; i++) {
      tokens.push(tokenOf(await appAuth(server, app, { userId: 'bulk', clientType: 72 })).accessToken);
    }
    expectError(await validate(server, tokens[0] ?? ''), 'ACCESS_TOKEN_INVALID');
    tokenOf(await validate(server, tokens[1] ?? ''));
    tokenOf(await validate(server, tokens[64] ?? ''));
  });

  it('any other clientType keeps one token per user', async () => {
    const server = await startTestServer();
    const app = enterpriseApp(server);
    const first = tokenOf(await appAuth(server, app, { userId: 'pc', clientType: 52 }));
    const second = tokenOf(await appAuth(server, app, { userId: 'pc', clientType: 52 }));
    expect(second.clientType).toBe(52);
    expectError(await validate(server, first.accessToken), 'ACCESS_TOKEN_INVALID');
    tokenOf(await validate(server, second.accessToken));
  });
});

describe('token validate, refresh, logout, expiry', () => {
  it('validates a token, and with needGenNewToken issues a new one while the old stays valid', async () => {
    const server = await startTestServer();
    const issued = tokenOf(await appAuth(server, enterpriseApp(server), { userId: 'v' }));
    const same = tokenOf(await validate(server, issued.accessToken));
    expect(same.accessToken).toBe(issued.accessToken);
    expect(same.expireTime).toBe(issued.expireTime);
    expect(same.user.userId).toBe(issued.user.userId);
    const fresh = tokenOf(await validate(server, issued.accessToken, true));
    expect(fresh.accessToken).not.toBe(issued.accessToken);
    expect(fresh.user.userId).toBe(issued.user.userId);
    tokenOf(await validate(server, issued.accessToken));
    tokenOf(await validate(server, fresh.accessToken));
    expectError(await validate(server, 'cpt-unknown'), 'ACCESS_TOKEN_INVALID');
    expectError(
      await call(server, 'POST', '/v1/usg/acs/token/validate', { body: { token: 'x' } }),
      'USG_INVALID_PARAMETER',
    );
  });

  it('refresh keeps the token and restarts its lifetime', async () => {
    const clock = testClock();
    const server = await startTestServer({ clock });
    const issued = tokenOf(await appAuth(server, enterpriseApp(server), { userId: 'r' }));
    clock.advance(600_000);
    const refreshed = tokenOf(
      await call(server, 'PUT', '/v1/usg/acs/token', { headers: { 'x-access-token': issued.accessToken } }),
    );
    expect(refreshed.accessToken).toBe(issued.accessToken);
    expect(refreshed.refreshToken).toBe(issued.refreshToken);
    expect(refreshed.expireTime - issued.expireTime).toBeGreaterThanOrEqual(599);
    expect(refreshed.expireTime - issued.expireTime).toBeLessThanOrEqual(601);
    expect(refreshed.refreshExpireTime).toBeGreaterThan(issued.refreshExpireTime);
    expectError(await call(server, 'PUT', '/v1/usg/acs/token'), 'ACCESS_TOKEN_INVALID');
  });

  it('logout deletes the token (200, empty body); it is refused afterwards', async () => {
    const server = await startTestServer();
    const issued = tokenOf(await appAuth(server, enterpriseApp(server), { userId: 'l' }));
    // SDK clients send Content-Type: application/json without a body.
    const reply = await call(server, 'DELETE', '/v1/usg/acs/token', {
      headers: { 'x-access-token': issued.accessToken, 'content-type': 'application/json' },
    });
    expect(reply).toMatchObject({ status: 200, text: '' });
    expectError(
      await call(server, 'PUT', '/v1/usg/acs/token', { headers: { 'x-access-token': issued.accessToken } }),
      'ACCESS_TOKEN_INVALID',
    );
    expectError(
      await call(server, 'DELETE', '/v1/usg/acs/token', {
        headers: { 'x-access-token': issued.accessToken },
      }),
      'ACCESS_TOKEN_INVALID',
    );
    expectError(await validate(server, issued.accessToken), 'ACCESS_TOKEN_INVALID');
  });

  it('a token expires after accessTokenTtlMs', async () => {
    const clock = testClock();
    const server = await startTestServer({ clock, config: { accessTokenTtlMs: 60_000 } });
    const issued = tokenOf(await appAuth(server, enterpriseApp(server), { userId: 'e' }));
    expect(issued.validPeriod).toBe(60);
    clock.advance(59_000);
    tokenOf(await validate(server, issued.accessToken));
    clock.advance(2_000);
    expectError(await validate(server, issued.accessToken), 'ACCESS_TOKEN_INVALID');
    expectError(
      await call(server, 'PUT', '/v1/usg/acs/token', { headers: { 'x-access-token': issued.accessToken } }),
      'ACCESS_TOKEN_INVALID',
    );
    expectError(
      await createAccount(server, issued.accessToken, { account: 'a', password: 'password1' }),
      'ACCESS_TOKEN_INVALID',
    );
  });
});

describe('POST /v1/usg/acs/auth/account', () => {
  async function withAccount() {
    const server = await startTestServer();
    const created = await createAccount(server, await adminToken(server), {
      account: 'zhangsan@corp',
      password: 'S3cret-pass',
      name: 'Zhang San',
    });
    expect(created.status, created.text).toBe(201);
    return server;
  }

  it('issues a token for the right account and password', async () => {
    const server = await withAccount();
    const reply = tokenOf(await accountAuth(server, 'zhangsan@corp', 'S3cret-pass'));
    expect(reply.user).toMatchObject({
      ucloginAccount: 'zhangsan@corp',
      name: 'Zhang San',
      thirdAccount: null,
      userType: 2,
      adminType: 2,
      companyId: server.corpId,
    });
    tokenOf(await validate(server, reply.accessToken));
  });

  it('refuses a wrong password and an unknown account alike', async () => {
    const server = await withAccount();
    const wrong = await accountAuth(server, 'zhangsan@corp', 'S3cret-pasS');
    const unknown = await accountAuth(server, 'nobody@corp', 'S3cret-pass');
    expectError(wrong, 'ACCOUNT_AUTH_FAILED');
    expectError(unknown, 'ACCOUNT_AUTH_FAILED');
    expect(wrong.json).toEqual(unknown.json);
    expectError(
      await call(server, 'POST', '/v1/usg/acs/auth/account', {
        body: { account: 'zhangsan@corp', clientType: 72 },
      }),
      'ACCOUNT_AUTH_FAILED',
    );
  });

  it('refuses an Authorization account that differs from body.account, and passwords outside 8–32', async () => {
    const server = await withAccount();
    const mismatched = await call(server, 'POST', '/v1/usg/acs/auth/account', {
      headers: { authorization: basic('zhangsan@corp', 'S3cret-pass') },
      body: { account: 'lisi@corp', clientType: 72 },
    });
    expectError(mismatched, 'USG_INVALID_PARAMETER');
    expectError(await accountAuth(server, 'zhangsan@corp', 'short12'), 'USG_INVALID_PARAMETER');
    expectError(await accountAuth(server, 'zhangsan@corp', 'x'.repeat(33)), 'USG_INVALID_PARAMETER');
  });

  it('createTokenType 1 only checks the password and creates no token', async () => {
    const server = await withAccount();
    const kept = tokenOf(await accountAuth(server, 'zhangsan@corp', 'S3cret-pass', { clientType: 0 }));
    const checked = tokenOf(
      await accountAuth(server, 'zhangsan@corp', 'S3cret-pass', { clientType: 0, createTokenType: 1 }),
    );
    expect(checked.accessToken).toBe('');
    expect(checked.refreshToken).toBe('');
    expect(checked.user.userId).toBe(kept.user.userId);
    // With clientType 0 a new token would have evicted the previous one.
    tokenOf(await validate(server, kept.accessToken));
  });
});

describe('POST /confpush/v1/admin/accounts', () => {
  it('lets an enterprise administrator create accounts in its enterprise, once per name', async () => {
    const server = await startTestServer();
    const token = await adminToken(server);
    const created = await createAccount(server, token, {
      account: 'ops@corp',
      password: 'password-1',
      email: 'ops@example.com',
      admin: true,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      account: 'ops@corp',
      name: 'ops@corp',
      email: 'ops@example.com',
      phone: null,
      corpId: server.corpId,
      userType: 2,
      adminType: 1,
    });
    expect((created.json as { sipNumber: string }).sipNumber).toMatch(/^\+991\d{11}$/);
    expectError(
      await createAccount(server, token, { account: 'ops@corp', password: 'password-2' }),
      'ACCOUNT_EXISTS',
    );

    // An ordinary administrator may create accounts too.
    const ops = tokenOf(await accountAuth(server, 'ops@corp', 'password-1')).accessToken;
    expect((await createAccount(server, ops, { account: 'dev@corp', password: 'password-3' })).status).toBe(
      201,
    );
  });

  it('refuses callers that are not enterprise administrators and changes nothing', async () => {
    const server = await startTestServer();
    const user = tokenOf(await appAuth(server, enterpriseApp(server), { userId: 'plain' })).accessToken;
    expectError(
      await createAccount(server, user, { account: 'x@corp', password: 'password-1' }),
      'PERMISSION_DENIED',
    );
    const sp = await registerSpApp(server);
    const spAdmin = tokenOf(await appAuth(server, sp)).accessToken;
    expectError(
      await createAccount(server, spAdmin, { account: 'x@corp', password: 'password-1' }),
      'PERMISSION_DENIED',
    );
    expectError(
      await createAccount(server, '', { account: 'x@corp', password: 'password-1' }),
      'ACCESS_TOKEN_INVALID',
    );
    expect(await server.node.store.identity.findUserByAccount('x@corp')).toBeUndefined();
    expectError(await accountAuth(server, 'x@corp', 'password-1'), 'ACCOUNT_AUTH_FAILED');
  });

  it('refuses an invalid account or password with 400', async () => {
    const server = await startTestServer();
    const token = await adminToken(server);
    for (const body of [
      { account: 'short@corp', password: 'seven77' },
      { account: 'long@corp', password: 'x'.repeat(33) },
      { account: 'a:b', password: 'password-1' },
      { account: '', password: 'password-1' },
    ]) {
      const reply = await createAccount(server, token, body);
      expect(reply.status).toBe(400);
      expect((reply.json as RestErrorBody).error_msg).toMatch(/^INVALID_PARAMETER/);
    }
    expect(await server.node.store.identity.findUserByAccount('short@corp')).toBeUndefined();
  });
});

describe('createAccountCommand (CLI)', () => {
  it('creates the enterprise and the account in a data directory that a server then serves', async () => {
    const dataDir = tempDir();
    // A cluster run keeps the data directory's data in Redis (test/helpers.ts): the command writes there too.
    const redis = CLUSTER ? { url: TEST_REDIS_URL, prefix: testRedisPrefix(dataDir) } : undefined;
    const user = await createAccountCommand({
      dataDir,
      redis,
      account: 'cli@corp',
      password: 'password-cli',
      name: 'CLI User',
      admin: true,
      corpId: '100000001',
    });
    expect(user).toMatchObject({ account: 'cli@corp', name: 'CLI User', adminType: 1, corpId: '100000001' });
    await expect(
      createAccountCommand({
        dataDir,
        redis,
        account: 'cli@corp',
        password: 'password-cli',
        corpId: '100000001',
      }),
    ).rejects.toBeInstanceOf(DomainError);

    const server = await startTestServer({ dataDir });
    const reply = tokenOf(await accountAuth(server, 'cli@corp', 'password-cli'));
    expect(reply.user).toMatchObject({ userId: user.userId, adminType: 1, companyId: '100000001' });
  });
});
