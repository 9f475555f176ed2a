/**
 * The report's chart, drawn as SVG by hand (no chart library) and rendered to PNG with headless Chromium
 * (`chromium --headless --screenshot`). Six panels: fan-out, latency, memory, snapshots, durable writes, resume.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Results } from './report.js';

const W = 1320;
const H = 1190;
const PANEL_W = 620;
const PANEL_H = 350;
const COLORS = {
  confpush: '#1f6feb',
  'bare-ws': '#6e7781',
  'bare-ws-corked': '#bc4c00',
  socketio: '#d1242f',
  rest: '#8250df',
  normal: '#bf8700',
  redis: '#dc382d',
};
const LABELS: Record<string, string> = {
  confpush: 'confpush',
  'bare-ws': 'bare ws',
  'bare-ws-corked': 'ws corked',
  socketio: 'Socket.IO',
};

interface Series {
  label: string;
  color: string;
  dash?: boolean;
  points: [number, number][];
}

interface PanelSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: Series[];
  /** Categorical x ticks (values as given), else computed. */
  xTicks?: number[];
  hline?: { y: number; label: string };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceTicks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
      }
    }
    return out;
  }
  const span = max - min || 1;
  const step0 = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6) ?? step0 * 10;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(v);
  return out;
}

function fmtTick(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  if (v < 1 && v > 0) return String(+v.toFixed(2));
  return String(+v.toFixed(1));
}

function panel(x0: number, y0: number, spec: PanelSpec): string {
  const left = 70;
  const right = 16;
  const top = 34;
  const bottom = 92;
  const pw = PANEL_W - left - right;
  const ph = PANEL_H - top - bottom;
  const pts = spec.series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const out: string[] = [`<g transform="translate(${x0},${y0})">`];
  out.push(`<text x="${left}" y="20" font-size="15" font-weight="600">${esc(spec.title)}</text>`);
  if (pts.length === 0) {
    out.push(`<text x="${left + 10}" y="${top + ph / 2}" font-size="13" fill="#666">not measured</text></g>`);
    return out.join('');
  }
  let xmin = Math.min(...pts.map((p) => p[0]));
  let xmax = Math.max(...pts.map((p) => p[0]));
  let ymin = spec.yLog ? Math.min(...pts.map((p) => p[1]).filter((y) => y > 0)) : 0;
  let ymax = Math.max(...pts.map((p) => p[1]), spec.hline?.y ?? 0);
  if (spec.xLog) {
    xmin /= 1.3;
    xmax *= 1.3;
  } else {
    const pad = (xmax - xmin) * 0.05 || 1;
    xmin -= pad;
    xmax += pad;
  }
  if (spec.yLog) {
    ymin = 10 ** Math.floor(Math.log10(ymin));
    ymax = 10 ** Math.ceil(Math.log10(ymax));
  } else ymax *= 1.1;
  const sx = (x: number): number =>
    left + (spec.xLog ? Math.log(x / xmin) / Math.log(xmax / xmin) : (x - xmin) / (xmax - xmin)) * pw;
  const sy = (y: number): number =>
    top + ph - (spec.yLog ? Math.log(Math.max(y, ymin) / ymin) / Math.log(ymax / ymin) : y / ymax) * ph;
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="#fafbfc" stroke="#d0d7de"/>`);
  for (const t of niceTicks(ymin, ymax, spec.yLog ?? false)) {
    const y = sy(t);
    out.push(`<line x1="${left}" x2="${left + pw}" y1="${y}" y2="${y}" stroke="#eaeef2"/>`);
    out.push(`<text x="${left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${fmtTick(t)}</text>`);
  }
  for (const t of spec.xTicks ?? niceTicks(xmin, xmax, spec.xLog ?? false)) {
    const x = sx(t);
    out.push(`<line x1="${x}" x2="${x}" y1="${top + ph}" y2="${top + ph + 4}" stroke="#57606a"/>`);
    out.push(`<text x="${x}" y="${top + ph + 17}" font-size="11" text-anchor="middle">${fmtTick(t)}</text>`);
  }
  out.push(
    `<text x="${left + pw / 2}" y="${top + ph + 34}" font-size="12" text-anchor="middle">${esc(spec.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(16,${top + ph / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  if (spec.hline) {
    const y = sy(spec.hline.y);
    out.push(
      `<line x1="${left}" x2="${left + pw}" y1="${y}" y2="${y}" stroke="#2da44e" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
    out.push(
      `<text x="${left + pw - 4}" y="${y - 5}" font-size="11" fill="#2da44e" text-anchor="end">${esc(spec.hline.label)}</text>`,
    );
  }
  for (const s of spec.series) {
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (p.length === 0) continue;
    const d = p.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    out.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.2"${s.dash ? ' stroke-dasharray="7 4"' : ''}/>`,
    );
    for (const [x, y] of p) out.push(`<circle cx="${sx(x)}" cy="${sy(y)}" r="3.2" fill="${s.color}"/>`);
  }
  // Legend under the axis label, wrapped to the panel's width.
  let lx = left;
  let ly = top + ph + 54;
  for (const s of spec.series) {
    const w = 34 + s.label.length * 6.2;
    if (lx > left && lx + w > left + pw) {
      lx = left;
      ly += 16;
    }
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.2"${s.dash ? ' stroke-dasharray="7 4"' : ''}/>`,
    );
    out.push(`<text x="${lx + 27}" y="${ly}" font-size="11">${esc(s.label)}</text>`);
    lx += w;
  }
  out.push('</g>');
  return out.join('');
}

