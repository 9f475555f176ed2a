/** Timers by name: setting one replaces the one of that name; clearing all ends every one. */
export class NamedTimers<Name extends string> {
  readonly #timers = new Map<Name, ReturnType<typeof setTimeout>>();

  set(name: Name, ms: number, run: () => void, repeat = false): void {
    this.clear(name);
    this.#timers.set(name, repeat ? setInterval(run, ms) : setTimeout(run, ms));
  }

  has(name: Name): boolean {
    return this.#timers.has(name);
  }

  clear(name: Name): void {
    const timer = this.#timers.get(name);
    if (timer === undefined) return;
    clearTimeout(timer);
    clearInterval(timer);
    this.#timers.delete(name);
  }

  clearAll(): void {
    for (const name of [...this.#timers.keys()]) this.clear(name);
  }
}
