import { createServer, type Server, type Socket } from 'node:net';
import {
  type AdapterStartContext,
  type CancelTimer,
  type ChatMessage,
  checkByteName,
  type Hub,
  type Logger,
  Name,
  type RunningAdapter,
  type Session,
  type SessionSink,
  type TokenBucket,
} from '@switchboard/core';
import { encodeSohDelivery, SohFieldDecoder } from './soh-codec.ts';

export interface SohOptions {
  /** Longest field (name, receiver or text) in bytes, inclusive; a longer one closes the connection. */
  maxFieldBytes: number;
}

/** How long graceful close waits for clients to take their last deliveries before destroying them. */
const SHUTDOWN_GRACE_MS = 1_000;

/** Module-level so every SOH recipient of a message shares one encoded frame. */
const encodeDelivery = (message: ChatMessage): Buffer =>
  encodeSohDelivery(message.sender.bytes, message.bytes);

/** Serves SOH clients on a TCP port until close(). */
export async function startSohServer(context: AdapterStartContext<SohOptions>): Promise<RunningAdapter> {
  const { hub, logger, host, port, options } = context;
  const connections = new Set<SohConnection>();
  const server = createServer((socket) => {
    const connection = new SohConnection(socket, hub, logger, options.maxFieldBytes);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  await listen(server, host, port);
  server.on('error', (error) => logger.error({ err: error }, 'soh server error'));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // SOH has no word for goodbye: ending the stream after the last delivery is all it can say.
      for (const connection of connections) connection.shutdown();
      const stragglers = setTimeout(() => {
        for (const connection of connections) connection.drop();
      }, SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(stragglers);
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * One client: the first field is its name, then (receiver, text) pairs. Fields are handled strictly
 * in order: while the name claim is pending or the rate limit holds, reading pauses and fields
 * already decoded wait in `#fields`. Nothing is ever written but deliveries.
 */
class SohConnection implements SessionSink {
  readonly #socket: Socket;
  readonly #hub: Hub;
  readonly #logger: Logger;
  readonly #decoder: SohFieldDecoder;
  readonly #bucket: TokenBucket;
  readonly #session: Session | null;
  /** Decoded fields not handled yet; `#next` is the first of them. */
  #fields: Buffer[] = [];
  #next = 0;
  #named = false;
  #receiver: Buffer | null = null;
  #claiming = false;
  #throttled: CancelTimer | null = null;
  /** No more input will come (EOF, reset, or a field over the limit). */
  #inputEnded = false;
  #finished = false;

  constructor(socket: Socket, hub: Hub, logger: Logger, maxFieldBytes: number) {
    this.#socket = socket;
    this.#hub = hub;
    this.#logger = logger;
    this.#decoder = new SohFieldDecoder(maxFieldBytes);
    this.#bucket = hub.rateLimiter();
    socket.on('error', (error) => logger.debug({ err: error }, 'soh connection error'));
    this.#session = hub.open('soh', socket.remoteAddress ?? '', this);
    if (!this.#session) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    // SOH has no ping: let TCP notice a peer that vanished, so its name does not linger.
    socket.setKeepAlive(true, 60_000);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#endInput());
    socket.on('close', () => this.#endInput());
  }

  deliver(message: ChatMessage): void {
    if (!this.#socket.writable) return;
    this.#socket.write(message.encoded(encodeDelivery));
    if (this.#socket.writableLength > this.#hub.limits.maxQueuedBytes) {
      this.#hub.stats.slowReaderDrops += 1;
      this.drop();
    }
  }

  /** A newer connection took the name; SOH cannot say so, it can only close. */
  replaced(): void {
    this.drop();
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
    if (this.#finished) return;
    for (const field of this.#decoder.push(chunk)) this.#fields.push(field);
    if (this.#decoder.failed) {
      // The fields ended before the oversized one were whole: they are still handled.
      this.#socket.destroy();
      this.#inputEnded = true;
    }
    this.#pump();
  }

  #endInput(): void {
    // A field cut by EOF or a reset stays in the decoder and is simply never handled.
    this.#inputEnded = true;
    this.#pump();
  }

  #pump(): void {
    while (!this.#finished && !this.#claiming && !this.#throttled && this.#next < this.#fields.length) {
      this.#onField(this.#fields[this.#next++]!);
    }
    if (this.#next === this.#fields.length) {
      this.#fields = [];
      this.#next = 0;
    }
    if (this.#finished) return;
    if (this.#claiming || this.#throttled) this.#socket.pause();
    else if (!this.#inputEnded) this.#socket.resume();
    else if (this.#fields.length === 0) this.#finish();
  }

  #onField(field: Buffer): void {
    if (!this.#named) {
      this.#named = true;
      this.#claim(field);
    } else if (this.#receiver === null) {
      this.#receiver = field;
    } else {
      this.#send(this.#receiver, field);
      this.#receiver = null;
    }
  }

  #claim(name: Buffer): void {
    if (checkByteName(name) !== null) {
      this.drop();
      return;
    }
    this.#claiming = true;
    this.#session!.claimGuest(Name.fromBytes(name)).then(
      (result) => {
        this.#claiming = false;
        if (result === 'ok') this.#pump();
        else this.drop();
      },
      (error: unknown) => {
        this.#logger.error({ err: error }, 'soh name claim failed');
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
    if (!this.#bucket.take()) {
      this.#hub.stats.rateLimited += 1;
      this.#waitForToken();
    }
  }

  /** The message over the rate was sent anyway; reading stops until the token it owes is paid. */
  #waitForToken(): void {
    this.#throttled = this.#hub.clock.setTimeout(() => {
      if (!this.#bucket.take()) return this.#waitForToken();
      this.#throttled = null;
      this.#pump();
    }, this.#bucket.msUntilNext());
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#throttled?.();
    this.#throttled = null;
    this.#fields = [];
    this.#session?.close();
  }
}
