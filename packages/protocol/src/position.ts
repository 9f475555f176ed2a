/**
 * Where a subscriber stands in one (meeting, category) stream.
 *
 * `seq` counts the changes of the stream: the n-th incremental message has `version` n. `epoch` names one
 * continuous history of the stream; it changes whenever continuity is lost (a store recreated, a log reset),
 * and a position from another epoch can never be resumed.
 */
export interface StreamPosition {
  readonly epoch: string;
  readonly seq: number;
}

export function samePosition(a: StreamPosition, b: StreamPosition): boolean {
  return a.epoch === b.epoch && a.seq === b.seq;
}
