import { eventually } from '../../../server/test/support/eventually.js';

/** Waits until `condition` holds (the suites' one polling helper); fails naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  await eventually(condition, { what, timeoutMs, everyMs: 2 });
}
