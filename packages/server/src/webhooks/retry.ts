/**
 * The retry schedule. Huawei's (reference §6.1): 30 s between the first three retries, then every 30 min, for 24 h;
 * then the event is dead. `webhookRetryMs` is a comma list of delays in ms (the last one repeats).
 */
export const HUAWEI_RETRY_MS = [30_000, 30_000, 30_000, 1_800_000];
export const HUAWEI_GIVE_UP_MS = 24 * 3_600_000;

/** Parses a delay list; undefined when it is not a non-empty list of non-negative integers. */
export function parseRetryMs(raw: string): number[] | undefined {
  if (raw.trim() === '') return HUAWEI_RETRY_MS;
  const delays = raw.split(',').map((part) => Number(part.trim()));
  return delays.every((d) => Number.isInteger(d) && d >= 0) && delays.length > 0 ? delays : undefined;
}

/** Delay before retry number `attempts` (1 = the first retry). */
export function retryDelay(delays: readonly number[], attempts: number): number {
  return delays[Math.min(attempts, delays.length) - 1] ?? delays[delays.length - 1] ?? 0;
}
