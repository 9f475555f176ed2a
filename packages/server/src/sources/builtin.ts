/**
 * The sources a node builds from its configuration. The one place that lists them: a new bridge, relay or sink
 * adds one line here (and its settings in config.ts), nothing else.
 */
import type { Config } from '../config.js';
import { RelaySource } from '../relay/relay-source.js';
import type { Store } from '../store/types.js';
import type { Source } from './source.js';

export interface BuiltinSourceDeps {
  config: Config;
  /** The node's store (a sink keeps its durable state, e.g. an outbox, beside the meetings). */
  store: Store;
}

export function builtinSources(deps: BuiltinSourceDeps): Source[] {
  const sources: Source[] = [];
  if (deps.config.upstreamUrl !== '')
    sources.push(new RelaySource({ config: deps.config, store: deps.store }));
  return sources;
}
