/**
 * Authentication schemas (reference §2): the App ID and account authentication bodies, token validation, the
 * `AccessTokenResponse` (with Huawei's `UserInfo` and `ProxyTokenDto`), and confpush's account administration.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Flag } from './common.js';

const nullable = <T extends TSchema>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

export const ProxyTokenSchema = Type.Object(
  {
    accessToken: Type.String({ description: 'Short token of the proxy authentication server' }),
    longAccessToken: Type.String(),
    validPeriod: Type.Integer({ description: 'Seconds' }),
    middleEndUrl: Type.String(),
    middleEndInnerUrl: Type.String(),
    enableRerouting: Type.Boolean(),
  },
  { description: 'Huawei ProxyTokenDto' },
);

export const UserInfoSchema = Type.Object(
  {
    userId: Type.String({ description: 'User UUID (the userUUID of other APIs)' }),
    ucloginAccount: Type.String({ description: 'Account name, or `Auto-<userId>` for App ID users' }),
    serviceAccount: Type.String({ description: 'SIP number of the user, `sip:<number>@confpush`' }),
    numberHA1: Type.String(),
    alias1: Type.Null(),
    companyId: Type.String({ description: 'Enterprise (corp) ID; the SP ID for an SP administrator' }),
    spId: nullable(Type.String(), 'SP of the enterprise; null for a standalone enterprise'),
    companyDomain: Type.Null(),
    realm: Type.String({ description: 'Always `confpush`' }),
    userType: Type.Integer({ description: '1 SP administrator, 2 enterprise user' }),
    adminType: Type.Integer({
      description: '0 default administrator, 1 ordinary administrator, 2 not an administrator',
    }),
    name: Type.String(),
    nameEn: Type.String(),
    isBindPhone: Type.Boolean(),
    freeUser: Type.Boolean(),
    thirdAccount: nullable(Type.String(), 'Third-party user ID (appauth userId) of an App ID user'),
    visionAccount: Type.Null(),
    headPictureUrl: Type.Null(),
    password: Type.Null(),
    paidAccount: Type.Null(),
    paidPassword: Type.Null(),
    status: Type.Integer({ description: '0 normal, 1 disabled' }),
    weLinkUser: Type.Boolean(),
    appId: nullable(Type.String(), 'App the user was registered through'),
    tr069Account: Type.Null(),
    corpType: Type.Integer({ description: '0 flagship' }),
    cloudUserId: Type.String(),
    grayUser: Type.Boolean(),
  },
  { description: 'Huawei UserInfo' },
);
export type UserInfo = Static<typeof UserInfoSchema>;

export const AccessTokenResponseSchema = Type.Object(
  {
    accessToken: Type.String({
      description: 'The access token (`X-Access-Token`); empty with createTokenType 1',
    }),
    tokenIp: Type.String({ description: 'Caller IP the token was issued to' }),
    validPeriod: Type.Integer({ description: 'Seconds the token remains valid' }),
    expireTime: Type.Integer({ description: 'Token expiry, unix seconds' }),
    createTime: Type.Integer({ description: 'Token creation, epoch milliseconds' }),
    user: UserInfoSchema,
    clientType: Type.Integer({ description: '72 = API caller' }),
    forceLoginInd: Type.Integer({ description: '0 non-preemptive' }),
    firstLogin: Type.Boolean(),
    pwdExpired: Type.Boolean(),
    daysPwdAvailable: Type.Integer(),
    proxyToken: nullable(ProxyTokenSchema, 'Proxy authentication information'),
    delayDelete: Type.Boolean(),
    tokenType: Type.Integer({ description: '0 user access token' }),
    refreshToken: Type.String(),
    refreshValidPeriod: Type.Integer({ description: 'Seconds' }),
    refreshExpireTime: Type.Integer({ description: 'Unix seconds' }),
    refreshCreateTime: Type.Integer({ description: 'Epoch milliseconds' }),
  },
  { description: 'Huawei AccessTokenResponse' },
);
export type AccessTokenResponse = Static<typeof AccessTokenResponseSchema>;

const optionalText = (maxLength: number, description: string) =>
  Type.Optional(Type.String({ maxLength, description }));

export const AppAuthBodySchema = Type.Object({
  appId: Type.String({ minLength: 1, maxLength: 128, description: 'App ID' }),
  clientType: Type.Integer({
    minimum: 0,
    description: '72 = API caller (64 tokens per user); others keep 1',
  }),
  expireTime: Type.Integer({
    minimum: 0,
    description: 'Unix seconds after which the signature is refused; 0 = never',
  }),
  nonce: Type.String({ description: 'Random string of 32 to 64 characters, single use per app' }),
  corpId: optionalText(64, 'SP apps only: the enterprise; absent with userId absent = SP administrator'),
  userId: optionalText(255, 'Third-party user ID; absent = the enterprise default administrator'),
  userName: optionalText(128, 'Display name, stored with the user'),
  userEmail: optionalText(255, 'Stored with the user'),
  userPhone: optionalText(32, 'Stored with the user, e.g. +86…'),
  deptCode: optionalText(64, 'Accepted and ignored'),
});
export type AppAuthRequest = Static<typeof AppAuthBodySchema>;

/** The App ID signature (`x-token-type: LongTicket` is accepted). */
export const AppAuthHeaders = Type.Object({
  authorization: Type.Optional(
    Type.String({
      maxLength: 1024,
      description: 'Required: `HMAC-SHA256 signature=<hex>,access=<base64(appId)>`',
    }),
  ),
  'x-token-type': Type.Optional(Type.String({ maxLength: 32, description: '`LongTicket`; optional' })),
});

