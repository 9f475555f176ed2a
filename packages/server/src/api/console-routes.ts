/**
 * The web console (`/console/`): a static page, its stylesheet, and one script bundled at start-up from
 * `src/web/main.ts` (with the client SDK and the protocol package) by esbuild, in memory, once per process.
 *
 *   GET /console              → 301 to /console/
 *   GET /console/             → index.html
 *   GET /console/main.js      → the browser bundle (ES2022 module, minified)
 *   GET /console/console.css  → the stylesheet
 *
 * The bundle must stay browser-only: a `node:` import, a Node built-in or the `ws` package anywhere in its graph
 * fails the build, and with it the server start (the SDK's lazy, Node-only `import('ws')` becomes a stub). Not part of Huawei's API; hidden from the OpenAPI document.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Api } from './context.js';

export const CONSOLE_PATH = '/console';

export interface ConsoleAsset {
  body: string;
  contentType: string;
  etag: string;
}

export interface ConsoleAssets {
  index: ConsoleAsset;
  script: ConsoleAsset;
  stylesheet: ConsoleAsset;
}

/**
 * The console sources: `src/web` next to this file when running from source, or the package's `src/web` when
 * running the compiled `dist` (the web sources are not compiled by tsc; esbuild reads them directly).
 */
export function consoleSourceDir(): string {
  const candidates = [new URL('../web/', import.meta.url), new URL('../../src/web/', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(`${dir}main.ts`)) return dir;
  }
  throw new Error(
    `console sources not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`,
  );
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const WS_STUB_NAMESPACE = 'confpush-ws-stub';

/**
 * Keeps the bundle browser-only. The SDK loads `ws` with a dynamic `import()` reached only in Node (browsers have a
 * global `WebSocket`); that one import resolves to a stub that throws if it were ever evaluated. Any other import
 * of `ws`, of `node:*` or of a Node built-in is an error of the build, naming the importer.
 */
const browserOnly: Plugin = {
  name: 'confpush-browser-only',
  setup(b) {
    const names = [...builtinModules.filter((m) => !m.startsWith('_')), 'ws'].map(escapeRegExp).join('|');
    const filter = new RegExp(`^(node:.*|(${names})(/.*)?)$`);
    b.onResolve({ filter }, (args) => {
      if (args.path === 'ws' && args.kind === 'dynamic-import')
        return { path: 'ws', namespace: WS_STUB_NAMESPACE };
      return {
        errors: [
          {
            text:
              `"${args.path}" is imported by ${args.importer || 'the entry point'}: the console bundle runs in ` +
              'browsers and must not import Node modules or the "ws" package',
          },
        ],
      };
    });
    b.onLoad({ filter: /.*/, namespace: WS_STUB_NAMESPACE }, () => ({
      contents: 'throw new Error("the ws package is Node-only: browsers use the global WebSocket");',
      loader: 'js',
    }));
  },
};

function asset(body: string, contentType: string): ConsoleAsset {
  return {
    body,
    contentType,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

/** Bundles and reads the console from `dir` (see `consoleSourceDir`). Rejects when the bundle cannot be built. */
export async function buildConsoleAssets(dir: string = consoleSourceDir()): Promise<ConsoleAssets> {
  const [result, html, css] = await Promise.all([
    build({
      entryPoints: [`${dir}main.ts`],
      bundle: true,
      write: false,
      outfile: 'main.js',
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      minify: true,
      sourcemap: false,
      // The workspace packages export their TypeScript sources under the `source` condition.
      conditions: ['source'],
      tsconfig: `${dir}tsconfig.json`,
      plugins: [browserOnly],
      metafile: true,
      logLevel: 'silent',
    }),
    readFile(`${dir}index.html`, 'utf8'),
    readFile(`${dir}console.css`, 'utf8'),
  ]);
  const output = result.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!output) throw new Error('console bundle: esbuild produced no script');
  // Belt and braces: nothing of `ws` may be in the graph, however it was reached.
  const wsInput = Object.keys(result.metafile.inputs).find((p) => /(^|\/)node_modules\/ws\//.test(p));
  if (wsInput) throw new Error(`console bundle: the "ws" package was bundled (${wsInput})`);
  return {
    index: asset(html, 'text/html; charset=utf-8'),
    script: asset(output.text, 'text/javascript; charset=utf-8'),
    stylesheet: asset(css, 'text/css; charset=utf-8'),
  };
}

/** One build per source directory and process: every node started in a process (tests start many) shares it. */
const builds = new Map<string, Promise<ConsoleAssets>>();

function consoleAssets(dir: string): Promise<ConsoleAssets> {
  let pending = builds.get(dir);
  if (!pending) {
    pending = buildConsoleAssets(dir);
    builds.set(dir, pending);
    // A failed build is not remembered: the next start tries again (and fails loudly again if still broken).
    pending.catch(() => builds.delete(dir));
  }
  return pending;
}

/** The page talks only to its own origin (REST and the push socket); nothing is loaded from elsewhere. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

function send(request: FastifyRequest, reply: FastifyReply, file: ConsoleAsset): FastifyReply {
  reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').header('etag', file.etag);
  if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
  return reply.type(file.contentType).send(file.body);
}

export function consoleRoutes(options: { sourceDir?: string } = {}) {
  return async function register(app: Api): Promise<void> {
    const assets = await consoleAssets(options.sourceDir ?? consoleSourceDir());
    const hidden = { schema: { hide: true } };
    app.get(CONSOLE_PATH, hidden, async (_request, reply) => reply.redirect('console/', 301));
    app.get(`${CONSOLE_PATH}/`, hidden, async (request, reply) => send(request, reply, assets.index));
    app.get(`${CONSOLE_PATH}/main.js`, hidden, async (request, reply) => send(request, reply, assets.script));
    app.get(`${CONSOLE_PATH}/console.css`, hidden, async (request, reply) =>
      send(request, reply, assets.stylesheet),
    );
  };
}
