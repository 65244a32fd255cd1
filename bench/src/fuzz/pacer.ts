/**
 * Holds one protocol's hostile inputs to a steady rate, shared by all its connections. The
 * campaign measures whether the gateway keeps hostile input away from other users; a flood far
 * beyond what one core can parse would only measure the core (`--rate 0` does that on purpose).
 */
export class Pacer {
  readonly #perSecond: number;
  #startedAt = 0;
  #granted = 0;

  /** `perSecond` inputs a second; 0 or Infinity: no pacing. */
  constructor(perSecond: number) {
    this.#perSecond = perSecond > 0 ? perSecond : Number.POSITIVE_INFINITY;
  }

  /** Resolves when `inputs` more inputs fit in the rate. */
  async take(inputs: number): Promise<void> {
    if (this.#perSecond === Number.POSITIVE_INFINITY || inputs === 0) return;
    if (this.#startedAt === 0) this.#startedAt = performance.now();
    this.#granted += inputs;
    const dueAt = this.#startedAt + (this.#granted / this.#perSecond) * 1000;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** Starts the schedule afresh (after a pause, so no burst of saved-up inputs follows it). */
  restart(): void {
    this.#startedAt = 0;
    this.#granted = 0;
  }
}
