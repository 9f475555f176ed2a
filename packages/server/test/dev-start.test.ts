/**
 * `serve --dev --demo` (what `npm start` runs): human-readable logs, the demo's own requests kept out of the info
 * log, loopback only unless a host is set, and the credential, demo meeting and console URL as one block printed
 * after every start-up log line.
 */
import { describe, expect, it } from 'vitest';
import { DEV_HOST, resolveConfig } from '../src/config.js';
import { formatStartupSummary } from '../src/cli/startup-summary.js';
import { tempDir } from './helpers.js';
import { spawnServer, type ServerProcess } from './process.js';

const RULE = '─'.repeat(72);

/** Resolves once the server's output satisfies `test` (it is re-checked on every chunk the server writes). */
function outputWhere(server: ServerProcess, test: (output: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!test(server.output())) return;
      server.child.stdout?.off('data', check);
      server.child.stderr?.off('data', check);
      resolve(server.output());
    };
    server.child.stdout?.on('data', check);
    server.child.stderr?.on('data', check);
    server.child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${server.output()}`)));
    check();
  });
}

describe('serve --dev', () => {
  it('listens on 127.0.0.1 unless a host is set; production keeps every interface', () => {
    expect(resolveConfig({ dev: true }).host).toBe(DEV_HOST);
    expect(resolveConfig({ dev: 'true' }).host).toBe('127.0.0.1');
    expect(resolveConfig({ dev: true }, { host: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(resolveConfig({}).host).toBe('0.0.0.0');
  });

  it('prints readable logs, hides its demo requests from the info log, and ends with one block', async () => {
    const server = await spawnServer(['--dev', '--demo', '--port', '0', '--data-dir', tempDir()], {
      CONFPUSH_LOG_LEVEL: 'info',
      HOST: '',
      NO_COLOR: '1',
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const started = await outputWhere(server, (o) => o.split(RULE).length === 3);
    const [beforeBlock = '', block = ''] = started.split(RULE);
    // Every start-up log line came before the block, in readable form (no JSON lines).
    expect(beforeBlock).toMatch(/INFO: Server listening at http:\/\/127\.0\.0\.1:\d+/);
    expect(beforeBlock).toMatch(/INFO: demo meeting "confpush demo" is live/);
    expect(beforeBlock).not.toMatch(/Server listening at http:\/\/(?!127\.0\.0\.1)/);
    expect(started).not.toMatch(/^\{"level"/m);
    expect(block).toMatch(/web console {3}http:\/\/127\.0\.0\.1:\d+\/console\//);
    expect(block).toMatch(/app ID {8}[0-9a-f]{32}/);
    expect(block).toMatch(/app key {7}[0-9a-f]{32}/);
    expect(block).toMatch(/demo meeting {2}"confpush demo" conferenceID=\d+ hostPassword=\d+/);

    // A request of our own is logged at info; the demo's requests (dozens by now) never were.
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    const after = await outputWhere(server, (o) =>
      /INFO: request[^\n]*\n(\s+\S[^\n]*\n)*?\s+url: "\/readyz"/.test(o),
    );
    expect(after).not.toMatch(/url: "\/(v1|v2|confpush)\//);
  });

  it('says so in the block when the demo is not running', () => {
    const text = formatStartupSummary({
      url: 'http://127.0.0.1:8080',
      publicUrl: 'http://127.0.0.1:8080',
      where: 'data in ./data',
      credential: { appId: 'a'.repeat(32), appKey: 'b'.repeat(32), corpId: '100000001' },
      appKeyConfigured: false,
      demoWanted: true,
      demo: undefined,
    });
    expect(text).toContain('demo meeting  not running');
    expect(text).toContain('web console   http://127.0.0.1:8080/console/');
  });
});