export const AccountAuthBodySchema = Type.Object({
  account: Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'Account name; must equal the Authorization one',
  }),
  clientType: Type.Integer({
    minimum: 0,
    description: '72 = API caller (64 tokens per user); others keep 1',
  }),
  HA2: optionalText(1024, 'Captcha information; accepted and ignored'),
  createTokenType: Type.Optional(Flag('0 (default) issue a token; 1 only check the password')),
});
export type AccountAuthRequest = Static<typeof AccountAuthBodySchema>;

/** `Authorization: Basic base64(account:password)`. */
export const AccountAuthHeaders = Type.Object({
  authorization: Type.Optional(
    Type.String({ maxLength: 1024, description: 'Required: `Basic base64(account:password)`' }),
  ),
});

export const ValidateBodySchema = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 512, description: 'Access token to check' }),
  needGenNewToken: Type.Boolean({ description: 'Issue a new token (the checked one stays valid)' }),
  needAccountInfo: Type.Optional(
    Type.Boolean({ description: 'Accepted; user information is always returned' }),
  ),
});
export type ValidateRequest = Static<typeof ValidateBodySchema>;

/** 200 with no body at all (typed void so that `reply.send()` needs no payload). */
export const EmptyBody = Type.Unsafe<void>({ type: 'null', description: 'Empty body' });

export const AccessTokenHeaders = Type.Object({
  'x-access-token': Type.Optional(Type.String({ maxLength: 512, description: 'Access token (required)' })),
});

export const AccountSchema = Type.Object(
  {
    userId: Type.String(),
    account: Type.String(),
    name: Type.String(),
    email: nullable(Type.String(), 'Email address'),
    phone: nullable(Type.String(), 'Phone number'),
    corpId: Type.String(),
    sipNumber: Type.String(),
    userType: Type.Integer({ description: '2 enterprise user' }),
    adminType: Type.Integer({ description: '1 ordinary administrator, 2 not an administrator' }),
    createdAt: Type.Integer({ description: 'Epoch milliseconds' }),
  },
  { description: 'An account/password user' },
);

export const NewAccountBodySchema = Type.Object({
  account: Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: '^[^:]+$',
    description: 'Unique account name, no ":"',
  }),
  password: Type.String({ minLength: 8, maxLength: 32, description: '8 to 32 characters' }),
  name: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'Display name (default: the account)' }),
  ),
  email: optionalText(255, 'Email address'),
  phone: optionalText(32, 'Phone number'),
  admin: Type.Optional(
    Type.Boolean({ description: 'Make the user an ordinary administrator (adminType 1)' }),
  ),
});
