/**
 * `confpush account create`: adds an account/password user to the store, outside a running server: the embedded
 * SQLite file, or the cluster's Redis when `redis` is given.
 */
import { createAccount, type NewAccount } from '../auth/users.js';
import { systemClock } from '../clock.js';
import { resolveConfig } from '../config.js';
import { openStore } from '../store/open.js';
import type { User } from '../store/types.js';

export interface CreateAccountOptions extends NewAccount {
  dataDir: string;
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
    return await createAccount({ store: store.identity, clock: systemClock }, options);
  } finally {
    await broker.close();
    await store.close();
  }
}
