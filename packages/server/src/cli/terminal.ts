/**
 * Redrawing the terminal view in place: the escape sequences (alternate screen, cursor home, clear to end) and a
 * scheduler that coalesces bursts of changes into one redraw.
 */

const ESC = '\x1b';

export const TERMINAL = {
  /** Switch to the alternate screen and hide the cursor. */
  enter: `${ESC}[?1049h${ESC}[?25l`,
  /** Show the cursor and go back to the normal screen. */
  leave: `${ESC}[?25h${ESC}[?1049l`,
} as const;

/** Redraws `lines` in place: cursor home, each line cleared to its end, then the rest of the screen cleared. */
export function redrawSequence(lines: readonly string[]): string {
  return `${ESC}[H${lines.map((line) => `${line}${ESC}[K`).join('\n')}\n${ESC}[J`;
}

/**
 * Calls `draw` at most once per `intervalMs`, coalescing every request made in between into one draw (so a
 * burst of changes costs one redraw, and the last state is always drawn).
 */
export class RedrawScheduler {
  readonly #draw: () => void;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #last = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  draws = 0;

  constructor(draw: () => void, options: { intervalMs?: number; now?: () => number } = {}) {
    this.#draw = draw;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  /** Asks for a redraw: now if the last one is old enough, else once when it is. */
  request(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    const wait = Math.max(0, this.#last + this.#intervalMs - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, wait);
  }

  /** Draws now (a pending request is served by this draw). */
  flush(): void {
    if (this.#stopped) return;
    this.#cancel();
    this.#run();
  }

  /** No more draws. */
  stop(): void {
    this.#stopped = true;
    this.#cancel();
  }

  #cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #run(): void {
    this.#last = this.#now();
    this.draws++;
    this.#draw();
  }
}
