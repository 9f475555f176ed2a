/**
 * The sources a node builds from its configuration. The one place that lists them: a new bridge, relay or sink
 * adds one line here (and its settings in config.ts), nothing else.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Store } from '../store/types.js';
import { WebhookSink } from '../webhooks/sink.js';
import type { Source } from './source.js';

export interface BuiltinSourceDeps {
  config: Config;
  /** The node's store (a sink keeps its durable state, e.g. an outbox, beside the meetings). */
  store: Store;
  /** The node's metrics registry (a sink adds its series). */
  registry?: Registry | undefined;
}

export function builtinSources(deps: BuiltinSourceDeps): Source[] {
  const sources: Source[] = [];
  if (deps.config.webhooks)
    sources.push(new WebhookSink({ config: deps.config, store: deps.store, registry: deps.registry }));
  return sources;
}
