import type { Socket } from 'node:net';
import {
  type CancelTimer,
  type ChatMessage,
  type CoarseTimer,
  checkByteName,
  type Hub,
  isServiceUnavailable,
  type Logger,
  Name,
  type Session,
  type SessionSink,
  type TokenBucket,
} from '@switchboard/core';
import { encodeSohDelivery, SohFieldDecoder } from './soh-codec.ts';

export interface SohConnectionOptions {
  maxFieldBytes: number;
  nameTimeoutMs: number;
}

/** Module-level so every SOH recipient of a message shares one encoded frame. */
const encodeDelivery = (message: ChatMessage): Buffer =>
  encodeSohDelivery(message.sender.bytes, message.bytes);

/**
 * The shortest wait once over the rate: tokens then come back in batches, so a client flooding at
 * its limit costs one timer per batch instead of one per message.
 */
const MIN_THROTTLE_MS = 25;

/**
 * Whether the peer's EOF has been read, even while the socket is paused and Node has not emitted
 * `end` yet. Node keeps reading a paused socket up to its high-water mark, and it has no public
 * flag for "EOF read but not emitted", so this looks at the stream's own state.
 */
function peerHasEnded(socket: Socket): boolean {
  const state = (socket as unknown as { _readableState?: { ended?: boolean } })._readableState;
  return socket.readableEnded || state?.ended === true;
}

/**
 * One client: the first field is its name, then (receiver, text) pairs. Fields are decoded one at
 * a time and handled as they come, strictly in order. While a wait is on (the name claim, or the
 * rate limit) reading pauses and the rest of the latest chunk is kept as it came, undecoded: a
 * connection holds at most one chunk and one receiver, whatever it sends.
 *
 * After the client's EOF or a reset, what it sent whole is still handled as far as its rate allows
 * at once (and behind a pending name claim); nothing of it waits for the rate limit, so nothing of
 * a gone client arrives later. Nothing is ever written but deliveries.
 */
export class SohConnection implements SessionSink {
  readonly #socket: Socket;
  readonly #hub: Hub;
  readonly #logger: Logger;
  readonly #decoder: SohFieldDecoder;
  readonly #bucket: TokenBucket;
  readonly #session: Session | null;
  /** The undecoded rest of the latest chunk, from `#restAt`; null when all of it is decoded. */
  #rest: Buffer | null = null;
  #restAt = 0;
  /** Bytes read and not yet paid to the byte budget. */
  #unpaid = 0;
  #named = false;
  #receiver: Buffer | null = null;
  #claiming = false;
  #throttled: CancelTimer | null = null;
  #nameDeadline: CoarseTimer | null = null;
  /** No more input will come (EOF, reset, or a field over the limit). */
  #inputEnded = false;
  #finished = false;

