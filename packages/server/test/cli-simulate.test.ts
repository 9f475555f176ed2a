/** `confpush simulate` as a real child process against a real server. */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'packages/server/src/bin.ts', ...args],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('confpush simulate', () => {
  it('runs a short scenario against the server and summarises it', async () => {
    const server = await startTestServer({ config: { calleeAnswerDelayMs: 0, speakerIntervalMs: 50 } });
    const { code, stdout, stderr } = await run([
      'simulate',
      '--url',
      server.url,
      '--app-id',
      server.appId,
      '--app-key',
      server.appKey,
      '--participants',
      '4',
      '--duration',
      '2',
      '--rate',
      '10',
      '--seed',
      '7',
    ]);
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
    expect(summary).toMatchObject({ passes: 1, failed: 0 });
    expect(summary['ok']).toBeGreaterThan(5);
    expect(stderr).toMatch(/meeting \d{9} \(host password \d+\)/);
    const runtime = await server.node.engine.load(String(summary['conferenceID']));
    expect(runtime!.committed.streams.ParticipantsNotify.seq).toBeGreaterThan(0);
  }, 60_000);

  it('refuses to run without an app credential (exit 2)', async () => {
    const { code, stderr } = await run(['simulate', '--url', 'http://127.0.0.1:1']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--app-id and --app-key/);
  }, 30_000);
});
