import type { CancelTimer, Clock } from '../ports/clock.ts';

/** A coarse timer: fires within one resolution step after its deadline. */
export interface CoarseTimer {
  /** Moves the deadline to `ms` from now (e.g. on activity). */
  reset(ms?: number): void;
  cancel(): void;
}

/**
 * Anything the wheel can hold: an object that is its own timer, so a connection needs no timer
 * object or callback closure of its own ({@link TimerWheel.arm}).
 */
export interface WheelEntry {
  /** When it is due (ms on the wheel's clock). */
  wheelDeadline: number;
  /** Called once it is due; it is off the wheel by then. */
  wheelFired(): void;
}

class WheelTimer implements CoarseTimer, WheelEntry {
  wheelDeadline: number;
  readonly #wheel: TimerWheel;
  readonly #ms: number;
  readonly callback: () => void;

  constructor(wheel: TimerWheel, ms: number, callback: () => void, now: number) {
    this.#wheel = wheel;
    this.#ms = ms;
    this.callback = callback;
    this.wheelDeadline = now + ms;
  }

  wheelFired(): void {
    this.callback();
  }

  reset(ms = this.#ms): void {
    this.wheelDeadline = this.#wheel.now() + ms;
    this.#wheel.add(this);
  }

  cancel(): void {
    this.#wheel.remove(this);
  }
}

/**
 * Many long timeouts (hello, idle, inactivity) on one interval: thousands of connections cost
 * one timer, not thousands. A reset is a field write, so activity on the hot path stays cheap.
 */
export class TimerWheel {
  readonly #clock: Clock;
  readonly #resolutionMs: number;
  readonly #timers = new Set<WheelEntry>();
  #stopTicking: CancelTimer | null = null;

  readonly #onError: (error: unknown) => void;

  constructor(clock: Clock, resolutionMs = 250, onError: (error: unknown) => void = () => {}) {
    this.#clock = clock;
    this.#resolutionMs = resolutionMs;
    this.#onError = onError;
  }

  now(): number {
    return this.#clock.now();
  }

  schedule(ms: number, callback: () => void): CoarseTimer {
    const timer = new WheelTimer(this, ms, callback, this.#clock.now());
    this.add(timer);
    return timer;
  }

  get size(): number {
    return this.#timers.size;
  }

  /** Puts `entry` on the wheel, due `ms` from now; an entry already on it just moves. */
  arm(entry: WheelEntry, ms: number): void {
    entry.wheelDeadline = this.#clock.now() + ms;
    this.add(entry);
  }

  /** Takes `entry` off the wheel (nothing if it is not on it). */
  disarm(entry: WheelEntry): void {
    this.remove(entry);
  }

  /** @internal */
  add(timer: WheelEntry): void {
    this.#timers.add(timer);
    this.#stopTicking ??= this.#clock.setInterval(() => this.#tick(), this.#resolutionMs);
  }

  /** @internal */
  remove(timer: WheelEntry): void {
    this.#timers.delete(timer);
    if (this.#timers.size === 0) this.stop();
  }

  stop(): void {
    this.#stopTicking?.();
    this.#stopTicking = null;
  }

  #tick(): void {
    const now = this.#clock.now();
    for (const timer of this.#timers) {
      if (timer.wheelDeadline > now) continue;
      this.#timers.delete(timer);
      try {
        timer.wheelFired();
      } catch (error) {
        // One failing timeout must not stop the others of this tick, nor crash the process.
        queueMicrotask(() => this.#onError(error));
      }
    }
    if (this.#timers.size === 0) this.stop();
  }
}
