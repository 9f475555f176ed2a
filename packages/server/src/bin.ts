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

const program = new Command()
  .name('confpush')
  .description(
    'Huawei Cloud Meeting compatible meeting-level event push: REST token chain, WebSocket push, control plane.',
  )
  .showHelpAfterError();

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const serve = program
  .command('serve')
  .description(
    'Run a confpush node (embedded SQLite store). Every setting is a flag and an environment variable.',
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
  const cred = node.credential;
  console.log(`confpush listening on ${node.url} (public URL ${node.publicUrl}, data in ${config.dataDir})`);
  if (cred) {
    console.log(
      `app credential: appId=${cred.appId} appKey=${config.appId ? '(as configured)' : cred.appKey} corpId=${cred.corpId}`,
    );
  } else {
    console.log('no app credential configured (set CONFPUSH_APP_ID and CONFPUSH_APP_KEY, or run with --dev)');
  }
  if (node.demo) {
    const demo = node.demo.meeting;
    console.log(
      `demo meeting "confpush demo" is live: conferenceID=${demo.conferenceID} hostPassword=${demo.hostPassword}` +
        (demo.guestPassword ? ` guestPassword=${demo.guestPassword}` : '') +
        ` (GET ${node.publicUrl}/v1/mmc/control/conferences/token?conferenceID=${demo.conferenceID} with X-Password and X-Login-Type: 1, then the push socket)`,
    );
  }
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
  .description('Manage account/password users of the embedded store.');
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
  .action(async (opts: Record<string, string | boolean | undefined>) => {
    const { createAccountCommand } = await import('./cli/account.js');
    const config = resolveConfig(configFromEnv(), {
      ...(opts['dataDir'] ? { dataDir: opts['dataDir'] } : {}),
      ...(opts['corpId'] ? { corpId: opts['corpId'] } : {}),
    });
    const user = await createAccountCommand({
      dataDir: config.dataDir,
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

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
