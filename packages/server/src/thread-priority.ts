/**
 * Lowers the scheduling priority of the calling thread (not of the process): on Linux the nice value is per thread,
 * and this thread's id is the last part of `/proc/thread-self`. Elsewhere nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Sets this thread's nice value; false where threads have no nice value of their own (not Linux). */
export function niceThisThread(nice: number): boolean {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').at(-1)), nice);
    return true;
  } catch {
    return false;
  }
}
