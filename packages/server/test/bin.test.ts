/**
 * The `confpush` command works where a user first meets it: in a source checkout right after `npm ci` (no build,
 * no `dist/`), and installed from the packed packages (`npm pack`, then `npm install` of the tarballs).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WORKSPACES = ['packages/protocol', 'packages/client', 'packages/server'];
// npx must never fetch a package called `confpush` from a registry: the local bin or nothing.
const env = { ...process.env, npm_config_yes: 'false', NO_COLOR: '1' };

describe('confpush command', () => {
  it('runs from the source checkout with npx', async () => {
    const { stdout } = await run('npx', ['confpush', '--help'], { cwd: ROOT, env });
    expect(stdout).toMatch(/^Usage: confpush \[options\] \[command\]/);
    expect(stdout).toContain('serve [options]');
  });

  it('runs `serve --help` from the source checkout, listing the settings', async () => {
    const { stdout } = await run('npx', ['confpush', 'serve', '--help'], { cwd: ROOT, env });
    expect(stdout).toContain('--tls-cert <value>');
  });

  it('runs from the packed packages installed in an empty directory', { timeout: 600_000 }, async () => {
    const packs = tempDir('confpush-pack-');
    await run('npm', ['pack', '--pack-destination', packs, ...WORKSPACES.flatMap((w) => ['-w', w])], {
      cwd: ROOT,
      env,
    });
    const tarballs = readdirSync(packs)
      .filter((f) => f.endsWith('.tgz'))
      .map((f) => join(packs, f));
    expect(tarballs).toHaveLength(3);
    const project = tempDir('confpush-installed-');
    // npm applies only the installing project's `overrides`: the README tells a project that installs confpush to
    // copy ours, which keep every dependency within the declared Node lines (no EBADENGINE on Node 20).
    const { overrides } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      overrides: unknown;
    };
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'uses-confpush', private: true, overrides }),
    );
    // No install scripts: --help needs no native SQLite binding, and the test needs no compiler or download.
    const install = await run(
      'npm',
      ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', ...tarballs],
      {
        cwd: project,
        env,
      },
    );
    expect(install.stderr).not.toContain('EBADENGINE');
    const { stdout } = await run(join(project, 'node_modules', '.bin', 'confpush'), ['--help'], {
      cwd: project,
      env,
    });
    expect(stdout).toMatch(/^Usage: confpush \[options\] \[command\]/);
  });
});
