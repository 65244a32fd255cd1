/** A cancel function returned by every timer of a {@link Clock}. */
export type CancelTimer = () => void;

/**
 * Time as the core sees it. Production uses the system clock; tests use a fake one they advance
 * by hand, so timeouts of minutes are tested in microseconds.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): CancelTimer;
  setInterval(callback: () => void, ms: number): CancelTimer;
}
