/**
 * `engines` is true: every installed package accepts every Node version the repository declares, so `npm ci` prints
 * no EBADENGINE warning on any of the declared lines (20, 22 and 24).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORKSPACES = ['packages/protocol', 'packages/server', 'packages/client'];

interface Manifest {
  name?: string;
  version?: string;
  engines?: { node?: string };
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Every package directory under a node_modules folder, nested ones included. */
function installedPackages(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const path = join(nodeModules, entry);
    if (entry.startsWith('@')) {
      found.push(...installedPackages(path));
      continue;
    }
    if (!existsSync(join(path, 'package.json'))) continue;
    found.push(path, ...installedPackages(join(path, 'node_modules')));
  }
  return found;
}

const declared = manifest(ROOT).engines?.node ?? '';

describe('engines', () => {
  it('declares the Node lines 20, 22 and 24', () => {
    expect(semver.validRange(declared), declared).not.toBeNull();
    for (const line of ['20.19.0', '22.13.0', '24.0.0'])
      expect(semver.satisfies(line, declared), line).toBe(true);
  });

  it('is the same range in every workspace package', () => {
    for (const workspace of WORKSPACES)
      expect(manifest(join(ROOT, workspace)).engines?.node, workspace).toBe(declared);
  });

  it('is accepted by every installed package', () => {
    const dirs = [ROOT, ...WORKSPACES.map((w) => join(ROOT, w))].flatMap((d) =>
      installedPackages(join(d, 'node_modules')),
    );
    expect(dirs.length).toBeGreaterThan(100);
    const refusing = dirs.flatMap((dir) => {
      const { name, version, engines } = manifest(dir);
      const range = engines?.node;
      if (range === undefined || semver.subset(declared, range)) return [];
      return [`${name ?? relative(ROOT, dir)}@${version ?? '?'} needs node ${range}`];
    });
    expect(refusing).toEqual([]);
  });
});
