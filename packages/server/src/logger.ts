/**
 * The node's logger: one JSON line per event (production), or, in dev mode, human-readable lines (pino-pretty,
 * written synchronously so they interleave in order with what the command prints on stdout).
 */
import pino, { type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';
import { LOG_REDACT } from './log-redact.js';

export function createLogger(config: Pick<Config, 'logLevel' | 'dev'>): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: 'confpush' },
    redact: LOG_REDACT,
  };
  if (!config.dev) return pino(options);
  const colorize = process.stdout.isTTY === true && !process.env['NO_COLOR'];
  return pino(
    options,
    pretty({ sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }),
  );
}
