/**
 * The Redis key layout of cluster mode. Every key starts with the configured prefix `<p>` (setting `redisPrefix`,
 * default `confpush:`), so several deployments (or test runs) can share one Redis. One meeting's keys share the
 * hash tag `{m:<confId>}` and so one slot; the commit script touches only them (plus, on creation, the
 * enterprise's meeting index).
 *
 * | key                                        | type   | content                                                                |
 * | ------------------------------------------ | ------ | ---------------------------------------------------------------------- |
 * | `<p>{m:<id>}`                              | hash   | `rev`, `head`, `inc`, `record` (JSON), `e:<category>` epoch, `s:<category>` seq |
 * | `<p>{m:<id>}:items:<category>`             | hash   | item key → item JSON (object and value categories: key `''`)           |
 * | `<p>{m:<id>}:order:<category>`             | zset   | item key → insertion order (`seq · 2^20 + position`)                   |
 * | `<p>{m:<id>}:log:<category>`               | stream | id `<seq>-0`, fields `c` createdAt, `p` payload JSON; MAXLEN logRetention |
 * | `<p>{m:<id>}:ctok`                         | set    | the meeting's control tokens (revoked together)                        |
 * | `<p>{m:<id>}:ch`                           | pub/sub channel | every committed entry of the meeting, published by the commit script |
 * | `<p>outbox:<topic>`                        | stream | a sink's messages, added by the commit script (store/outbox.ts)        |
 * | `<p>corp:<corpId>:meetings`                | set    | conference IDs of the enterprise (listing)                             |
 * | `<p>corp:<corpId>`                         | hash   | corpId, spId, name, createdAt                                          |
 * | `<p>app:<appId>`                           | hash   | appId, appKey, kind, corpId, spId, createdAt                           |
 * | `<p>user:<userId>`                         | hash   | the user's fields (null fields absent)                                 |
 * | `<p>account:<account>`                     | string | userId (account names are unique)                                      |
 * | `<p>third:<corpId>:<appId>:<thirdAccount>` | string | userId                                                                 |
 * | `<p>atok:<token>`                          | string | AccessToken JSON; expires 1 h after both of its lifetimes              |
 * | `<p>atoks:<userId>:<clientType>`           | zset   | token → insertion number (the newest `maxPerUser` are kept)            |
 * | `<p>atok-seq`                              | string | insertion counter                                                      |
 * | `<p>nonce:<appId>:<nonce>`                 | string | `1`, `SET NX PX` its lifetime                                          |
 * | `<p>ctok:<token>`                          | string | ConfToken JSON; expires 24 h after the token                           |
 * | `<p>wstok:<token>`                         | string | WsToken JSON; expires 1 h after the token; taken with `GETDEL`         |
 *
 * `rev` counts the committed entries of a meeting; `head` is the id of the newest (optimistic concurrency: an entry
 * names the head it was decided on); `inc` is the Redis incarnation (`run_id`) under which the meeting's epochs
 * were set (a different one means the data may have lost continuity: epochs are renewed).
 */
import type { PushCategory } from '@confpush/protocol';

export class RedisKeys {
  constructor(readonly prefix: string) {}

  meeting(confId: string): string {
    return `${this.prefix}{m:${confId}}`;
  }
  items(confId: string, category: PushCategory): string {
    return `${this.meeting(confId)}:items:${category}`;
  }
  order(confId: string, category: PushCategory): string {
    return `${this.meeting(confId)}:order:${category}`;
  }
  log(confId: string, category: PushCategory): string {
    return `${this.meeting(confId)}:log:${category}`;
  }
  confTokensOf(confId: string): string {
    return `${this.meeting(confId)}:ctok`;
  }
  /** A sink's outbox (stream, fields `b` body, `c` createdAt), written by the commit script. */
  outbox(topic: string): string {
    return `${this.prefix}outbox:${topic}`;
  }
  channel(confId: string): string {
    return `${this.meeting(confId)}:ch`;
  }
  corpMeetings(corpId: string): string {
    return `${this.prefix}corp:${corpId}:meetings`;
  }
  corp(corpId: string): string {
    return `${this.prefix}corp:${corpId}`;
  }
  app(appId: string): string {
    return `${this.prefix}app:${appId}`;
  }
  user(userId: string): string {
    return `${this.prefix}user:${userId}`;
  }
  account(account: string): string {
    return `${this.prefix}account:${account}`;
  }
  third(corpId: string, appId: string, thirdAccount: string): string {
    return `${this.prefix}third:${corpId}:${appId}:${thirdAccount}`;
  }
  accessToken(token: string): string {
    return `${this.prefix}atok:${token}`;
  }
  accessTokensOf(userId: string, clientType: number): string {
    return `${this.prefix}atoks:${userId}:${clientType}`;
  }
  accessTokenSeq(): string {
    return `${this.prefix}atok-seq`;
  }
  nonce(appId: string, nonce: string): string {
    return `${this.prefix}nonce:${appId}:${nonce}`;
  }
  confToken(token: string): string {
    return `${this.prefix}ctok:${token}`;
  }
  wsToken(token: string): string {
    return `${this.prefix}wstok:${token}`;
  }
}
