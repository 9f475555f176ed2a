/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time per function (name, file, line), as a share of the
 * profile's busy time (everything but `(idle)`), and self time per file.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_DIR } from './ipc.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileRow {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  idleMs: number;
  functions: ProfileRow[];
  files: ProfileRow[];
}

function where(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  if (path.startsWith('node:')) return path;
  const rel = relative(REPO_DIR, path);
  return rel.replace(/^node_modules\//, '');
}

/** A time window in monotonic ms (`nowMs()` of bench/lib/ipc.ts: the clock V8 profiles use, in µs). */
export type Window = readonly [fromMs: number, toMs: number];

/**
 * Self time per function and per file; with `windows`, only the samples taken inside them (e.g. the measured
 * bursts, leaving out start-up and connection set-up).
 */
export function summarizeProfile(file: string, top = 15, windows?: readonly Window[]): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const delta = p.timeDeltas[i] ?? 0;
    t += delta;
    if (windows && !windows.some(([from, to]) => t / 1000 >= from && t / 1000 <= to)) continue;
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + delta);
  }
  const fn = new Map<string, ProfileRow>();
  const files = new Map<string, ProfileRow>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const w = where(node.callFrame.url);
    // Line numbers of TypeScript sources are those of tsx's transpiled output: leave them out.
    const line = node.callFrame.url && !w.endsWith('.ts') ? `:${node.callFrame.lineNumber + 1}` : '';
    const key = `${name}@${w}${line}`;
    const row = fn.get(key) ?? { name, where: `${w}${line}`, selfMs: 0, share: 0 };
    row.selfMs += us / 1000;
    fn.set(key, row);
    const fileKey = w.startsWith('(') ? name : w;
    const frow = files.get(fileKey) ?? { name: fileKey, where: '', selfMs: 0, share: 0 };
    frow.selfMs += us / 1000;
    files.set(fileKey, frow);
  }
  const finish = (rows: Iterable<ProfileRow>): ProfileRow[] =>
    [...rows]
      .map((r) => ({ ...r, share: r.selfMs / (busy / 1000) }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return {
    file: relative(REPO_DIR, file),
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    functions: finish(fn.values()),
    files: finish(files.values()),
  };
}

export function profileTable(s: ProfileSummary): string {
  const lines = [
    `Profile \`${s.file}\`: ${(s.busyMs / 1000).toFixed(1)} s busy, ${(s.idleMs / 1000).toFixed(1)} s idle.`,
    '',
    '| self | share | function | where |',
    '| ---: | ---: | --- | --- |',
    ...s.functions.map(
      (r) => `| ${r.selfMs.toFixed(0)} ms | ${(r.share * 100).toFixed(1)} % | \`${r.name}\` | ${r.where} |`,
    ),
  ];
  return lines.join('\n');
}

// `node --import tsx bench/lib/profile.ts file.cpuprofile [fromMs toMs]` prints the summary.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [f, from, to] = process.argv.slice(2);
  if (f) {
    const s = summarizeProfile(f, 25, from && to ? [[Number(from), Number(to)]] : undefined);
    console.log(profileTable(s));
    console.log('\nby file:');
    for (const r of s.files)
      console.log(
        `${r.selfMs.toFixed(0).padStart(8)} ms ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.name}`,
      );
  }
}
