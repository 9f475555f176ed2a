import { eventually } from '../../../server/test/support/eventually.js';

/** Waits until `condition` holds (the suites' one polling helper); fails naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  await eventually(condition, { what, timeoutMs, everyMs: 2 });
}

/** Lets pending socket and timer callbacks run (for asserting that something did NOT happen). */
export async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
