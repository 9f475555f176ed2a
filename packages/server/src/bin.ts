#!/usr/bin/env node
/** The `confpush` command line. */
import { Command, Option } from 'commander';
import {
  ConfigError,
  ConfigSchema,
  ENV_VARS,
  configFromEnv,
  configFromFile,
  resolveConfig,
  type Config,
} from './config.js';
import { ConfpushNode } from './node.js';
import { withMeetingOptions } from './cli/credentials.js';
import { formatStartupSummary } from './cli/startup-summary.js';

const program = new Command()
  .name('confpush')
  .description(
    'Huawei Cloud Meeting compatible meeting-level event push: REST token chain, WebSocket push, control plane.',
  )
  .showHelpAfterError();

/** Where a cluster node keeps its data, without the Redis password. */
function redisLocation(config: Config): string {
  try {
    const url = new URL(config.redisUrl);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname} prefix ${config.redisPrefix}`;
  } catch {
    return `Redis prefix ${config.redisPrefix}`;
  }
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const serve = program
  .command('serve')
  .description(
    'Run a confpush node (embedded SQLite store, or cluster mode on Redis with --redis-url). Every setting is a flag and an environment variable.',
  )
  .option('--config <file>', 'JSON config file (keys as in the settings table of the README)');
for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
  const s = schema as { description?: string; default?: unknown; type?: string };
  const flag = s.type === 'boolean' ? `--${kebab(key)}` : `--${kebab(key)} <value>`;
  const env = ENV_VARS[key as keyof Config];
  const def = s.default === '' || s.default === undefined ? '' : ` (default: ${String(s.default)})`;
  serve.addOption(new Option(flag, `${s.description ?? ''} [env ${env}]${def}`));
}
serve.action(async (flags: Record<string, unknown>) => {
  let config: Config;
  try {
    const fromFile = typeof flags['config'] === 'string' ? configFromFile(flags['config']) : {};
    const fromFlags: Record<string, unknown> = {};
    for (const key of Object.keys(ConfigSchema.properties))
      if (flags[key] !== undefined) fromFlags[key] = flags[key];
    config = resolveConfig(fromFile, configFromEnv(), fromFlags);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  let node: ConfpushNode;
  try {
    node = await ConfpushNode.start({ config });
  } catch (error) {
    if (error instanceof ConfigError) console.error(error.message);
    else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`port ${config.port} on ${config.host} is already in use (set --port or PORT)`);
    } else throw error;
    process.exit(2);
  }
  const where =
    config.redisUrl !== ''
      ? `cluster node ${node.nodeId} on ${redisLocation(config)}`
      : `data in ${config.dataDir}`;
  const demoMeeting = node.demo?.meeting;
  console.log(
    formatStartupSummary({
      url: node.url,
      publicUrl: node.publicUrl,
      where,
      credential: node.credential,
      appKeyConfigured: config.appId !== '',
      demoWanted: config.demo,
      demo: demoMeeting,
    }),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    node.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
});

const account = program
  .command('account')
  .description(
    'Manage account/password users of the store (the embedded SQLite file, or the cluster Redis).',
  );
account
  .command('create')
  .description('Create an account (for POST /v1/usg/acs/auth/account). Works while the server runs.')
  .requiredOption('--account <name>', 'account name, 1–255 characters')
  .requiredOption('--password <password>', 'password, 8–32 characters')
  .option('--name <name>', 'display name')
  .option('--email <email>', 'e-mail')
  .option('--phone <phone>', 'phone number')
  .option('--admin', 'make the account an enterprise administrator')
  .option('--corp-id <id>', 'enterprise ID [env CONFPUSH_CORP_ID]')
  .option('--data-dir <dir>', 'data directory [env CONFPUSH_DATA_DIR]')
  .option('--redis-url <url>', 'cluster mode: the Redis of the cluster [env CONFPUSH_REDIS_URL]')
  .option('--redis-prefix <prefix>', 'cluster mode: its key prefix [env CONFPUSH_REDIS_PREFIX]')
  .action(async (opts: Record<string, string | boolean | undefined>) => {
    const { createAccountCommand } = await import('./cli/account.js');
    const config = resolveConfig(configFromEnv(), {
      ...(opts['dataDir'] ? { dataDir: opts['dataDir'] } : {}),
      ...(opts['corpId'] ? { corpId: opts['corpId'] } : {}),
      ...(opts['redisUrl'] ? { redisUrl: opts['redisUrl'] } : {}),
      ...(opts['redisPrefix'] ? { redisPrefix: opts['redisPrefix'] } : {}),
    });
    const user = await createAccountCommand({
      dataDir: config.dataDir,
      ...(config.redisUrl !== '' ? { redis: { url: config.redisUrl, prefix: config.redisPrefix } } : {}),
      corpId: config.corpId,
      account: String(opts['account']),
      password: String(opts['password']),
      ...(typeof opts['name'] === 'string' ? { name: opts['name'] } : {}),
      ...(typeof opts['email'] === 'string' ? { email: opts['email'] } : {}),
      ...(typeof opts['phone'] === 'string' ? { phone: opts['phone'] } : {}),
      admin: opts['admin'] === true,
    });
    console.log(`created account ${String(opts['account'])} (userId ${user.userId}, corp ${user.corpId})`);
  });

program
  .command('webhooks')
  .description('Enterprise event push (signed webhooks; docs/webhooks.md).')
  .command('listen')
  .description(
    'A first receiver: verifies signatures and timestamps, echoes meeting.verify, prints each event as a JSON line.',
  )
  .requiredOption('--port <port>', 'port to listen on (0 = any free port)')
  .option('--subscriber-key <key>', 'the subscriberKey of the configuration [env CONFPUSH_SUBSCRIBER_KEY]')
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option(
    '--max-age-ms <ms>',
    'refuse requests whose timestamp is further than this from now (0 = no check)',
    '300000',
  )
  .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
  .option('--tls-key <file>', 'PEM private key of --tls-cert')
  .action(async (opts: Record<string, string | undefined>) => {
    const { listenForWebhooks } = await import('./cli/webhooks-listen.js');
    const port = Number(opts['port']);
    const maxAgeMs = Number(opts['maxAgeMs']);
    if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(maxAgeMs) || maxAgeMs < 0) {
      console.error('--port must be 0–65535 and --max-age-ms a whole number of ms');
      process.exit(2);
    }
    const subscriberKey = opts['subscriberKey'] ?? process.env['CONFPUSH_SUBSCRIBER_KEY'] ?? '';
    if (subscriberKey === '') {
      console.error('--subscriber-key (or CONFPUSH_SUBSCRIBER_KEY) is required');
      process.exit(2);
    }
    if ((opts['tlsCert'] === undefined) !== (opts['tlsKey'] === undefined)) {
      console.error('--tls-cert and --tls-key go together');
      process.exit(2);
    }
    const listener = await listenForWebhooks({
      port,
      host: opts['host'] ?? '127.0.0.1',
      subscriberKey,
      maxAgeMs,
      ...(opts['tlsCert'] && opts['tlsKey'] ? { tls: { cert: opts['tlsCert'], key: opts['tlsKey'] } } : {}),
    });
    const stop = () => void listener.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

withMeetingOptions(
  program
    .command('watch')
    .description('Show a live meeting in the terminal: roster, speakers, status, invitations, captions.'),
)
  .option('--once', 'print one snapshot after the initial sync and exit')
  .action(async (confID: string, opts: Record<string, unknown>) => {
    const { watchCommand } = await import('./cli/watch.js');
    await watchCommand(confID, opts);
  });

withMeetingOptions(
  program
    .command('tail')
    .description("Print every frame of a meeting's push socket as a JSON line, e.g. for jq."),
).action(async (confID: string, opts: Record<string, unknown>) => {
  const { tailCommand } = await import('./cli/tail.js');
  await tailCommand(confID, opts);
});

program
  .command('bench')
  .description(
    'Run the benchmark suite (bench/run.ts of a source checkout) side by side on this machine and write ' +
      'docs/benchmarks.md, .json and .png. Same as npm run bench.',
  )
  .option('--quick', 'small sizes: a smoke run of a couple of minutes')
  .option('--only <names>', 'comma-separated: fanout,latency,memory,snapshot,durable,resume,cluster')
  .option('--out <file>', 'report path (default docs/benchmarks.md)')
  .option('--cpu-prof', 'write CPU profiles of the confpush server processes and summarise them')
  .option(
    '--cpus <mode>',
    'shared (default: the OS schedules all processes) or split (server on CPU 0, load on 1)',
  )
  .action(async (opts: Record<string, string | boolean | undefined>) => {
    const { spawn } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    // packages/server/{src,dist}/bin → the repository root, where bench/ lives (it is not published).
    const runner = fileURLToPath(new URL('../../../bench/run.ts', import.meta.url));
    if (!existsSync(runner)) {
      console.error('confpush bench needs a source checkout of confpush (bench/run.ts was not found)');
      process.exit(2);
    }
    const args: string[] = [];
    for (const flag of ['quick', 'cpuProf'] as const)
      if (opts[flag] === true) args.push(flag === 'cpuProf' ? '--cpu-prof' : '--quick');
    for (const key of ['only', 'out', 'cpus'] as const)
      if (typeof opts[key] === 'string') args.push(`--${key}`, opts[key]);
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', runner, ...args], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      stdio: 'inherit',
    });
    child.on('exit', (code) => process.exit(code ?? 1));
  });

program
  .command('simulate')
  .description(
    'Run the scenario runner against a confpush (or compatible) server: participants join, talk, mute, raise hands, ' +
      'lose network, produce captions and leave, the same sequence for the same seed.',
  )
  .option(
    '--url <base>',
    'server base URL [env CONFPUSH_URL]',
    process.env['CONFPUSH_URL'] ?? 'http://127.0.0.1:8080',
  )
  .option(
    '--app-id <id>',
    'app ID (App ID authentication as the enterprise administrator) [env CONFPUSH_APP_ID]',
  )
  .option('--app-key <key>', 'app key [env CONFPUSH_APP_KEY]')
  .option('--participants <n>', 'sites taking part, the host included (1–500)', '8')
  .option('--duration <seconds>', 'length of one pass', '60')
  .option(
    '--rate <events/s>',
    'background events per second (talking, muting, hands, network, captions…)',
    '5',
  )
  .option('--seed <n>', 'seed of the event sequence', '1')
  .option('--passes <n>', 'passes to run (each with seed + pass number); 0 = until interrupted', '1')
  .option('--conference-id <id>', 'drive this meeting (in progress) instead of creating one')
  .option('--password <host password>', 'host password of --conference-id [env CONFPUSH_HOST_PASSWORD]')
  .action(async (opts: Record<string, string | undefined>) => {
    const appId = opts['appId'] ?? process.env['CONFPUSH_APP_ID'];
    const appKey = opts['appKey'] ?? process.env['CONFPUSH_APP_KEY'];
    const numbers = ['participants', 'duration', 'rate', 'seed', 'passes'].map((k) => Number(opts[k]));
    if (!appId || !appKey || numbers.some((n) => !Number.isFinite(n) || n < 0)) {
      console.error('simulate needs --app-id and --app-key, and non-negative numbers (see --help)');
      process.exit(2);
    }
    const [participants, duration, rate, seed, passes] = numbers as [number, number, number, number, number];
    const conferenceID = opts['conferenceId'];
    const hostPassword = opts['password'] ?? process.env['CONFPUSH_HOST_PASSWORD'];
    if (conferenceID && !hostPassword) {
      console.error('--conference-id needs --password (the host password)');
      process.exit(2);
    }
    const { simulateCommand } = await import('./cli/simulate.js');
    process.exitCode = await simulateCommand({
      url: opts['url'] ?? 'http://127.0.0.1:8080',
      appId,
      appKey,
      participants,
      durationMs: duration * 1000,
      rate,
      seed,
      passes: passes === 0 ? Number.POSITIVE_INFINITY : passes,
      ...(conferenceID ? { conferenceID, hostPassword: hostPassword ?? '' } : {}),
    });
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
