import type { CancelTimer, Hub, ProtocolStats, TokenBucket } from '@switchboard/core';

/**
 * Most frames waiting for their turn. Reading pauses as soon as one has to wait, but `ws` still
 * hands over every frame of the chunks already read (64 KiB and the socket's buffer): a few
 * thousand real messages at most, since the smallest json-ws message takes 31 bytes on the wire.
 * More means frames of a few bytes each, a flood, and the flow gives up on the connection.
 */
export const MAX_QUEUED_FRAMES = 4096;

/** The part of a `ws` WebSocket that flow control needs. */
export interface PausableSocket {
  pause(): void;
  resume(): void;
}

/**
 * The inbound side of one WebSocket connection: frames are handled one at a time in arrival
 * order, and reading stops (nothing is dropped) while an answer is pending or the connection is
 * over its message rate. Frames `ws` had already read when reading stopped wait in the queue and
 * take their turn within the rate too.
 *
 * Order matters because clients do not wait for answers: `hello` followed at once by
 * `send_message` must find the name already claimed. A handler that needs the network (a claim,
 * a presence query) returns a promise; frames that arrive meanwhile wait in a queue that pausing
 * keeps small (at most what `ws` had already read off the socket, and {@link MAX_QUEUED_FRAMES}).
 */
export class InboundFlow<Frame> {
  readonly #socket: PausableSocket;
  readonly #hub: Hub;
  /** Its protocol's counters: bytes read, rate pauses. */
  readonly #stats: ProtocolStats;
  readonly #bucket: TokenBucket;
  readonly #handle: (frame: Frame) => Promise<void> | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #onOverflow: () => void;
  readonly #queue: Frame[] = [];
  /** The wire size of each queued frame, counted against the byte rate when its turn comes. */
  readonly #queueBytes: number[] = [];
  #busy = false;
  #rateHold: CancelTimer | null = null;
  #paused = false;
  #stopped = false;

  constructor(
    socket: PausableSocket,
    hub: Hub,
    stats: ProtocolStats,
    handle: (frame: Frame) => Promise<void> | undefined,
    onError: (error: unknown) => void,
    onOverflow: () => void = () => {},
  ) {
    this.#socket = socket;
    this.#hub = hub;
    this.#stats = stats;
    this.#bucket = hub.rateLimiter();
    this.#handle = handle;
    this.#onError = onError;
    this.#onOverflow = onOverflow;
  }

  /**
   * A data frame of `bytes` payload bytes arrived: handle it now, or after the frames before it.
   * Its bytes count against the byte rate, so big frames slow a client as many small ones do.
   */
  push(frame: Frame, bytes = 0): void {
    this.#stats.bytesIn += bytes;
    if (this.#stopped) return;
    if (this.#busy || this.#rateHold !== null || this.#queue.length > 0) {
      this.#enqueue(frame, bytes);
      return;
    }
    // The common case: nothing pending, so no queueing at all.
    if (this.#bucket.take(bytes)) this.#run(frame);
    else {
      this.#enqueue(frame, bytes);
      this.#holdForRate();
    }
  }

  /**
   * A control frame arrived (already answered by \`ws\`): it takes from the rate budget too, so a
   * ping flood is slowed like any other.
   */
  countControlFrame(bytes = 0): void {
    if (this.#stopped || this.#bucket.take(bytes)) return;
    if (this.#rateHold === null) this.#holdForRate();
  }

  /** Holds later frames until \`work\` settles (e.g. naming a connection before it may chat). */
  waitFor(work: Promise<void>): void {
    this.#settle(work);
  }

  /** The connection is gone: drop queued frames and timers. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    this.#queueBytes.length = 0;
    this.#rateHold?.();
    this.#rateHold = null;
  }

  #enqueue(frame: Frame, bytes: number): void {
    if (this.#queue.length >= MAX_QUEUED_FRAMES) {
      // Only frames of a few bytes each get here (see MAX_QUEUED_FRAMES): nothing a chat client sends.
      this.stop();
      this.#onOverflow();
      return;
    }
    this.#queue.push(frame);
    this.#queueBytes.push(bytes);
  }

  #run(frame: Frame): void {
    let pending: Promise<void> | undefined;
    try {
      pending = this.#handle(frame);
    } catch (error) {
      this.#onError(error);
      return;
    }
    if (pending !== undefined) this.#settle(pending);
  }

  #settle(pending: Promise<void>): void {
    this.#busy = true;
    this.#updatePause();
    pending
      .catch((error: unknown) => this.#onError(error))
      .finally(() => {
        this.#busy = false;
        this.#pump();
      });
  }

  /** Handles queued frames while there is budget and no answer pending. */
  #pump(): void {
    while (!this.#busy && this.#rateHold === null && !this.#stopped && this.#queue.length > 0) {
      if (!this.#bucket.take(this.#queueBytes[0])) {
        this.#holdForRate();
        return;
      }
      this.#queueBytes.shift();
      this.#run(this.#queue.shift()!);
    }
    this.#updatePause();
  }

  /** Over the message rate: stop reading until the budget holds one more message. */
  #holdForRate(): void {
    this.#stats.rateLimited += 1;
    this.#rateHold = this.#hub.clock.setTimeout(() => {
      this.#rateHold = null;
      this.#pump();
    }, this.#bucket.msUntilNext());
    this.#updatePause();
  }

  #updatePause(): void {
    if (this.#stopped) return;
    const pause = this.#busy || this.#rateHold !== null;
    if (pause === this.#paused) return;
    this.#paused = pause;
    if (pause) this.#socket.pause();
    else this.#socket.resume();
  }
}
