/** Percentiles and formatting (no histogram library: sorted arrays). */

export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** The p-quantile (0…1) of an ascending array, nearest-rank. */
export function quantile(asc: ArrayLike<number>, p: number): number {
  if (asc.length === 0) return NaN;
  const i = Math.min(asc.length - 1, Math.max(0, Math.ceil(p * asc.length) - 1));
  return asc[i]!;
}

export function median(values: readonly number[]): number {
  return quantile(sorted(values), 0.5);
}

/** Merges ascending arrays. */
export function merge(arrays: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out.sort();
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 1234567 → "1.23 M", 12345 → "12.3 k". */
export function fmtSi(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e7 ? 1 : 2)} M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(a >= 1e4 ? 0 : 1)} k`;
  return n.toFixed(0);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return '–';
  const a = Math.abs(b);
  if (a >= 1024 * 1024 * 1024) return `${(b / 1024 / 1024 / 1024).toFixed(2)} GiB`;
  if (a >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(a >= 100 * 1024 * 1024 ? 0 : 1)} MiB`;
  if (a >= 1024) return `${(b / 1024).toFixed(a >= 100 * 1024 ? 0 : 1)} KiB`;
  return `${b.toFixed(0)} B`;
}

/** A ratio already computed (null when it was not: JSON has no NaN). */
export function fmtTimes(r: number | null): string {
  return r !== null && Number.isFinite(r) ? `${r.toFixed(2)}×` : '–';
}

export function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}×` : '–';
}
