/**
 * `npm run bench` / `confpush bench`: runs the benchmark suite side by side on this machine and writes the report.
 *
 *   node --conditions=source --import tsx bench/run.ts [--quick] [--only fanout,latency,…] [--out docs/benchmarks.md]
 *        [--cpu-prof] [--cpus shared|split] [--render] [--no-write]
 *
 * Benchmarks: fanout, latency, memory, snapshot, durable, resume, cluster, relay, webhooks, janus (one file each in bench/). Results are
 * merged into `<out>.json` (a benchmark not run keeps its last result), then `<out>` (Markdown) and `<out>.png`
 * (chart) are written from the merged results; --no-write prints the Markdown instead and writes nothing, --render
 * runs nothing and writes the report again from `<out>.json`. With --cpu-prof the confpush server processes are
 * profiled and the profile summaries replace those of the benchmarks run; their numbers are not kept (profiling
 * slows confpush alone; cluster is not run then).
 *
 * durable (its Redis mode) and cluster need Redis (bench/lib/redis.ts): CONFPUSH_BENCH_REDIS_URL when set, else the
 * local Redis on 127.0.0.1:6379 when it persists every write (appendonly yes, appendfsync always), else a dedicated
 * `redis-server` started with those settings; without any, their Redis parts are skipped (the rest still runs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { chartSvg, renderPng } from './chart.js';
import { BenchContext, type RunOptions } from './lib/context.js';
import { REPO_DIR, WANTED_NOFILE } from './lib/ipc.js';
import { summarizeProfile } from './lib/profile.js';
import { BENCHMARKS, render, type BenchName, type Meta, type ProfileEntry, type Results } from './report.js';

const USAGE =
  `usage: npm run bench -- [--quick] [--only ${BENCHMARKS.join(',')}] [--out docs/benchmarks.md] [--cpu-prof] [--cpus shared|split] [--render] [--no-write]\n` +
  '  Redis (durable, cluster): CONFPUSH_BENCH_REDIS_URL, else 127.0.0.1:6379 if it persists every write ' +
  '(appendonly yes, appendfsync always), else a dedicated redis-server; none: their Redis parts are skipped';

function git(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_DIR }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_DIR })
      .toString()
      .split('\n')
      .filter(Boolean).length;
    return dirty ? `${commit} + ${dirty} uncommitted file(s)` : commit;
  } catch {
    return 'unknown';
  }
}

function versionOf(pkg: string): string {
  try {
    const file = join(REPO_DIR, 'node_modules', pkg, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

async function sqliteVersion(): Promise<string> {
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    const v = db.prepare('select sqlite_version()').pluck().get() as string;
    db.close();
    return v;
  } catch {
    return '?';
  }
}

function osName(): string {
  try {
    const line = readFileSync('/etc/os-release', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('PRETTY_NAME='));
    return line ? line.slice('PRETTY_NAME='.length).replace(/"/g, '') : osType();
  } catch {
    return osType();
  }
}

/** The main-thread profile of a server process (tsx's loader thread writes one too). */
function mainProfile(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const main = files.find((f) => f.split('.')[4] === '0') ?? files[0];
  return main ? join(dir, main) : undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string', default: 'docs/benchmarks.md' },
      'cpu-prof': { type: 'boolean', default: false },
      cpus: { type: 'string', default: 'shared' },
      'no-write': { type: 'boolean', default: false },
      render: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // --render: no benchmark runs; the report and the chart are written again from <out>.json.
  const only = values.render
    ? []
    : values.only
      ? values.only.split(',').map((s) => s.trim())
      : [...BENCHMARKS];
  for (const name of only) {
    if (!(BENCHMARKS as readonly string[]).includes(name)) {
      console.error(`unknown benchmark "${name}"\n${USAGE}`);
      process.exit(2);
    }
  }
  if (values.cpus !== 'shared' && values.cpus !== 'split') {
    console.error(`--cpus must be shared or split\n${USAGE}`);
    process.exit(2);
  }
  const out = resolve(REPO_DIR, values.out);
  const jsonPath = out.replace(/\.md$/, '') + '.json';
  const pngPath = out.replace(/\.md$/, '') + '.png';
  const profDir = mkdtempSync(join(tmpdir(), 'confpush-bench-profiles-'));
  const options: RunOptions = {
    quick: values.quick,
    cpuProf: values['cpu-prof'],
    profDir,
    cpus: values.cpus,
    clientProcesses: 2,
  };
  const ctx = new BenchContext(options);
  const previous: Partial<Results> = existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as Results)
    : {};
  const results: Results = {
    ...(previous as Results),
    meta: previous.meta ?? ({} as Meta),
    sections: { ...previous.sections },
  };
  // A profiled run replaces the profiles of the benchmarks it ran; an ordinary run keeps the last profiles (they are
  // dated in the report).
  results.profiles = (previous.profiles ?? []).filter((p) => !options.cpuProf || !only.includes(p.bench));
  ctx.log(`benchmarks: ${only.join(', ')}${options.quick ? ' (quick)' : ''}; CPU placement: ${options.cpus}`);
  const started = Date.now();
  for (const name of only as BenchName[]) {
    const mod = (await import(`./${name}.js`)) as { run: (ctx: BenchContext) => Promise<unknown> };
    const loadBefore = loadavg();
    const t0 = Date.now();
    ctx.log(`— ${name} —`);
    try {
      const result = await mod.run(ctx);
      // A profiled run is slower (the sampling profiler runs in the confpush process only): its numbers would not
      // be comparable, so only its profiles are kept.
      if (options.cpuProf) continue;
      (results as unknown as Record<string, unknown>)[name] = result;
      results.sections[name] = {
        date: new Date(t0).toISOString(),
        quick: options.quick,
        seconds: (Date.now() - t0) / 1000,
        loadBefore,
        loadAfter: loadavg(),
        git: git(),
        cpu: cpus()[0]?.model.trim() ?? '?',
      };
    } catch (error) {
      ctx.log(`${name} failed: ${(error as Error).stack ?? String(error)}`);
    }
  }
  ctx.log(`open-file limit that applied: ${[...ctx.nofile].join(', ')} (asked for ${WANTED_NOFILE})`);
  const cpuInfo = cpus();
  // The meta describes the run whose numbers the tables show: a --render or --cpu-prof run keeps the previous one.
  const numbersMerged = only.length > 0 && !options.cpuProf;
  if (numbersMerged || !previous.meta)
    results.meta = {
      date: new Date(started).toISOString(),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      machine: {
        cpu: cpuInfo[0]?.model.trim() ?? '?',
        cores: cpuInfo.length,
        memGiB: totalmem() / 1024 ** 3,
        os: osName(),
        kernel: release(),
      },
      versions: {
        node: process.versions.node,
        ws: versionOf('ws'),
        'socket.io': versionOf('socket.io'),
        'socket.io-client': versionOf('socket.io-client'),
        fastify: versionOf('fastify'),
        'better-sqlite3': versionOf('better-sqlite3'),
        ioredis: versionOf('ioredis'),
        SQLite: await sqliteVersion(),
      },
      nofile: [...ctx.nofile],
      nofileWanted: WANTED_NOFILE,
      cpus: options.cpus,
      clientProcesses: options.clientProcesses,
      git: git(),
    };
  if (options.cpuProf) {
    const entries: ProfileEntry[] = [];
    for (const mark of ctx.profileMarks) {
      const file = mainProfile(ctx.profileDirs.get(mark.label) ?? '');
      if (!file) continue;
      entries.push({
        bench: mark.bench as BenchName,
        label: mark.label,
        what: mark.what,
        quick: options.quick,
        date: new Date(started).toISOString(),
        summary: summarizeProfile(file, 15, mark.windows),
      });
    }
    results.profiles = [...(results.profiles ?? []), ...entries];
    ctx.log(`CPU profiles in ${profDir}`);
  }
  const previousMd = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
  const md = render(results, previousMd);
  const prettierConfig = (await resolveConfig(out)) ?? {};
  const formatted = await format(md, { ...prettierConfig, parser: 'markdown' });
  if (values['no-write']) {
    process.stdout.write(formatted);
  } else {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(jsonPath, await format(JSON.stringify(results), { ...prettierConfig, parser: 'json' }));
    writeFileSync(out, formatted);
    const svg = chartSvg(results);
    const rendered = renderPng(svg, pngPath);
    if (!rendered) writeFileSync(pngPath.replace(/\.png$/, '.svg'), svg);
    ctx.log(`wrote ${out}, ${jsonPath} and ${rendered ? pngPath : pngPath.replace(/\.png$/, '.svg')}`);
  }
  ctx.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
