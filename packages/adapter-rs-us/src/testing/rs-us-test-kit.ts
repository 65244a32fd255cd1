import { connect, type Socket } from 'node:net';
import { type ChatMessage, type Hub, Name, type Session, silentLogger } from '@switchboard/core';
import { createTestHub, type TestHubOptions } from '@switchboard/core/testing';
import { rsUsAdapter } from '../rs-us-adapter.ts';
import { type RsUsOptions, rsUsOptionsSchema } from '../rs-us-options.ts';

export const RS = '\u001e';
export const US = '\u001f';

/** A message as the plain form writes it: `a␟b␞`. */
export const plain = (...parts: string[]): string => parts.join(US) + RS;
/** A message as the trailing form writes it: `a␟b␟␞`. */
export const trailing = (...parts: string[]): string => parts.join(US) + US + RS;

/** A raw TCP client that collects the server's messages whole, exactly as sent (U+001E kept). */
export class RsUsTestClient {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #buffer = Buffer.alloc(0);
  readonly #messages: string[] = [];
  #waiter: (() => void) | null = null;
  #isClosed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      let end = this.#buffer.indexOf(0x1e);
      while (end !== -1) {
        this.#messages.push(this.#buffer.subarray(0, end + 1).toString('utf8'));
        this.#buffer = this.#buffer.subarray(end + 1);
        end = this.#buffer.indexOf(0x1e);
      }
      this.#wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true;
        this.#wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RsUsTestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RsUsTestClient(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** The next whole message from the server, with its U+001E. */
  async next(timeoutMs = 3_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#messages.length === 0) {
      if (this.#isClosed) throw new Error('connection closed while waiting for a message');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message from the server in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.#messages.shift()!;
  }

  /** Sends one message and returns the next message from the server. */
  async ask(message: string | Uint8Array): Promise<string> {
    this.write(message);
    return this.next();
  }

  /** Resolves true if nothing arrives for `ms` (and leaves the queue as it was). */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.#messages.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.#messages.length === before;
  }

  /** Waits until the server closed the connection. */
  async waitClosed(timeoutMs = 3_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closed,
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the server did not close the connection')), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Messages received and not yet read. */
  get unread(): readonly string[] {
    return this.#messages;
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }
}

/** A core session opened straight on the hub, standing in for a user of another protocol. */
export class OtherProtocolUser {
  readonly session: Session;
  readonly received: ChatMessage[] = [];

  constructor(hub: Hub, protocol = 'other') {
    const session = hub.open(protocol, '10.0.0.1', {
      deliver: (message) => this.received.push(message),
      replaced: () => {},
    });
    if (!session) throw new Error('connection limit reached');
    this.session = session;
  }

  async claim(name: string | Buffer): Promise<this> {
    const result = await this.session.claimGuest(
      typeof name === 'string' ? Name.fromText(name) : Name.fromBytes(name),
    );
    if (result !== 'ok') throw new Error(`claim failed: ${result}`);
    return this;
  }
}

export interface RsUsTestServer {
  hub: Hub;
  port: number;
  connect(): Promise<RsUsTestClient>;
  /** Connects and logs in; the account must exist. */
  login(name: string, password?: string): Promise<RsUsTestClient>;
  /** Stops the adapter only (its graceful close), leaving the clients to watch it happen. */
  shutdown(): Promise<void>;
  /** Destroys every client, stops the adapter and the hub. */
  close(): Promise<void>;
}

/** A test hub with the adapter on a free port; `close()` stops both and every client. */
export async function startRsUs(
  options: Partial<RsUsOptions> = {},
  hubOptions: TestHubOptions = {},
): Promise<RsUsTestServer> {
  const hub = createTestHub(hubOptions);
  const running = await rsUsAdapter.start({
    hub,
    logger: silentLogger,
    host: '127.0.0.1',
    port: 0,
    options: rsUsOptionsSchema.parse(options),
  });
  const clients: RsUsTestClient[] = [];
  let stopped = false;
  let adapterStopped = false;
  const server: RsUsTestServer = {
    hub,
    port: running.port,
    async connect() {
      const client = await RsUsTestClient.connect(running.port);
      clients.push(client);
      return client;
    },
    async login(name, password = 'pw') {
      const client = await server.connect();
      const reply = await client.ask(plain('login', name, password));
      if (reply !== plain('login_valid'))
        throw new Error(`login of ${name} failed: ${JSON.stringify(reply)}`);
      return client;
    },
    async shutdown() {
      if (adapterStopped) return;
      adapterStopped = true;
      await running.close();
    },
    async close() {
      if (stopped) return;
      stopped = true;
      for (const client of clients) client.close();
      await server.shutdown();
      hub.close();
    },
  };
  return server;
}

export async function addAccounts(hub: Hub, ...names: string[]): Promise<void> {
  for (const name of names) await hub.addAccount(Name.fromText(name), 'pw');
}
