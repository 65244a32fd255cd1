import type { CancelTimer, Clock } from '../ports/clock.ts';

interface PendingTimer {
  at: number;
  every: number | null;
  callback: () => void;
  cancelled: boolean;
}

/** A clock that moves only when a test says so. */
export class FakeClock implements Clock {
  #now: number;
  readonly #timers: PendingTimer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now = (): number => this.#now;

  setTimeout(callback: () => void, ms: number): CancelTimer {
    return this.#add({ at: this.#now + ms, every: null, callback, cancelled: false });
  }

  setInterval(callback: () => void, ms: number): CancelTimer {
    return this.#add({ at: this.#now + ms, every: Math.max(1, ms), callback, cancelled: false });
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#timers
        .filter((timer) => !timer.cancelled && timer.at <= end)
        .sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.#now = next.at;
      if (next.every === null) next.cancelled = true;
      else next.at += next.every;
      next.callback();
    }
    this.#now = end;
    for (let i = this.#timers.length - 1; i >= 0; i--)
      if (this.#timers[i]!.cancelled) this.#timers.splice(i, 1);
  }

  #add(timer: PendingTimer): CancelTimer {
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
}
