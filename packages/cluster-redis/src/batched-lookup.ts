/**
 * Joins the lookups asked for within one turn of the event loop into one: every caller waits for
 * the same answer and reads its own part of it. Under load a cross-process direct message asks
 * Redis which of its recipients are active; one script run per turn instead of one per message
 * keeps Redis (often on the same cores as the gateways) out of the way.
 */
export class BatchedLookup<Key> {
  readonly #lookup: (keys: readonly Key[]) => Promise<Set<Key>>;
  #pending: { keys: Set<Key>; answer: Promise<Set<Key>> } | null = null;

  constructor(lookup: (keys: readonly Key[]) => Promise<Set<Key>>) {
    this.#lookup = lookup;
  }

  /** Which of `keys` the lookup finds; rejects when the joint lookup fails. */
  async find(keys: readonly Key[]): Promise<Set<Key>> {
    const batch = this.#pending ?? this.#open();
    for (const key of keys) batch.keys.add(key);
    const found = await batch.answer;
    return new Set(keys.filter((key) => found.has(key)));
  }

  #open(): { keys: Set<Key>; answer: Promise<Set<Key>> } {
    const keys = new Set<Key>();
    // setImmediate runs after the poll phase, so lookups from every socket read in this turn join.
    const answer = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.#pending = null;
      return this.#lookup([...keys]);
    });
    const batch = { keys, answer };
    this.#pending = batch;
    return batch;
  }
}
