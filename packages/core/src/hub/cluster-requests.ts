import type { AdminChannel, AdminEvent } from '../ports/bus.ts';
import type { CancelTimer, Clock } from '../ports/clock.ts';

/** What the other nodes answered to one request; `missing` peers did not answer in time. */
export interface ClusterAnswers {
  replies: string[];
  /** Live peers that did not answer before the timeout. */
  missing: number;
}

interface Pending {
  readonly replies: string[];
  /** Peers still to answer. */
  readonly waitingFor: Set<string>;
  readonly finish: () => void;
}

/**
 * Request and reply between nodes, as socket.io's `serverSideEmit` with acks: a request goes to
 * every other node, each answers the asker alone, and the asker waits for every live peer or the
 * timeout, whichever comes first. For the rare calls of the server API: nothing of the message
 * path goes through here.
 */
export class ClusterRequests {
  readonly #channel: AdminChannel | null;
  readonly #nodeId: string;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #lastId = 0;

  /** `answer` turns another node's request body into this node's reply body. */
  constructor(
    channel: AdminChannel | null,
    nodeId: string,
    clock: Clock,
    timeoutMs: number,
    answer: (body: string, from: string) => string,
  ) {
    this.#channel = channel;
    this.#nodeId = nodeId;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    channel?.onEvent((event) => this.#received(event, answer));
  }

  /** Sends `body` to every other node; resolves their answers (none without peers). */
  ask(body: string): Promise<ClusterAnswers> {
    const channel = this.#channel;
    const peers = channel?.peers() ?? [];
    if (channel === null || peers.length === 0) return Promise.resolve({ replies: [], missing: 0 });
    this.#lastId += 1;
    const id = this.#lastId;
    return new Promise((resolve) => {
      let cancelTimer: CancelTimer | null = null;
      const replies: string[] = [];
      const waitingFor = new Set(peers);
      const finish = () => {
        if (!this.#pending.delete(id)) return;
        cancelTimer?.();
        resolve({ replies, missing: waitingFor.size });
      };
      this.#pending.set(id, { replies, waitingFor, finish });
      cancelTimer = this.#clock.setTimeout(finish, this.#timeoutMs);
      channel.publish({ kind: 'request', from: this.#nodeId, id, body });
    });
  }

  #received(event: AdminEvent, answer: (body: string, from: string) => string): void {
    if (event.kind === 'request') {
      if (event.from === this.#nodeId) return;
      const reply = answer(event.body, event.from);
      this.#channel?.publish({
        kind: 'reply',
        to: event.from,
        from: this.#nodeId,
        id: event.id,
        body: reply,
      });
      return;
    }
    if (event.to !== this.#nodeId) return;
    const pending = this.#pending.get(event.id);
    // Late (after the timeout), twice, or from a node that was not asked: ignored.
    if (!pending?.waitingFor.delete(event.from)) return;
    pending.replies.push(event.body);
    if (pending.waitingFor.size === 0) pending.finish();
  }
}