  /** `address`: the client's, from the edge (a trusted proxy's PROXY header, else the peer). */
  constructor(socket: Socket, hub: Hub, logger: Logger, options: SohConnectionOptions, address: string) {
    this.#socket = socket;
    this.#hub = hub;
    this.#logger = logger;
    this.#decoder = new SohFieldDecoder(options.maxFieldBytes);
    this.#bucket = hub.rateLimiter();
    socket.on('error', (error) => logger.debug({ err: error }, 'soh connection error'));
    this.#session = hub.open('soh', address, this);
    if (!this.#session) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    // SOH has no ping: let TCP notice a peer that vanished, so its name does not linger.
    socket.setKeepAlive(true, 60_000);
    // SOH cannot say why: a client that has not named itself in time is simply closed.
    this.#nameDeadline = hub.timers.schedule(options.nameTimeoutMs, () => this.drop());
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#endInput());
    socket.on('close', () => this.#endInput());
  }

  deliver(message: ChatMessage): void {
    if (!this.#socket.writable) return;
    const frame = message.encoded(encodeDelivery);
    this.#socket.write(frame);
    const stats = this.#session!.stats;
    stats.bytesOut += frame.length;
    if (this.#socket.writableLength > this.#hub.limits.maxQueuedBytes) {
      stats.slowReaderDrops += 1;
      this.drop();
    }
  }

  /** A newer connection took the name; SOH cannot say so, it can only close. */
  replaced(): void {
    this.drop();
  }

  /** An administrator disconnected this name; SOH has no word for it: deliveries flushed, closed. */
  disconnected(): void {
    this.shutdown();
  }

  /** Graceful close: pending deliveries are flushed, then the stream ends. */
  shutdown(): void {
    this.#finish();
    this.#socket.end();
  }

  drop(): void {
    this.#finish();
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#session!.stats.bytesIn += chunk.length;
    if (this.#finished) return;
    // Reading pauses during a wait, so a chunk rarely lands on a held rest; if one does, the two
    // are kept as one buffer, still undecoded.
    this.#rest = this.#rest === null ? chunk : Buffer.concat([this.#rest.subarray(this.#restAt), chunk]);
    this.#restAt = 0;
    this.#pump();
  }

  #endInput(): void {
    // A field cut by EOF or a reset stays in the decoder and is simply never handled.
    this.#inputEnded = true;
    if (this.#throttled) this.drop();
    else this.#pump();
  }

  /** Decodes and handles fields until the input runs out or a wait begins. */
  #pump(): void {
    while (!this.#finished && !this.#claiming && !this.#throttled && this.#rest !== null) {
      const rest = this.#rest;
      const field = this.#decoder.next(rest, this.#restAt);
      const at = this.#decoder.offset;
      this.#unpaid += at - this.#restAt;
      if (at < rest.length) {
        this.#restAt = at;
      } else {
        this.#rest = null;
        this.#restAt = 0;
      }
      if (field !== null) {
        this.#onField(field);
      } else if (this.#decoder.failed) {
        // The only way the decoder fails: a field over the limit.
        this.#session!.stats.oversized += 1;
        this.drop();
        return;
      } else {
        this.#chargeUnfinished();
      }
    }
    if (this.#finished) return;
    if (this.#claiming || this.#throttled) this.#socket.pause();
    else if (!this.#inputEnded) this.#socket.resume();
    else this.#finish();
  }

  #onField(field: Buffer): void {
    if (!this.#named) {
      this.#named = true;
      this.#nameDeadline?.cancel();
      this.#claim(field);
    } else if (this.#receiver === null) {
      this.#receiver = field;
    } else {
      const receiver = this.#receiver;
      this.#receiver = null;
      this.#send(receiver, field);
    }
  }

  #claim(name: Buffer): void {
    if (checkByteName(name) !== null) {
      this.drop();
      return;
    }
    this.#bucket.charge(this.#unpaid);
    this.#unpaid = 0;
    this.#claiming = true;
    this.#session!.claimGuest(Name.fromBytes(name)).then(
      (result) => {
        this.#claiming = false;
        if (result === 'ok') this.#pump();
        else this.drop();
      },
      (error: unknown) => {
        this.#claiming = false;
        // The hub warns once per interval about an unreachable store; SOH can only close.
        if (isServiceUnavailable(error)) this.#logger.debug({ err: error }, 'soh name claim refused');
        else this.#logger.error({ err: error }, 'soh name claim failed');
        this.drop();
      },
    );
  }

  #send(receiver: Buffer, text: Buffer): void {
    // A receiver that cannot be a name cannot be active: dropped like any absent one.
    if (checkByteName(receiver) === null) {
      this.#session!.sendDirect([Name.fromBytes(receiver)], text).catch((error: unknown) => {
        this.#logger.error({ err: error }, 'soh send failed');
      });
    }
    const paid = this.#bucket.take(this.#unpaid);
    this.#unpaid = 0;
    // Over the rate, the message that was read is still sent; it is paid for after the wait.
    if (!paid) this.#throttle(true);
  }

  /** Bytes of a field still arriving count too, so a slow giant field is held to the byte rate. */
  #chargeUnfinished(): void {
    if (this.#unpaid === 0) return;
    this.#bucket.charge(this.#unpaid);
    this.#unpaid = 0;
    if (this.#bucket.exhausted) this.#throttle(false);
  }

  /** Stops reading until the budget is back; a client that has gone is not waited for. */
  #throttle(owesMessage: boolean): void {
    this.#session!.stats.rateLimited += 1;
    if (this.#inputEnded || peerHasEnded(this.#socket)) this.drop();
    else this.#wait(owesMessage);
  }

  #wait(owesMessage: boolean): void {
    this.#throttled = this.#hub.clock.setTimeout(
      () => {
        this.#throttled = null;
        if (peerHasEnded(this.#socket)) return this.drop();
        const ready = owesMessage ? this.#bucket.take() : !this.#bucket.exhausted;
        if (ready) this.#pump();
        else this.#wait(owesMessage);
      },
      Math.max(MIN_THROTTLE_MS, this.#bucket.msUntilNext()),
    );
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#throttled?.();
    this.#throttled = null;
    this.#nameDeadline?.cancel();
    this.#rest = null;
    this.#receiver = null;
    this.#session?.close();
  }
}
