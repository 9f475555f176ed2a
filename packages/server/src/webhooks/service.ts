/** The configurations of the enterprise event push and what an administrator can do with them. */
import type { Logger } from 'pino';
import type { AccessTokenVerifier } from '../api/context.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../domain/errors.js';
import { hex32 } from '../ids.js';
import type { SinkOp, SinkStore } from '../store/outbox.js';
import type { Store } from '../store/types.js';
import { checkUrl, RefusedTarget } from './address-guard.js';
import type { ListeningCorps } from './listening-corps.js';
import { logList, NS, type Attempt, type ConfigStatus, type Delivery, type WebhookConfig } from './model.js';
import type { PostOptions } from './post.js';
import { reviveDead } from './replay.js';
import { verifyReceiver } from './verify.js';

export interface WebhookServiceDeps {
  store: Store;
  sink: SinkStore;
  accessTokens: AccessTokenVerifier;
  clock: Clock;
  logger: Logger;
  post: PostOptions;
  /** Makes the deliverer look at its state now (on this node; another node's sees it at its next round). */
  nudge: () => void;
  listening: ListeningCorps;
}

export interface ConfigInput {
  corpId?: string | undefined;
  spId?: string | undefined;
  subscriberId: string;
  subscriberKey: string;
  url: string;
}

export class WebhookService {
  readonly accessTokens: AccessTokenVerifier;
  readonly #d: WebhookServiceDeps;

  constructor(deps: WebhookServiceDeps) {
    this.#d = deps;
    this.accessTokens = deps.accessTokens;
  }

  /** A `corpId` given in a request must be the caller's enterprise. */
  checkScope(corpId: string, given: string | undefined): void {
    if (given !== undefined && given !== '' && given !== corpId)
      throw new DomainError('PERMISSION_DENIED', `corpId ${given} is not the caller's enterprise`);
  }

  async configOf(corpId: string): Promise<WebhookConfig | undefined> {
    const all = await this.#d.sink.list(NS.configs);
    return all.map((r) => JSON.parse(r.value) as WebhookConfig).find((c) => c.corpId === corpId);
  }

  view(config: WebhookConfig | undefined) {
    if (!config) return { returnCode: 0, returnDesc: 'no event push configuration' };
    const { id, subscriberId, url, status } = config;
    return { returnCode: 0, returnDesc: 'success', id, subscriberId, url, status };
  }

  /**
   * Sets the enterprise's configuration (replacing its fields); it is not enabled until verified. Events committed
   * after a new configuration's call answered are kept in the outbox on every node (`listening-corps.ts`).
   */
  async setConfig(corpId: string, input: ConfigInput): Promise<WebhookConfig> {
    this.checkScope(corpId, input.corpId);
    if (input.spId) {
      const corp = await this.#d.store.identity.getCorp(corpId);
      if (corp?.spId !== input.spId)
        throw new DomainError('PERMISSION_DENIED', `spId ${input.spId} is not the enterprise's SP`);
    }
    try {
      checkUrl(input.url, this.#d.post);
    } catch (error) {
      if (error instanceof RefusedTarget) throw new DomainError('MMC_INVALID_PARAMETER', error.message);
      throw error;
    }
    const now = this.#d.clock.now();
    const existing = await this.configOf(corpId);
    const config: WebhookConfig = {
      id: existing?.id ?? hex32(),
      corpId,
      spId: input.spId ?? null,
      subscriberId: input.subscriberId,
      subscriberKey: input.subscriberKey,
      url: input.url,
      status: 1,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    await this.#d.sink.apply([{ op: 'put', ns: NS.configs, id: config.id, value: JSON.stringify(config) }]);
    if (!existing) await this.#d.listening.created(corpId);
    return config;
  }

  async #own(corpId: string, id: string): Promise<WebhookConfig> {
    const raw = await this.#d.sink.get(NS.configs, id);
    const config = raw ? (JSON.parse(raw) as WebhookConfig) : undefined;
    // Another enterprise's configuration does not exist for the caller.
    if (!config || config.corpId !== corpId)
      throw new DomainError('MMC_INVALID_PARAMETER', `no event push configuration ${id}`);
    return config;
  }

  /** Deletes the configuration with its pending and dead deliveries. */
  async deleteConfig(corpId: string, id: string): Promise<void> {
    await this.#own(corpId, id);
    const ops: SinkOp[] = [{ op: 'del', ns: NS.configs, id }];
    for (const ns of [NS.pending, NS.dead]) {
      for (const row of await this.#d.sink.list(ns))
        if ((JSON.parse(row.value) as Delivery).configId === id) ops.push({ op: 'del', ns, id: row.id });
    }
    await this.#d.sink.apply(ops);
    this.#d.listening.deleted(corpId);
  }

  /** Enabling sends `meeting.verify` and enables only when the receiver echoes the nonce; else says why. */
  async changeStatus(corpId: string, id: string, status: ConfigStatus): Promise<void> {
    const config = await this.#own(corpId, id);
    if (status === 0) {
      const result = await verifyReceiver(config, this.#d.post, this.#d.clock.now());
      if (!result.ok) {
        this.#d.logger.warn({ config: id, reason: result.reason }, 'webhook verification failed');
        throw new DomainError('MMC_INVALID_PARAMETER', `verification failed: ${result.reason}`);
      }
    }
    const updated = { ...config, status, updatedAt: this.#d.clock.now() };
    await this.#d.sink.apply([{ op: 'put', ns: NS.configs, id, value: JSON.stringify(updated) }]);
    this.#d.nudge();
  }

  async deliveryLog(corpId: string, id: string, limit: number) {
    await this.#own(corpId, id);
    const attempts = (await this.#d.sink.recent(logList(id), limit)).map((v) => JSON.parse(v) as Attempt);
    const ofConfig = async (ns: string) =>
      (await this.#d.sink.list(ns))
        .map((r) => JSON.parse(r.value) as Delivery)
        .filter((d) => d.configId === id);
    const dead = (await ofConfig(NS.dead)).sort((a, b) => a.seq - b.seq);
    return {
      attempts,
      pending: (await ofConfig(NS.pending)).length,
      dead: dead.map((d) => ({
        deliveryId: d.id,
        event: d.eventInfo.event,
        confId: d.confId,
        ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
      })),
    };
  }

  async replay(corpId: string, id: string, deliveryIds?: readonly string[]): Promise<number> {
    await this.#own(corpId, id);
    const revived = await reviveDead(this.#d.sink, id, deliveryIds, this.#d.clock.now());
    if (revived > 0) this.#d.nudge();
    return revived;
  }
}
