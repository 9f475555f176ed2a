// Worker entry of the bench receiver (webhook-receiver.ts): a worker thread does not inherit the parent's tsx loader.
import { register } from 'tsx/esm/api';

register();
await import('./webhook-receiver.ts');
