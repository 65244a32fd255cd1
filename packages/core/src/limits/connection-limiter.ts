/** Counts open connections per process and per remote address. */
export class ConnectionLimiter {
  readonly #maxTotal: number;
  readonly #maxPerAddress: number;
  readonly #perAddress = new Map<string, number>();
  #total = 0;

  constructor(maxTotal: number, maxPerAddress: number) {
    this.#maxTotal = maxTotal;
    this.#maxPerAddress = maxPerAddress;
  }

  tryAcquire(address: string): boolean {
    const count = this.#perAddress.get(address) ?? 0;
    if (this.#total >= this.#maxTotal || count >= this.#maxPerAddress) return false;
    this.#perAddress.set(address, count + 1);
    this.#total += 1;
    return true;
  }

  release(address: string): void {
    const count = this.#perAddress.get(address) ?? 0;
    if (count <= 1) this.#perAddress.delete(address);
    else this.#perAddress.set(address, count - 1);
    this.#total -= 1;
  }

  get total(): number {
    return this.#total;
  }
}
