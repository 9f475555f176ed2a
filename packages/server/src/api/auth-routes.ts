/**
 * Huawei-compatible authentication under `/v1/usg` and `/v2/usg` (App ID and account authentication, token
 * validate / refresh / logout), and confpush's own account administration under `/confpush/v1/admin`.
 */
import type { User } from '../store/types.js';
import { DomainError } from '../domain/errors.js';
import type { Api, ApiDeps } from './context.js';
import {
  AccessTokenResponseSchema,
  AppAuthBodySchema,
  AppAuthHeaders,
  AccountAuthHeaders,
  AccountAuthBodySchema,
  ValidateBodySchema,
  EmptyBody,
  AccessTokenHeaders,
  AccountSchema,
  NewAccountBodySchema,
  errorResponses,
} from '@confpush/protocol';

const HUAWEI_TAG = 'huawei: authentication';
const ADMIN_TAG = 'confpush: admin';

function accountView(user: User) {
  return {
    userId: user.userId,
    account: user.account ?? '',
    name: user.name,
    email: user.email,
    phone: user.phone,
    corpId: user.corpId,
    sipNumber: user.sipNumber,
    userType: user.userType,
    adminType: user.adminType,
    createdAt: user.createdAt,
  };
}

const isEnterpriseAdmin = (user: User) =>
  user.userType === 2 && (user.adminType === 0 || user.adminType === 1);

export function authRoutes(deps: ApiDeps) {
  return async function register(app: Api): Promise<void> {
    const { accessTokens } = deps;

    app.post(
      '/v2/usg/acs/auth/appauth',
      {
        schema: {
          summary:
            'App ID authentication (CreateAppIdToken): exchange an HMAC-SHA256 signature for an access token',
          tags: [HUAWEI_TAG],
          headers: AppAuthHeaders,
          body: AppAuthBodySchema,
          response: { 200: AccessTokenResponseSchema, ...errorResponses },
        },
      },
      async (request) =>
        deps.authAttempts.guard({ address: request.ip, target: `app:${request.body.appId}` }, () =>
          accessTokens.appAuth({ authorization: request.headers.authorization }, request.body, request.ip),
        ),
    );

    app.post(
      '/v1/usg/acs/auth/account',
      {
        schema: {
          summary:
            'Account/password authentication: exchange `Basic base64(account:password)` for an access token',
          tags: [HUAWEI_TAG],
          headers: AccountAuthHeaders,
          body: AccountAuthBodySchema,
          response: { 200: AccessTokenResponseSchema, ...errorResponses },
        },
      },
      async (request) =>
        deps.authAttempts.guard({ address: request.ip, target: `account:${request.body.account}` }, () =>
          accessTokens.accountAuth(request.headers.authorization, request.body, request.ip),
        ),
    );

    app.post(
      '/v1/usg/acs/token/validate',
      {
        schema: {
          summary: 'Validate an access token, optionally issuing a new one',
          tags: [HUAWEI_TAG],
          body: ValidateBodySchema,
          response: { 200: AccessTokenResponseSchema, ...errorResponses },
        },
      },
      async (request) =>
        deps.authAttempts.guard({ address: request.ip }, () =>
          accessTokens.validate(request.body, request.ip),
        ),
    );

    // Refresh and logout carry no body, but Huawei SDK clients may still send `Content-Type: application/json`;
    // in this context any body is read and ignored instead of failing as empty JSON.
    await app.register(async (bodyless: Api) => {
      bodyless.removeAllContentTypeParsers();
      bodyless.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) =>
        done(null, undefined),
      );

      bodyless.put(
        '/v1/usg/acs/token',
        {
          schema: {
            summary: 'Refresh an access token: same token, lifetime restarted',
            tags: [HUAWEI_TAG],
            headers: AccessTokenHeaders,
            response: { 200: AccessTokenResponseSchema, ...errorResponses },
          },
        },
        async (request) => accessTokens.refresh(request.headers['x-access-token']),
      );

      bodyless.delete(
        '/v1/usg/acs/token',
        {
          schema: {
            summary: 'Log out: delete the access token',
            tags: [HUAWEI_TAG],
            headers: AccessTokenHeaders,
            response: { 200: EmptyBody, ...errorResponses },
          },
        },
        async (request, reply) => {
          await accessTokens.logout(request.headers['x-access-token']);
          return reply.status(200).send();
        },
      );
    });

    app.post(
      '/confpush/v1/admin/accounts',
      {
        schema: {
          summary:
            'Create an account/password user in the caller’s enterprise (enterprise administrators only)',
          tags: [ADMIN_TAG],
          headers: AccessTokenHeaders,
          body: NewAccountBodySchema,
          response: { 201: AccountSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const caller = await accessTokens.authenticate(request.headers['x-access-token']);
        if (!isEnterpriseAdmin(caller.user)) {
          throw new DomainError('PERMISSION_DENIED', 'only an enterprise administrator may create accounts');
        }
        const user = await accessTokens.createAccount({ ...request.body, corpId: caller.user.corpId });
        return reply.status(201).send(accountView(user));
      },
    );
  };
}
