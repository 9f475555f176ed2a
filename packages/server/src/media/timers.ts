/** The media plane's time is the server's clock (speaker coalescing, simulated callees). */
export { systemClock as systemTimers, ManualClock as ManualTimers } from '../clock.js';
export type { Clock as MediaTimers, TimerHandle } from '../clock.js';