export function chartSvg(r: Results): string {
  const panels: PanelSpec[] = [];
  const f = r.fanout;
  const fanSeries: Series[] = [];
  for (const layout of ['one', 'hundred'] as const) {
    for (const target of ['confpush', 'bare-ws', 'bare-ws-corked', 'socketio'] as const) {
      const points = (f?.points ?? [])
        .filter((p) => p.layout === layout && p.target === target)
        .map((p) => [p.n, p.framesPerSec] as [number, number]);
      if (points.length === 0) continue;
      fanSeries.push({
        label: `${LABELS[target]}${layout === 'one' ? ' (1 mtg)' : ' (100)'}`,
        color: COLORS[target],
        dash: layout === 'hundred',
        points,
      });
    }
  }
  panels.push({
    title: '1. Fan-out: delivered frames/s',
    xLabel: 'subscribed sockets',
    yLabel: 'frames/s',
    series: fanSeries,
    ...(f ? { xTicks: f.sizes } : {}),
  });
  const l = r.latency;
  const latSeries: Series[] = [];
  for (const driver of ['in-process', 'rest'] as const) {
    const pts = (l?.points ?? []).filter((p) => p.driver === driver);
    const color = driver === 'rest' ? COLORS.rest : COLORS.confpush;
    latSeries.push({ label: `p50 ${driver}`, color, dash: true, points: pts.map((p) => [p.offered, p.p50]) });
    latSeries.push({ label: `p99 ${driver}`, color, points: pts.map((p) => [p.offered, p.p99]) });
  }
  panels.push({
    title: '2. Latency, 1,000 subscribers over 100 meetings',
    xLabel: 'offered changes/s (log)',
    yLabel: 'ms (log)',
    xLog: true,
    yLog: true,
    series: latSeries,
    hline: { y: 20, label: 'goal: p99 ≤ 20 ms at 1,000/s' },
  });
  const m = r.memory;
  const memSeries: Series[] = [];
  for (const target of ['confpush', 'bare-ws', 'socketio'] as const) {
    const pts = (m?.points ?? []).filter((p) => p.target === target);
    const name = target === 'bare-ws' ? 'bare ws' : target === 'socketio' ? 'Socket.IO' : 'confpush';
    memSeries.push({
      label: `${name} RSS`,
      color: COLORS[target],
      points: pts.map((p) => [p.n, p.rssPerConn / 1024]),
    });
    memSeries.push({
      label: `${name} heap`,
      color: COLORS[target],
      dash: true,
      points: pts.map((p) => [p.n, p.heapExternalPerConn / 1024]),
    });
  }
  panels.push({
    title: '3. Memory per idle subscribed connection',
    xLabel: 'connections',
    yLabel: 'KiB per connection',
    series: memSeries,
    ...(m ? { xTicks: m.sizes } : {}),
  });
  const s = r.snapshot;
  panels.push({
    title: '4. Full message build + encode',
    xLabel: 'meeting members (log)',
    yLabel: 'ms (log)',
    xLog: true,
    yLog: true,
    series: [
      {
        label: 'ParticipantsNotify',
        color: COLORS.confpush,
        points: (s?.points ?? []).map((p) => [p.members, p.participants.medianMs]),
      },
      {
        label: 'AttendeesNotify',
        color: COLORS.rest,
        points: (s?.points ?? []).map((p) => [p.members, p.attendees.medianMs]),
      },
    ],
    hline: { y: 10, label: 'goal: 3,000 members ≤ 10 ms' },
  });
  const d = r.durable;
  panels.push({
    title: '5. Durable meeting changes/s (group commit)',
    xLabel: 'changes in flight (log)',
    yLabel: 'changes/s',
    xLog: true,
    series: [
      ...(['full', 'normal'] as const).map((mode) => ({
        label: `SQLite ${mode.toUpperCase()}`,
        color: mode === 'full' ? COLORS.confpush : COLORS.normal,
        dash: mode === 'normal',
        points: (d?.points ?? [])
          .filter((p) => p.syncMode === mode)
          .map((p): [number, number] => [p.inFlight, p.changesPerSec]),
      })),
      ...(d?.redis?.points.length
        ? [
            {
              label: 'Redis',
              color: COLORS.redis,
              dash: false,
              points: d.redis.points.map((p): [number, number] => [p.inFlight, p.changesPerSec]),
            },
          ]
        : []),
    ],
    hline: { y: 5000, label: 'goal: 5,000/s' },
  });
  // Resume: bytes per client and seconds, as two bars each (drawn as a two-point chart would hide them: use bars).
  panels.push({ title: '6. Resume vs full messages', xLabel: '', yLabel: '', series: [] });
  const width = W;
  const body: string[] = [];
  panels.forEach((p, i) => {
    const x = 20 + (i % 2) * (PANEL_W + 40);
    const y = 50 + Math.floor(i / 2) * (PANEL_H + 20);
    body.push(i === 5 ? resumePanel(x, y, r) : panel(x, y, p));
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${H}" fill="white"/>`,
    `<text x="20" y="30" font-size="19" font-weight="700">confpush benchmarks — ${esc(r.meta.machine.cpu)} (${r.meta.machine.cores} cores), Node ${esc(r.meta.versions['node'] ?? '')}, ${esc(r.meta.date.slice(0, 10))}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function resumePanel(x0: number, y0: number, r: Results): string {
  const out: string[] = [`<g transform="translate(${x0},${y0})">`];
  const left = 70;
  out.push(
    `<text x="${left}" y="20" font-size="15" font-weight="600">6. Reconnect after an outage: resume vs full</text>`,
  );
  const runs = r.resume?.runs ?? [];
  if (runs.length === 0) {
    out.push(`<text x="${left + 10}" y="170" font-size="13" fill="#666">not measured</text></g>`);
    return out.join('');
  }
  const pick = (s: 'resume' | 'full'): { bytes: number; ms: number } => {
    const rs = runs.filter((x) => x.strategy === s);
    const med = (v: number[]): number => v.sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;
    return { bytes: med(rs.map((x) => x.bytes)), ms: med(rs.map((x) => x.ms)) };
  };
  const res = pick('resume');
  const full = pick('full');
  const groups: { label: string; a: number; b: number; unit: (v: number) => string }[] = [
    { label: 'bytes to all clients', a: res.bytes, b: full.bytes, unit: (v) => `${(v / 1e6).toFixed(1)} MB` },
    { label: 'time until all up to date', a: res.ms, b: full.ms, unit: (v) => `${(v / 1000).toFixed(2)} s` },
  ];
  const top = 50;
  const barH = 34;
  groups.forEach((g, i) => {
    const y = top + i * 120;
    const max = Math.max(g.a, g.b) || 1;
    out.push(`<text x="${left}" y="${y}" font-size="13" font-weight="600">${esc(g.label)}</text>`);
    const bars: [string, number, string][] = [
      ['resume', g.a, COLORS.confpush],
      ['full', g.b, COLORS.socketio],
    ];
    bars.forEach(([name, v, color], j) => {
      const by = y + 10 + j * (barH + 8);
      const w = Math.max(2, (v / max) * 420);
      out.push(
        `<text x="${left - 8}" y="${by + barH / 2 + 4}" font-size="12" text-anchor="end">${name}</text>`,
      );
      out.push(`<rect x="${left}" y="${by}" width="${w}" height="${barH}" fill="${color}"/>`);
      out.push(`<text x="${left + w + 6}" y="${by + barH / 2 + 4}" font-size="12">${esc(g.unit(v))}</text>`);
    });
  });
  const rr = r.resume!;
  out.push(
    `<text x="${left}" y="${top + 250}" font-size="11" fill="#57606a">${runs[0]!.clients} clients, ${rr.members}-member meeting, ${rr.outageSeconds} s outage at ${rr.changeRate} changes/s</text>`,
  );
  out.push('</g>');
  return out.join('');
}

/** Writes `svg` as a PNG with headless Chromium; returns false when no browser is available. */
export function renderPng(svg: string, png: string): boolean {
  const browser = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((b) =>
    existsSync(b),
  );
  if (!browser) return false;
  const dir = mkdtempSync(join(tmpdir(), 'confpush-chart-'));
  try {
    const html = join(dir, 'chart.html');
    writeFileSync(html, `<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    execFileSync(
      browser,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--window-size=${W},${H}`,
        `--screenshot=${png}`,
        `file://${html}`,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
    return existsSync(png);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
