/** The working state of a meeting, brought back to its committed state. */
import type { MeetingRuntime } from '../runtime.js';
import { cloneState } from '../state.js';

/** With nothing in flight, a stale working state is replaced by a copy of the committed state. */
export function refreshWorking(runtime: MeetingRuntime): void {
  const c = runtime.position;
  if (!c.stale || c.inflight > 0) return;
  runtime.working = cloneState(runtime.committed);
  c.workingRev = c.rev;
  c.workingHead = c.head;
  c.stale = false;
}
