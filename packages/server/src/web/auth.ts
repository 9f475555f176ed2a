/**
 * Signing in and what the console keeps in `sessionStorage` (this tab only): the access token and its expiry,
 * and the host passwords of meetings this tab created or listed. The app key and account password are used to
 * sign in and then forgotten; the app key never leaves the browser (the request is signed with WebCrypto).
 */
import { RestClient, type AccessToken } from '@confpush/client';

export type SignInMode = 'app' | 'account';

export interface ConsoleAuth {
  accessToken: string;
  /** Epoch ms after which the token is no longer good (unknown: undefined). */
  expiresAt?: number;
  /** Who signed in, for the header. */
  label: string;
  mode: SignInMode;
}

const AUTH_KEY = 'confpush.console.auth';
const PASSWORD_KEY = 'confpush.console.hostPasswords';

export const rest = new RestClient({ baseUrl: location.origin });

export function currentAuth(): ConsoleAuth | undefined {
  const auth = readJson<ConsoleAuth>(AUTH_KEY);
  if (!auth || typeof auth.accessToken !== 'string') return undefined;
  if (auth.expiresAt !== undefined && auth.expiresAt <= Date.now()) {
    signOut();
    return undefined;
  }
  return auth;
}

export function signOut(): void {
  sessionStorage.removeItem(AUTH_KEY);
}

/** App ID authentication, signed in the browser (`POST /v2/usg/acs/auth/appauth`). */
export async function signInWithApp(input: {
  appId: string;
  appKey: string;
  userId?: string;
}): Promise<ConsoleAuth> {
  if (!globalThis.crypto?.subtle) {
    throw new Error('App ID sign-in signs the request with WebCrypto, which needs https or localhost.');
  }
  const token = await rest.appAuth({
    appId: input.appId,
    appKey: input.appKey,
    userId: input.userId || undefined,
  });
  return remember(token, 'app', input.userId || input.appId);
}

/** Account and password authentication (`POST /v1/usg/acs/auth/account`). */
export async function signInWithAccount(input: { account: string; password: string }): Promise<ConsoleAuth> {
  return remember(await rest.accountAuth(input), 'account', input.account);
}

function remember(token: AccessToken, mode: SignInMode, fallbackLabel: string): ConsoleAuth {
  const name = typeof token.user?.name === 'string' && token.user.name ? token.user.name : undefined;
  const auth: ConsoleAuth = { accessToken: token.accessToken, label: name ?? fallbackLabel, mode };
  if (token.expireTime !== undefined && token.expireTime > 0) auth.expiresAt = token.expireTime * 1000;
  else if (token.validPeriod !== undefined) auth.expiresAt = Date.now() + token.validPeriod * 1000;
  sessionStorage.setItem(AUTH_KEY, JSON.stringify(auth));
  return auth;
}

export function hostPasswordOf(conferenceID: string): string | undefined {
  return readJson<Record<string, string>>(PASSWORD_KEY)?.[conferenceID];
}

export function rememberHostPassword(conferenceID: string, password: string): void {
  const all = readJson<Record<string, string>>(PASSWORD_KEY) ?? {};
  all[conferenceID] = password;
  sessionStorage.setItem(PASSWORD_KEY, JSON.stringify(all));
}

export function forgetHostPassword(conferenceID: string): void {
  const all = readJson<Record<string, string>>(PASSWORD_KEY);
  if (!all || !(conferenceID in all)) return;
  delete all[conferenceID];
  sessionStorage.setItem(PASSWORD_KEY, JSON.stringify(all));
}

function readJson<T>(key: string): T | undefined {
  try {
    const text = sessionStorage.getItem(key);
    return text === null ? undefined : (JSON.parse(text) as T);
  } catch {
    return undefined;
  }
}
