/** Inputs sent, per protocol and per input class, counted only once the socket has taken them. */
export class Tally {
  readonly #counts = new Map<string, Map<string, number>>();

  add(protocol: string, inputClass: string, inputs: number): void {
    let classes = this.#counts.get(protocol);
    if (!classes) {
      classes = new Map();
      this.#counts.set(protocol, classes);
    }
    classes.set(inputClass, (classes.get(inputClass) ?? 0) + inputs);
  }

  total(protocol: string): number {
    let sum = 0;
    for (const count of this.#counts.get(protocol)?.values() ?? []) sum += count;
    return sum;
  }

  byClass(protocol: string): [string, number][] {
    return [...(this.#counts.get(protocol)?.entries() ?? [])].sort((a, b) => b[1] - a[1]);
  }
}
