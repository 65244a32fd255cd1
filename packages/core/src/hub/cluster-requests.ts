import type { CancelTimer, Clock } from '../ports/clock.ts';

/** What the other nodes answered to one request; `missing` peers did not answer in time. */
export interface ClusterAnswers {
  replies: string[];
  /** Peers known to be alive that did not answer before the timeout. */
  missing: number;
}

/** The events of a request and its replies, as they travel between nodes. */
export type RequestEvent =
  | { kind: 'request'; from: string; id: number; body: string }
  | { kind: 'reply'; to: string; from: string; id: number; body: string };

/** The part of a bus that requests use. */
export interface RequestChannel {
  readonly clustered: boolean;
  publish(event: RequestEvent): void;
  peers?(): readonly string[];
}

interface Pending {
  readonly replies: string[];
  /** Peers still to answer, or null when the bus cannot say who they are (wait out the timeout). */
  readonly waitingFor: Set<string> | null;
  readonly finish: () => void;
}

/**
 * Request and reply between nodes, as socket.io's `serverSideEmit` with acks: a request goes to
 * every other node, each answers to the asker's own inbox, and the asker waits for every live
 * peer or the timeout, whichever comes first. Rare administrative calls only: nothing of the
 * message path goes through here.
 */
export class ClusterRequests {
  readonly #bus: RequestChannel | null;
  readonly #nodeId: string;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #lastId = 0;

  constructor(bus: RequestChannel | null, nodeId: string, clock: Clock, timeoutMs: number) {
    this.#bus = bus;
    this.#nodeId = nodeId;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  /** Sends `body` to every other node; resolves their answers (none when not clustered). */
  ask(body: string): Promise<ClusterAnswers> {
    const bus = this.#bus;
    if (bus === null || !bus.clustered) return Promise.resolve({ replies: [], missing: 0 });
    const peers = bus.peers?.() ?? null;
    if (peers !== null && peers.length === 0) return Promise.resolve({ replies: [], missing: 0 });
    this.#lastId += 1;
    const id = this.#lastId;
    return new Promise((resolve) => {
      let timer: CancelTimer | null = null;
      const replies: string[] = [];
      const waitingFor = peers === null ? null : new Set<string>(peers);
      const finish = () => {
        if (!this.#pending.delete(id)) return;
        timer?.();
        resolve({ replies, missing: waitingFor?.size ?? 0 });
      };
      this.#pending.set(id, { replies, waitingFor, finish });
      timer = this.#clock.setTimeout(finish, this.#timeoutMs);
      bus.publish({ kind: 'request', from: this.#nodeId, id, body });
    });
  }

  /** A reply from `from` to request `id` of this node; late and unknown ones are ignored. */
  received(from: string, id: number, body: string): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    if (pending.waitingFor !== null) {
      if (!pending.waitingFor.delete(from)) return; // an answer twice, or from a node not asked
      pending.replies.push(body);
      if (pending.waitingFor.size === 0) pending.finish();
      return;
    }
    pending.replies.push(body);
  }

  /** Answers a request of another node. */
  answer(to: string, id: number, body: string): void {
    this.#bus?.publish({ kind: 'reply', to, from: this.#nodeId, id, body });
  }
}
