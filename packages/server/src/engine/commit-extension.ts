/**
 * A sink's extra writes per committed entry: outbox messages derived from the change, committed in the same store
 * step as the change itself, so they are durable before the change is visible to anyone (e.g. webhook events).
 */
import type { Decision } from '../domain/decide.js';
import type { MeetingState } from '../domain/meeting.js';
import type { OutboxMessage } from '../store/types.js';

export interface CommitExtension {
  /** `before`: the state the change was decided on (undefined when the change creates the meeting). */
  messagesFor(
    before: MeetingState | undefined,
    change: Decision & { created?: MeetingState },
  ): OutboxMessage[];
}
