/**
 * What N objects (connections) hold, by kind: the difference of two V8 heap snapshots (`.heapsnapshot`), self sizes
 * summed per (node type, constructor/name), divided by N.
 *
 *   node --import tsx bench/lib/heap-diff.ts before.heapsnapshot after.heapsnapshot N [top]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function tally(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    const rawName = snap.strings[snap.nodes[i + nameAt]!] ?? '?';
    // Strings and code are grouped by type only: their "names" are their contents.
    const name =
      type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'code'
        ? type
        : `${type}:${rawName.slice(0, 60)}`;
    const row = out.get(name) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += snap.nodes[i + sizeAt]!;
    out.set(name, row);
  }
  return out;
}

const [before, after, nArg, topArg] = process.argv.slice(2);
if (!before || !after || !nArg) {
  console.error('usage: heap-diff.ts before.heapsnapshot after.heapsnapshot N [top]');
  process.exit(2);
}
const n = Number(nArg);
const a = tally(before);
const b = tally(after);
const rows = [...b].map(([name, v]) => {
  const o = a.get(name) ?? { count: 0, bytes: 0 };
  return { name, perN: (v.bytes - o.bytes) / n, countPerN: (v.count - o.count) / n };
});
rows.sort((x, y) => y.perN - x.perN);
const total = rows.reduce((s, r) => s + r.perN, 0);
console.log(`self size per connection: ${total.toFixed(0)} B`);
for (const r of rows.slice(0, Number(topArg ?? 30))) {
  console.log(`${r.perN.toFixed(1).padStart(8)} B  ${r.countPerN.toFixed(2).padStart(6)} objects  ${r.name}`);
}
