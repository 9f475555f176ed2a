/** The README's settings table lists every setting of the config schema, with its flag, variable and default. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, ENV_VARS, type Config } from '../src/config.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md');

describe('README settings table', () => {
  it('matches the config schema', () => {
    const rows = readFileSync(README, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('| `--'))
      .map((l) => l.split('|').map((c) => c.trim().replaceAll('`', '')));
    const documented = new Map(rows.map(([, flag, env, def]) => [flag, { env, def }]));
    for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      const def = (schema as { default?: unknown }).default;
      expect(documented.get(flag), flag).toEqual({
        env: ENV_VARS[key as keyof Config],
        def: def === '' || def === undefined ? '—' : String(def),
      });
    }
  });
});
