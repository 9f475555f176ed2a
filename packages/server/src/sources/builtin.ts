/**
 * The sources a node builds from its configuration. The one place that lists them: a new bridge, relay or sink
 * adds one line here (and its settings in config.ts), nothing else.
 */
import type { AccessTokenVerifier } from '../api/context.js';
import type { Config } from '../config.js';
import { JanusSource } from '../janus/source.js';
import type { AuthAttempts } from '../limits/auth-attempts.js';
import { MediaSource } from '../media/source.js';
import type { MediaTimers } from '../media/timers.js';
import { RelaySource } from '../relay/relay-source.js';
import type { Store } from '../store/types.js';
import { WebhookSink } from '../webhooks/sink.js';
import type { Source } from './source.js';

export interface BuiltinSourceDeps {
  config: Config;
  /** The node's store (a sink keeps its durable state, e.g. an outbox, beside the meetings). */
  store: Store;
  /** The node's authentication-attempt limits (a source that checks meeting passwords counts its failures). */
  authAttempts: AuthAttempts;
  /** Checks the `X-Access-Token` of calls to a source's routes (the caller and their enterprise). */
  accessTokens: AccessTokenVerifier;
  /** Time of the media plane when not the node's clock (node option `mediaTimers`). */
  mediaTimers?: MediaTimers | undefined;
}

export function builtinSources(deps: BuiltinSourceDeps): Source[] {
  const { config } = deps;
  const sources: Source[] = [];
  // The bridge to a Janus SFU (docs/janus.md), only when configured.
  const janus =
    config.janusUrl === ''
      ? undefined
      : new JanusSource({
          url: config.janusUrl,
          adminKey: config.janusAdminKey,
          publicUrl: config.janusPublicUrl || config.janusUrl,
          eventsSecret: config.janusEventsSecret,
          store: deps.store,
          authAttempts: deps.authAttempts,
        });
  // The media-plane API and the simulated media plane (speaker coalescing, simulated callees; the bridge's
  // participants are answered by their joining the room, not simulated).
  sources.push(
    new MediaSource({
      config,
      accessTokens: deps.accessTokens,
      timers: deps.mediaTimers,
      answeredElsewhere: janus ? (pid) => janus.issued(pid) : undefined,
    }),
  );
  // The relay in front of Huawei Cloud Meeting (docs/relay.md), only when an upstream is configured.
  if (config.upstreamUrl !== '')
    sources.push(new RelaySource({ config, store: deps.store, accessTokens: deps.accessTokens }));
  if (janus) sources.push(janus);
  // Enterprise event push: signed webhooks from an outbox committed with every change (docs/webhooks.md).
  if (config.webhooks)
    sources.push(new WebhookSink({ config, store: deps.store, accessTokens: deps.accessTokens }));
  return sources;
}
