/** An enterprise administrator written straight into a bench node's store, and its access token. */
import type { ConfpushNode } from '../../packages/server/src/node.js';

export const BENCH_ADMIN_TOKEN = 'bench-token';

export async function benchAdmin(node: ConfpushNode): Promise<string> {
  const now = Date.now();
  await node.store.identity.putUser({
    userId: 'bench-admin',
    corpId: node.config.corpId,
    account: null,
    thirdAccount: null,
    appId: null,
    passwordHash: null,
    name: 'a',
    email: null,
    phone: null,
    sipNumber: '+1',
    userType: 2,
    adminType: 0,
    createdAt: now,
  });
  await node.store.identity.putAccessToken(
    {
      token: BENCH_ADMIN_TOKEN,
      userId: 'bench-admin',
      clientType: 72,
      tokenIp: '127.0.0.1',
      createdAt: now,
      expiresAt: now + 3_600_000,
      refreshToken: 'r',
      refreshExpiresAt: now + 3_600_000,
    },
    64,
  );
  return BENCH_ADMIN_TOKEN;
}
