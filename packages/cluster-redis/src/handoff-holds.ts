import type { BusEvent } from '@switchboard/core';

type Direct = Extract<BusEvent, { kind: 'direct' }>;

/** How long a remembered early handoff stays usable. */
const EARLY_MEMORY_MS = 10_000;

/**
 * The receiving end of a move (see `RedisBus`): when a name moved here, the first frame its
 * sender sends here says so, and this node holds that sender's frames for the name until the
 * handoff arrives through the previous holder (after every frame the sender had sent there, which
 * that holder forwarded here first). Then the held frames are delivered in order. A handoff that
 * never comes (the old holder died) releases them after `timeoutMs`. A handoff that overtakes
 * the first frame is remembered, so that frame is not held at all.
 */
export class HandoffHolds {
  readonly #timeoutMs: number;
  readonly #deliver: (event: Direct) => void;
  readonly #onTimeout: () => void;
  readonly #held = new Map<string, { events: Direct[]; timer: NodeJS.Timeout }>();
  readonly #early = new Map<string, number>();

  constructor(timeoutMs: number, deliver: (event: Direct) => void, onTimeout: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#deliver = deliver;
    this.#onTimeout = onTimeout;
  }

  get size(): number {
    return this.#held.size;
  }

  isHeld(origin: string, nameKey: string): boolean {
    return this.#held.size > 0 && this.#held.has(holdKey(origin, nameKey));
  }

  /** The first frame after a move: holds it unless its handoff already came. */
  begin(origin: string, nameKey: string, event: Direct): void {
    const key = holdKey(origin, nameKey);
    if (this.#early.delete(key)) {
      this.#deliver(event);
      return;
    }
    if (this.#held.has(key)) {
      this.#held.get(key)!.events.push(event);
      return;
    }
    const timer = setTimeout(() => {
      this.#onTimeout();
      this.#release(key);
    }, this.#timeoutMs);
    timer.unref();
    this.#held.set(key, { events: [event], timer });
  }

  hold(origin: string, nameKey: string, event: Direct): void {
    this.#held.get(holdKey(origin, nameKey))?.events.push(event);
  }

  /** The handoff of `nameKey` from `origin` arrived: deliver what waited for it. */
  handoff(origin: string, nameKey: string): void {
    const key = holdKey(origin, nameKey);
    if (this.#held.has(key)) {
      this.#release(key);
      return;
    }
    const now = Date.now();
    this.#early.set(key, now);
    if (this.#early.size > 1_000) {
      for (const [stale, at] of this.#early) if (now - at > EARLY_MEMORY_MS) this.#early.delete(stale);
    }
  }

  close(): void {
    for (const { timer } of this.#held.values()) clearTimeout(timer);
    this.#held.clear();
  }

  #release(key: string): void {
    const hold = this.#held.get(key);
    if (!hold) return;
    this.#held.delete(key);
    clearTimeout(hold.timer);
    for (const event of hold.events) this.#deliver(event);
  }
}

const holdKey = (origin: string, nameKey: string): string => `${origin.length}:${origin}${nameKey}`;
