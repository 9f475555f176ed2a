#!/usr/bin/env node
// The `confpush` command. In a source checkout (right after `npm ci`, before any build) it runs the TypeScript
// sources through tsx, as `npm run confpush` does; an installed package runs its compiled `dist/`.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { URL } from 'node:url';

const sourceCheckout = existsSync(new URL('../tsconfig.json', import.meta.url));

if (sourceCheckout) {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Registered last, so it runs first: the workspace packages resolve to their sources (`--conditions=source`).
  register('./source-condition.js', import.meta.url);
  await import(new URL('../src/bin.ts', import.meta.url).href);
} else {
  await import(new URL('../dist/bin.js', import.meta.url).href);
}
