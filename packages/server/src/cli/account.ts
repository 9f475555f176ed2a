/**
 * `confpush account create`: adds an account/password user to the store, outside a running server: the embedded
 * SQLite file, or the cluster's Redis when `redis` is given.
 */
import { AccessTokens } from '../auth/access-tokens.js';
import { systemClock } from '../clock.js';
import { resolveConfig } from '../config.js';
import { openStore } from '../store/open.js';
import type { User } from '../store/types.js';

export interface CreateAccountOptions {
  dataDir: string;
  account: string;
  password: string;
  name?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  admin?: boolean | undefined;
  corpId: string;
  /** Cluster mode: the Redis URL and key prefix of the cluster (instead of the data directory's SQLite file). */
  redis?: { url: string; prefix: string } | undefined;
}

/** Creates the account (and its enterprise, when new); throws `DomainError` for a bad or duplicate account. */
export async function createAccountCommand(options: CreateAccountOptions): Promise<User> {
  const config = resolveConfig({
    dataDir: options.dataDir,
    ...(options.redis ? { redisUrl: options.redis.url, redisPrefix: options.redis.prefix } : {}),
  });
  const { store, broker } = await openStore(config);
  try {
    if (!(await store.identity.getCorp(options.corpId))) {
      await store.identity.putCorp({
        corpId: options.corpId,
        spId: null,
        name: 'confpush',
        createdAt: systemClock.now(),
      });
    }
    const accessTokens = new AccessTokens({ store: store.identity, clock: systemClock, config });
    return await accessTokens.createAccount({
      account: options.account,
      password: options.password,
      name: options.name,
      email: options.email,
      phone: options.phone,
      admin: options.admin,
      corpId: options.corpId,
    });
  } finally {
    await broker.close();
    await store.close();
  }
}
