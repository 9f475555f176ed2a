/**
 * Where this process allocates: V8's sampling heap profiler over a window, counting objects the garbage collector
 * has already freed too (without that, the short-lived garbage that makes scavenges frequent is invisible).
 * Summarised as bytes per function and per file, attributed to the allocating function (self) and to every function
 * on the stack (total).
 *
 *   const profile = await AllocationProfile.start();  …  console.log(allocationTable(await profile.stop(), changes));
 */
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { REPO_DIR } from './ipc.js';

interface SamplingNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

export interface AllocationRow {
  name: string;
  where: string;
  selfBytes: number;
  totalBytes: number;
}

export interface AllocationSummary {
  totalBytes: number;
  functions: AllocationRow[];
  files: AllocationRow[];
}

export class AllocationProfile {
  private constructor(private readonly session: Session) {}

  static async start(samplingInterval = 4096): Promise<AllocationProfile> {
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return new AllocationProfile(session);
  }

  async stop(): Promise<AllocationSummary> {
    const { profile } = (await this.session.post('HeapProfiler.stopSampling')) as unknown as {
      profile: { head: SamplingNode };
    };
    this.session.disconnect();
    return summarize(profile.head);
  }
}

function where(node: SamplingNode): string {
  const url = node.callFrame.url;
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  if (path.startsWith('node:')) return path;
  return relative(REPO_DIR, path).replace(/^node_modules\//, '');
}

function summarize(head: SamplingNode): AllocationSummary {
  const functions = new Map<string, AllocationRow>();
  const files = new Map<string, AllocationRow>();
  let totalBytes = 0;
  const row = (map: Map<string, AllocationRow>, key: string, name: string, at: string): AllocationRow => {
    let r = map.get(key);
    if (!r) map.set(key, (r = { name, where: at, selfBytes: 0, totalBytes: 0 }));
    return r;
  };
  /** Returns the subtree's bytes; a function or file on the stack twice counts its subtree once. */
  const walk = (node: SamplingNode, onStack: Set<string>): number => {
    const name = node.callFrame.functionName || '(anonymous)';
    const at = where(node);
    const fnKey = `${name}@${at}:${node.callFrame.lineNumber + 1}`;
    const fn = row(functions, fnKey, name, `${at}:${node.callFrame.lineNumber + 1}`);
    const file = row(files, at, at, '');
    fn.selfBytes += node.selfSize;
    file.selfBytes += node.selfSize;
    totalBytes += node.selfSize;
    const entered = [fnKey, `file:${at}`].filter((k) => !onStack.has(k));
    for (const k of entered) onStack.add(k);
    let bytes = node.selfSize;
    for (const child of node.children) bytes += walk(child, onStack);
    for (const k of entered) onStack.delete(k);
    if (entered.includes(fnKey)) fn.totalBytes += bytes;
    if (entered.includes(`file:${at}`)) file.totalBytes += bytes;
    return bytes;
  };
  walk(head, new Set());
  const bySelf = (rows: Iterable<AllocationRow>) => [...rows].sort((a, b) => b.selfBytes - a.selfBytes);
  return { totalBytes, functions: bySelf(functions.values()), files: bySelf(files.values()) };
}

/** A text table of the top rows, in KB per `unit` (e.g. per change) when given, else in MB. */
export function allocationTable(
  s: AllocationSummary,
  unit?: { count: number; name: string },
  top = 30,
): string {
  const size = (bytes: number) =>
    unit ? `${(bytes / unit.count / 1024).toFixed(2)} KB/${unit.name}` : `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const share = (bytes: number) => `${((bytes / s.totalBytes) * 100).toFixed(1)} %`;
  const lines = [`allocated ${size(s.totalBytes)} in all`, '', 'self, total, function, where:'];
  for (const r of s.functions.slice(0, top))
    lines.push(`${size(r.selfBytes)} ${share(r.selfBytes)}  ${size(r.totalBytes)}  ${r.name}  ${r.where}`);
  lines.push('', 'by file (self, total):');
  for (const r of s.files.slice(0, top))
    lines.push(`${size(r.selfBytes)} ${share(r.selfBytes)}  ${size(r.totalBytes)}  ${r.name}`);
  lines.push('', 'by total (every function on the stack):');
  for (const r of [...s.functions].sort((a, b) => b.totalBytes - a.totalBytes).slice(0, top))
    lines.push(`${size(r.totalBytes)} ${share(r.totalBytes)}  ${r.name}  ${r.where}`);
  return lines.join('\n');
}
