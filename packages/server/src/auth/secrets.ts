/** Constant-time comparison of secrets of any length (both sides are hashed first, so lengths do not leak). */
import { createHash, timingSafeEqual } from 'node:crypto';

export function secretEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
