/**
 * A real Janus (Debian's `janus`) for the bridge tests, inside a network namespace the test creates: Janus does not
 * gather ICE candidates on loopback, so the namespace gets a veth pair — one end inside (Janus and the browsers,
 * `JANUS_HOST`), one end outside (`NODE_HOST`, where the confpush node under test listens for Janus's events).
 * Media stays between Chromium and Janus inside the namespace; nothing travels over the machine's own address.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import WebSocket from 'ws';
import { eventually } from '../support/eventually.js';

export const JANUS_JS = '/usr/share/javascript/janus-gateway/janus.js';
export const ADAPTER_JS = '/usr/share/javascript/webrtc-adapter/adapter.js';
const CHROMIUM = '/usr/bin/chromium';

/** Why the Janus tests cannot run here, or undefined when they can. */
export function janusUnavailable(): string | undefined {
  const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
  if (!has('janus')) return 'janus is not installed (apt-get install janus janus-demos)';
  if (!existsSync(JANUS_JS)) return 'janus.js is missing (apt-get install janus-demos)';
  if (!existsSync(CHROMIUM)) return 'chromium is not installed (apt-get install chromium)';
  if (!has('ip')) return 'the ip command (iproute2) is missing';
  if (process.getuid?.() !== 0) return 'creating a network namespace needs root';
  return undefined;
}

export interface Namespace {
  readonly name: string;
  /** Address of the namespace's end of the link: Janus and the browsers. */
  readonly innerHost: string;
  /** Address of the outer end: the confpush node under test. */
  readonly outerHost: string;
  /** The command prefix that runs a program inside the namespace. */
  exec(command: string, args: readonly string[]): { command: string; args: string[] };
  remove(): void;
}

function ip(...args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
}

/** Creates the namespace with its veth link (a /30 of its own, derived from the process ID). */
export function createNamespace(): Namespace {
  const id = process.pid % 250;
  const name = `cpjanus${process.pid}`;
  const outerLink = `cpj${process.pid}o`.slice(0, 15);
  const innerLink = `cpj${process.pid}i`.slice(0, 15);
  const innerHost = `10.77.${id}.1`;
  const outerHost = `10.77.${id}.2`;
  const remove = () => {
    spawnSync('ip', ['link', 'del', outerLink]);
    spawnSync('ip', ['netns', 'del', name]);
  };
  remove();
  try {
    ip('netns', 'add', name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    ip('link', 'add', outerLink, 'type', 'veth', 'peer', 'name', innerLink, 'netns', name);
    ip('-n', name, 'addr', 'add', `${innerHost}/30`, 'dev', innerLink);
    ip('-n', name, 'link', 'set', innerLink, 'up');
    ip('addr', 'add', `${outerHost}/30`, 'dev', outerLink);
    ip('link', 'set', outerLink, 'up');
  } catch (error) {
    remove();
    throw error;
  }
  return {
    name,
    innerHost,
    outerHost,
    exec: (command, args) => ({ command: 'ip', args: ['netns', 'exec', name, command, ...args] }),
    remove,
  };
}

export interface JanusOptions {
  /** Where Janus's sampleevh posts events (the node under test). */
  eventsUrl: string;
  eventsSecret: string;
  adminKey: string;
}

export interface JanusProcess {
  readonly wsUrl: string;
  readonly configDir: string;
  /** Kills Janus (SIGKILL) and waits for it to be gone. */
  kill(): Promise<void>;
  /** Starts Janus again on the same configuration. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const WS_PORT = 8188;

function jcfg(options: JanusOptions, ns: Namespace): Record<string, string> {
  return {
    'janus.jcfg': `general: {
  configs_folder = "CONFIGS"
  plugins_folder = "/usr/lib/x86_64-linux-gnu/janus/plugins"
  transports_folder = "/usr/lib/x86_64-linux-gnu/janus/transports"
  events_folder = "/usr/lib/x86_64-linux-gnu/janus/events"
  loggers_folder = "/usr/lib/x86_64-linux-gnu/janus/loggers"
  debug_level = 3
  admin_secret = "confpush-test-admin"
}
media: {
  rtp_port_range = "20000-20999"
}
nat: {
  ice_enforce_list = "${ns.innerHost}"
  ignore_mdns = true
}
plugins: {
  disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"
}
transports: {
  disable = "libjanus_http.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so"
}
loggers: {
  disable = "libjanus_jsonlog.so"
}
events: {
  broadcast = true
  stats_period = 1
  disable = "libjanus_gelfevh.so,libjanus_mqttevh.so,libjanus_nanomsgevh.so,libjanus_rabbitmqevh.so,libjanus_wsevh.so"
}
`,
    'janus.transport.websockets.jcfg': `general: {
  json = "compact"
  ws = true
  ws_port = ${WS_PORT}
  ws_ip = "${ns.innerHost}"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`,
    'janus.plugin.videoroom.jcfg': `general: {
  admin_key = "${options.adminKey}"
}
`,
    // No retransmission: an event posted while the node under test is down is lost, as in an outage longer than
    // the retries, so that what a restarted node learns comes from reconciliation only.
    'janus.eventhandler.sampleevh.jcfg': `general: {
  enabled = true
  events = "all"
  grouping = true
  json = "compact"
  backend = "${options.eventsUrl}"
  backend_user = "janus"
  backend_pwd = "${options.eventsSecret}"
  max_retransmissions = 0
}
`,
  };
}

/** Waits until the Janus WebSocket API answers an `info` request (each try is a real connection). */
async function waitForJanus(wsUrl: string, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`janus exited with ${child.exitCode}`);
      const socket = new WebSocket(wsUrl, 'janus-protocol');
      socket.on('error', () => {}); // a refused connection is an answer here (`once` rejects with it)
      try {
        await once(socket, 'open');
        socket.send(JSON.stringify({ janus: 'info', transaction: 'ready' }));
        await once(socket, 'message');
        return true;
      } finally {
        socket.close();
      }
    },
    { timeoutMs, everyMs: 100, what: `janus answering on ${wsUrl}` },
  );
}

export async function startJanus(ns: Namespace, options: JanusOptions): Promise<JanusProcess> {
  const configDir = mkdtempSync(join(tmpdir(), 'confpush-janus-'));
  for (const [file, text] of Object.entries(jcfg(options, ns))) {
    writeFileSync(join(configDir, file), text.replace('CONFIGS', configDir));
  }
  const wsUrl = `ws://${ns.innerHost}:${WS_PORT}`;
  let child: ChildProcess;
  let log = '';
  const launch = async () => {
    const { command, args } = ns.exec('janus', ['-F', configDir, '-C', join(configDir, 'janus.jcfg'), '-N']);
    child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await waitForJanus(wsUrl, child);
    } catch (error) {
      throw new Error(`${String(error)}\n${log}`);
    }
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    wsUrl,
    configDir,
    kill,
    restart: launch,
    stop: async () => {
      await kill();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}
