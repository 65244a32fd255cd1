import type { Bus, BusEvent } from '../ports/bus.ts';
import type { Presence, SessionDirectory } from '../ports/presence.ts';

/** The bus of a lone node: nobody else to tell. */
export class LocalBus implements Bus {
  readonly clustered = false;
  publish(_event: BusEvent): void {}
  onEvent(_handler: (event: BusEvent) => void): void {}
  async close(): Promise<void> {}
}

/** Presence of a lone node: the names its hub holds. */
export class LocalPresence implements Presence {
  readonly #names = new Set<string>();
  #claims = 0;

  add(nameKey: string, _claimToken?: number): void {
    this.#names.add(nameKey);
  }
  remove(nameKey: string): void {
    this.#names.delete(nameKey);
  }
  async list(): Promise<string[]> {
    return [...this.#names];
  }
  async filterActive(nameKeys: readonly string[]): Promise<Set<string>> {
    return new Set(nameKeys.filter((key) => this.#names.has(key)));
  }
  async nextClaim(_nameKey: string): Promise<number> {
    this.#claims += 1;
    return this.#claims;
  }
  async close(): Promise<void> {}
}

export class LocalSessionDirectory implements SessionDirectory {
  readonly #sessions = new Map<string, string>();

  set(clientId: string, sessionId: string): void {
    this.#sessions.set(clientId, sessionId);
  }
  delete(clientId: string, sessionId: string): void {
    if (this.#sessions.get(clientId) === sessionId) this.#sessions.delete(clientId);
  }
  async list(): Promise<Array<[string, string]>> {
    return [...this.#sessions];
  }
  async close(): Promise<void> {}
}
