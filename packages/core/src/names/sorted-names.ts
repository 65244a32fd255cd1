import type { Name } from './name.ts';

/**
 * Names kept sorted by their bytes as they come and go, so listing them never sorts: a json-ws
 * hello answers with every active name, and a sort per hello made a connect storm quadratic.
 * Adding or removing costs a binary search and one array move.
 */
export class SortedNames {
  readonly #names: Name[] = [];

  get size(): number {
    return this.#names.length;
  }

  add(name: Name): void {
    const index = this.#lowerBound(name.key);
    if (this.#names[index]?.key === name.key) return;
    this.#names.splice(index, 0, name);
  }

  delete(nameKey: string): void {
    const index = this.#lowerBound(nameKey);
    if (this.#names[index]?.key === nameKey) this.#names.splice(index, 1);
  }

  /** A snapshot, sorted by bytes; later changes do not reach it. */
  toArray(): Name[] {
    return this.#names.slice();
  }

  /** The first index whose key is not below `key`. */
  #lowerBound(key: string): number {
    let low = 0;
    let high = this.#names.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#names[middle]!.key < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
