export { ConfpushNode, type NodeOptions, type AppCredential } from './node.js';
export {
  resolveConfig,
  configFromEnv,
  configFromFile,
  ConfigSchema,
  ENV_VARS,
  ConfigError,
  type Config,
} from './config.js';
export type { Clock } from './clock.js';
