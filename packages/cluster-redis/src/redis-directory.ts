import type { SessionDirectory } from '@switchboard/core';
import type { MirrorSync } from './mirror-sync.ts';
import type { NodeRegistration } from './node-registration.ts';

/**
 * The sessions protocol's client_id -> session_id directory: a hash per node in Redis, announced
 * like presence, and listed from this node's own sessions plus the presence mirror (no Redis round
 * trip), so a dead node's sessions vanish with its part of the mirror.
 */
export class RedisSessionDirectory implements SessionDirectory {
  readonly #node: NodeRegistration;
  readonly #sync: MirrorSync;

  constructor(node: NodeRegistration, sync: MirrorSync) {
    this.#node = node;
    this.#sync = sync;
  }

  set(clientId: string, sessionId: string): void {
    this.#node.setSession(clientId, sessionId);
  }

  delete(clientId: string, sessionId: string): void {
    this.#node.deleteSession(clientId, sessionId);
  }

  async list(): Promise<Array<[clientId: string, sessionId: string]>> {
    const entries = new Map(this.#sync.mirror.sessions());
    for (const [clientId, sessionId] of this.#node.sessions) entries.set(clientId, sessionId);
    return [...entries];
  }

  /** The node's registration is stopped by the cluster's `close()`; nothing of its own to release. */
  async close(): Promise<void> {}
}
