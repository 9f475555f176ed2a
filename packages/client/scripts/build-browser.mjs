#!/usr/bin/env node
/**
 * The browser build of the SDK: one ES module with `@confpush/protocol` (and TypeBox) bundled in, for
 * `<script type="module">` and for bundlers that want a prebuilt file.
 *
 *     node scripts/build-browser.mjs [--entry src/index.ts] [--outfile dist/confpush-client.browser.js]
 *
 * The build fails when anything on the browser path imports a Node module (`node:*` or a bare built-in such as
 * `fs`). The `ws` package is never bundled: the SDK imports it lazily, through a computed specifier, and only in
 * Node without a global WebSocket; it is also marked external so that a static import of it would show up in the
 * output (the browser-bundle test refuses any import statement there).
 */
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : fallback;
}

const entry = option('--entry', join(packageDir, 'src', 'index.ts'));
const outfile = option('--outfile', join(packageDir, 'dist', 'confpush-client.browser.js'));

const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** Fails the build on any Node built-in module, naming the file that imports it. */
const noNodeModules = {
  name: 'no-node-modules',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const bare = args.path.startsWith('node:') ? args.path.slice(5) : args.path;
      const isBuiltin = args.path.startsWith('node:') || builtins.has(bare.split('/')[0] ?? bare);
      if (!isBuiltin) return undefined;
      const importer = args.importer ? relative(packageDir, args.importer) : '(entry)';
      return {
        errors: [
          {
            text: `"${args.path}" is a Node module, imported by ${importer}: the browser build must not use Node modules`,
          },
        ],
      };
    });
  },
};

try {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // Workspace packages resolve to their TypeScript sources, as in tests: no build of the protocol needed.
    conditions: ['source'],
    external: ['ws'],
    sourcemap: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    plugins: [noNodeModules],
  });
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning.text}\n`);
  const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined)?.bytes;
  process.stdout.write(`built ${outfile}${bytes ? ` (${bytes} bytes)` : ''}\n`);
} catch (error) {
  const errors =
    /** @type {{ errors?: { text: string, location?: { file: string, line: number } | null }[] }} */ (error)
      .errors;
  if (!errors) throw error;
  for (const e of errors) {
    const where = e.location ? ` (${e.location.file}:${e.location.line})` : '';
    process.stderr.write(`error: ${e.text}${where}\n`);
  }
  process.exitCode = 1;
}
