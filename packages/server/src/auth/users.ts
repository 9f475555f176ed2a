/**
 * The users access tokens are issued to: the implicit administrators of App ID authentication, App ID users
 * registered on first authentication, the enterprises an SP app names, and account/password users.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { DomainError } from '../domain/errors.js';
import { digits, hex32 } from '../ids.js';
import type { App, IdentityStore, User } from '../store/types.js';
import { hashPassword, isAcceptablePassword } from './passwords.js';

export interface UsersDeps {
  store: IdentityStore;
  clock: Clock;
}

/** What an account/password user is made of. */
export interface NewAccount {
  account: string;
  password: string;
  name?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  /** An ordinary administrator of the enterprise (adminType 1) rather than a plain user. */
  admin?: boolean | undefined;
  corpId: string;
}

/** The address-book fields an App ID authentication may carry. */
export interface AddressBookFields {
  userName?: string | undefined;
  userEmail?: string | undefined;
  userPhone?: string | undefined;
}

export const ACCOUNT_MAX_LENGTH = 255;

export const USER_TYPE_SP_ADMIN = 1;
export const USER_TYPE_ENTERPRISE = 2;
const ADMIN_TYPE_DEFAULT = 0;
const ADMIN_TYPE_ORDINARY = 1;
const ADMIN_TYPE_NONE = 2;

/** `""`, null and undefined all mean "not given" in appauth bodies. */
export function given(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value;
}

/** Stable user ID of an implicit administrator, so that every authentication finds the same user. */
function implicitUserId(kind: 'sp-admin' | 'corp-admin', scope: string): string {
  return createHash('sha256').update(`confpush:${kind}:${scope}`).digest('hex').slice(0, 32);
}

function sipNumber(): string {
  return `+991${digits(11)}`;
}

/** A user of `corpId` not yet stored: the fields every kind of user fills the same way. */
function newUser(
  deps: UsersDeps,
  fields: Pick<
    User,
    'corpId' | 'account' | 'thirdAccount' | 'appId' | 'passwordHash' | 'name' | 'email' | 'phone'
  >,
  adminType: number,
): User {
  return {
    userId: hex32(),
    ...fields,
    sipNumber: sipNumber(),
    userType: USER_TYPE_ENTERPRISE,
    adminType,
    createdAt: deps.clock.now(),
  };
}

/**
 * An SP app may name any enterprise of its SP; the first authentication for an unknown corpId creates it. This
 * is a local development convenience (Huawei provisions enterprises through its SP console).
 */
export async function ensureSpCorp(
  deps: UsersDeps,
  corpId: string,
  spId: string,
  now: number,
): Promise<void> {
  if (await deps.store.getCorp(corpId)) return;
  await deps.store.putCorp({ corpId, spId, name: corpId, createdAt: now });
}

/**
 * The user an appauth without `userId` logs in as: the SP default admin (userType 1, scoped by the SP ID, which
 * also serves as its companyId) or an enterprise's default admin (adminType 0). Created on first use.
 */
export async function implicitAdmin(
  deps: UsersDeps,
  app: App,
  userType: number,
  scope: string,
): Promise<User> {
  const userId = implicitUserId(userType === USER_TYPE_SP_ADMIN ? 'sp-admin' : 'corp-admin', scope);
  const existing = await deps.store.getUser(userId);
  if (existing) return existing;
  await deps.store.putUser({
    userId,
    corpId: scope,
    account: null,
    thirdAccount: null,
    appId: app.appId,
    passwordHash: null,
    name: userType === USER_TYPE_SP_ADMIN ? 'SP Administrator' : 'Administrator',
    email: null,
    phone: null,
    sipNumber: sipNumber(),
    userType,
    adminType: ADMIN_TYPE_DEFAULT,
    createdAt: deps.clock.now(),
  });
  // Re-read: a concurrent first login may have written the same user ID.
  const created = await deps.store.getUser(userId);
  if (!created) throw new Error(`user ${userId} was not stored`);
  return created;
}

/** The App ID user `thirdAccount` of `corpId`, registered on first authentication; address-book fields updated. */
export async function appUser(
  deps: UsersDeps,
  app: App,
  corpId: string,
  thirdAccount: string,
  fields: AddressBookFields,
): Promise<User> {
  const { store } = deps;
  const name = given(fields.userName);
  const email = given(fields.userEmail);
  const phone = given(fields.userPhone);
  const existing = await store.findUserByThirdAccount(corpId, app.appId, thirdAccount);
  if (existing) {
    const updated: User = {
      ...existing,
      name: name ?? existing.name,
      email: email ?? existing.email,
      phone: phone ?? existing.phone,
    };
    const changed =
      updated.name !== existing.name || updated.email !== existing.email || updated.phone !== existing.phone;
    if (changed) await store.putUser(updated);
    return updated;
  }
  const user = newUser(
    deps,
    {
      corpId,
      account: null,
      thirdAccount,
      appId: app.appId,
      passwordHash: null,
      name: name ?? thirdAccount,
      email: email ?? null,
      phone: phone ?? null,
    },
    ADMIN_TYPE_NONE,
  );
  try {
    await store.putUser(user);
    return user;
  } catch (error) {
    // A concurrent first login registered the same third-party ID (unique per corp and app).
    const raced = await store.findUserByThirdAccount(corpId, app.appId, thirdAccount);
    if (raced) return raced;
    throw error;
  }
}

/** Creates an account/password user of `corpId` (which must exist). */
export async function createAccount(deps: UsersDeps, input: NewAccount): Promise<User> {
  const { store } = deps;
  const { account, password } = input;
  if (account.length < 1 || account.length > ACCOUNT_MAX_LENGTH || account.includes(':')) {
    throw new DomainError('USG_INVALID_PARAMETER', 'account must be 1 to 255 characters without ":"');
  }
  if (!isAcceptablePassword(password))
    throw new DomainError('USG_INVALID_PARAMETER', 'password must be 8 to 32 characters');
  if (!(await store.getCorp(input.corpId))) throw new DomainError('USG_INVALID_PARAMETER', 'unknown corpId');
  if (await store.findUserByAccount(account)) throw new DomainError('ACCOUNT_EXISTS');
  const user = newUser(
    deps,
    {
      corpId: input.corpId,
      account,
      thirdAccount: null,
      appId: null,
      passwordHash: await hashPassword(password),
      name: given(input.name) ?? account,
      email: given(input.email) ?? null,
      phone: given(input.phone) ?? null,
    },
    input.admin ? ADMIN_TYPE_ORDINARY : ADMIN_TYPE_NONE,
  );
  try {
    await store.putUser(user);
  } catch (error) {
    // Another request created the same account between the check and the write (the account is unique).
    if (await store.findUserByAccount(account)) throw new DomainError('ACCOUNT_EXISTS');
    throw error;
  }
  return user;
}
