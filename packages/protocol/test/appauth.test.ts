/**
 * App ID authentication signing against Huawei's documented string-to-sign variants and examples
 * (vectors/signing-appauth.json), with both HMAC implementations the project injects: node:crypto (as the
 * server, CLI, bench and tests use it) and WebCrypto (as the SDK and the browser console use it).
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APP_AUTH_SCHEME,
  appAuthAuthorization,
  appAuthStringToSign,
  base64Utf8,
  signAppAuth,
  webCryptoHmacSha256Hex,
  type AppAuthSignInput,
} from '../src/index.js';
import { vector } from './vectors.js';

interface HmacVector {
  source: string;
  key: string;
  message: string;
  hex: string;
}

interface AppAuthCase {
  identity: string;
  corpId?: string;
  userId?: string;
  expireTime: number;
  stringToSign: string;
  signature: string;
}

const vectors = vector('signing-appauth.json') as unknown as {
  hmacSha256: HmacVector[];
  appAuth: {
    appId: string;
    appKey: string;
    nonce: string;
    cases: AppAuthCase[];
    access: { appId: string; access: string };
  };
};

/** node:crypto, written here independently of the code under test. */
const nodeHmac = (key: string, message: string): string =>
  createHmac('sha256', Buffer.from(key, 'utf8')).update(Buffer.from(message, 'utf8')).digest('hex');

const { appId, appKey, nonce, cases } = vectors.appAuth;
const inputOf = (c: AppAuthCase): AppAuthSignInput => ({
  appId,
  appKey,
  nonce,
  expireTime: c.expireTime,
  ...(c.corpId !== undefined ? { corpId: c.corpId } : {}),
  ...(c.userId !== undefined ? { userId: c.userId } : {}),
});

describe('HMAC-SHA256 implementations', () => {
  it.each(vectors.hmacSha256.map((v) => [v.source, v] as const))('%s', async (_source, v) => {
    expect(nodeHmac(v.key, v.message)).toBe(v.hex);
    expect(await webCryptoHmacSha256Hex(v.key, v.message)).toBe(v.hex);
  });

  it('WebCrypto and node:crypto agree on any non-empty key and any message', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, unit: 'binary' }),
        fc.string({ unit: 'binary' }),
        async (key, message) => {
          expect(await webCryptoHmacSha256Hex(key, message)).toBe(nodeHmac(key, message));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('App ID authentication signature', () => {
  it('covers the five documented identities', () => {
    expect(cases.map((c) => c.identity)).toHaveLength(5);
  });

  it.each(cases.map((c) => [c.identity, c] as const))('%s', async (_identity, c) => {
    const input = inputOf(c);
    expect(appAuthStringToSign(input)).toBe(c.stringToSign);
    expect(signAppAuth(input, nodeHmac)).toBe(c.signature);
    expect(await signAppAuth(input, webCryptoHmacSha256Hex)).toBe(c.signature);
  });

  it('keeps the empty userId slot for an administrator whether userId is absent or empty', () => {
    const admin = cases.find((c) => c.identity === 'single enterprise, enterprise admin')!;
    expect(appAuthStringToSign({ ...inputOf(admin), userId: '' })).toBe(admin.stringToSign);
    expect(appAuthStringToSign({ ...inputOf(admin), userId: undefined })).toBe(admin.stringToSign);
  });

  it('signs the same with WebCrypto and node:crypto for any identity', async () => {
    const field = fc.string({ unit: 'grapheme', maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            appId: field,
            appKey: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }),
            corpId: field,
            userId: field,
            expireTime: fc.integer({ min: 0, max: 2 ** 40 }),
            nonce: fc.string({ minLength: 32, maxLength: 64 }),
          },
          { requiredKeys: ['appId', 'appKey', 'expireTime', 'nonce'] },
        ),
        async (input) => {
          const stringToSign = appAuthStringToSign(input);
          expect(stringToSign.endsWith(`:${input.expireTime}:${input.nonce}`)).toBe(true);
          expect(await signAppAuth(input, webCryptoHmacSha256Hex)).toBe(signAppAuth(input, nodeHmac));
          expect(signAppAuth(input, nodeHmac)).toBe(nodeHmac(input.appKey, stringToSign));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('App ID authentication header', () => {
  it('carries base64(appId) as access, as in the documented example', () => {
    const { access } = vectors.appAuth;
    const signature = cases[0]!.signature;
    expect(appAuthAuthorization(signature, access.appId)).toBe(
      `HMAC-SHA256 signature=${signature},access=${access.access}`,
    );
    expect(APP_AUTH_SCHEME).toBe('HMAC-SHA256');
  });

  it('encodes any app ID as base64 of its UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(base64Utf8(text)).toBe(Buffer.from(text, 'utf8').toString('base64'));
      }),
    );
  });
});
