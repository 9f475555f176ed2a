/**
 * The media plane as a source (sources/source.ts): the simulated media plane (service.ts) and the media-plane API
 * (routes/) submit their commands through the port the node gives the source, never to the engine directly.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AccessTokenVerifier } from '../api/context.js';
import type { Config } from '../config.js';
import type { Source, SourcePort } from '../sources/source.js';
import { mediaRoutes } from './routes/index.js';
import { MediaPlane } from './service.js';
import type { MediaTimers } from './timers.js';

export interface MediaSourceOptions {
  config: Pick<Config, 'speakerIntervalMs' | 'calleeAnswerDelayMs' | 'calleeFailPattern' | 'calleeFailCode'>;
  /** Checks the `X-Access-Token` of media-plane calls. */
  accessTokens: AccessTokenVerifier;
  /** Time of the plane when not the node's clock (tests inject `ManualTimers`). */
  timers?: MediaTimers | undefined;
  /** Participants another media plane answers (the Janus bridge's): never simulated callees. */
  answeredElsewhere?: ((pid: string) => boolean) | undefined;
}

export class MediaSource implements Source {
  readonly name = 'media';
  readonly routes: FastifyPluginAsync;
  readonly #options: MediaSourceOptions;
  #port: SourcePort | undefined;
  #plane: MediaPlane | undefined;
  #stopObserving: (() => void) | undefined;

  constructor(options: MediaSourceOptions) {
    this.#options = options;
    this.routes = mediaRoutes({
      accessTokens: options.accessTokens,
      port: () => this.#started().port,
      plane: () => this.#started().plane,
    });
  }

  /** The simulated media plane (speaker feeds, pending callees); there is one once the source has started. */
  get plane(): MediaPlane {
    return this.#started().plane;
  }

  async start(port: SourcePort): Promise<void> {
    const { config, timers } = this.#options;
    this.#port = port;
    this.#plane = new MediaPlane({
      port,
      logger: port.logger,
      timers: timers ?? port.clock,
      speakerIntervalMs: config.speakerIntervalMs,
      calleeAnswerDelayMs: config.calleeAnswerDelayMs,
      calleeFailPattern: config.calleeFailPattern,
      calleeFailCode: config.calleeFailCode,
      answeredElsewhere: this.#options.answeredElsewhere,
    });
    // The plane acts on this node's own changes only (one node answers a call it was asked to place).
    this.#stopObserving = port.observe(this.#plane, { remote: false });
  }

  async stop(): Promise<void> {
    this.#stopObserving?.();
    this.#stopObserving = undefined;
    await this.#plane?.close();
  }

  #started(): { port: SourcePort; plane: MediaPlane } {
    if (!this.#port || !this.#plane) throw new Error('the media source has not started');
    return { port: this.#port, plane: this.#plane };
  }
}
