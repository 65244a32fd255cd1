import { connect, type Socket } from 'node:net';
import {
  type AccountStore,
  type Clock,
  type Hub,
  type Limits,
  type Logger,
  Name,
  type RunningAdapter,
  silentLogger,
} from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { sohAdapter } from '../index.ts';
import { encodeSohFields, SohFieldDecoder } from '../soh-codec.ts';

export type Bytes = string | Uint8Array;

const toBuffer = (value: Bytes): Buffer =>
  typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A raw SOH client over a real socket that records every byte it receives. */
export class SohClient {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #chunks: Buffer[] = [];
  #isClosed = false;

  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.setNoDelay(true);
    // Resets and refusals are part of what the tests provoke.
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk: Buffer) => this.#chunks.push(chunk));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.#isClosed = true;
        resolve();
      }),
    );
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Every byte received so far. */
  get received(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  /** The deliveries received so far as [sender, text] pairs (latin1, so every byte shows). */
  get deliveries(): [string, string][] {
    const fields = new SohFieldDecoder(Number.MAX_SAFE_INTEGER).push(this.received);
    const pairs: [string, string][] = [];
    for (let index = 0; index + 1 < fields.length; index += 2) {
      pairs.push([fields[index]!.toString('latin1'), fields[index + 1]!.toString('latin1')]);
    }
    return pairs;
  }

  /** Writes each field followed by 0x01. */
  send(...fields: Bytes[]): void {
    this.socket.write(encodeSohFields(fields.map(toBuffer)));
  }

  write(raw: Bytes): void {
    this.socket.write(toBuffer(raw));
  }

  async waitForDeliveries(count: number, timeoutMs?: number): Promise<[string, string][]> {
    await waitFor(`${count} deliveries`, () => this.deliveries.length >= count, timeoutMs);
    return this.deliveries;
  }

  async waitClosed(timeoutMs = 5_000): Promise<void> {
    await waitFor('the connection to close', () => this.#isClosed, timeoutMs);
  }
}

export interface HarnessOptions {
  limits?: Partial<Limits>;
  maxFieldBytes?: number;
  nameTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
  accounts?: AccountStore;
}

/** A test hub with the SOH adapter on a free port, and the clients opened against it. */
export class SohHarness {
  readonly hub: Hub;
  readonly server: RunningAdapter;
  readonly #clients: SohClient[] = [];
  #closed = false;

  private constructor(hub: Hub, server: RunningAdapter) {
    this.hub = hub;
    this.server = server;
  }

  static async start(options: HarnessOptions = {}): Promise<SohHarness> {
    const { limits, clock, accounts, maxFieldBytes, nameTimeoutMs } = options;
    const logger = options.logger ?? silentLogger;
    const hub = createTestHub({ limits, logger, ...(clock && { clock }), ...(accounts && { accounts }) });
    const parsed = sohAdapter.optionsSchema.parse({ maxFieldBytes, nameTimeoutMs });
    const server = await sohAdapter.start({
      hub,
      logger,
      host: '127.0.0.1',
      port: 0,
      options: parsed,
    });
    return new SohHarness(hub, server);
  }

  client(): SohClient {
    const client = new SohClient(this.server.port);
    this.#clients.push(client);
    return client;
  }

  /** Connects, introduces itself as `name` and waits until the name is active. */
  async join(name: Bytes): Promise<SohClient> {
    const client = this.client();
    client.send(name);
    await waitFor(`${String(name)} to be active`, () => this.isActive(name));
    return client;
  }

  async isActive(name: Bytes): Promise<boolean> {
    const key = Name.fromBytes(toBuffer(name)).key;
    return (await this.hub.activeNames()).some((active) => active.key === key);
  }

  async close(): Promise<void> {
    for (const client of this.#clients) client.socket.destroy();
    if (!this.#closed) await this.server.close();
    this.#closed = true;
    this.hub.close();
  }

  /** Closes the adapter gracefully (the test of it), remembering not to close it again. */
  async closeServer(): Promise<void> {
    this.#closed = true;
    await this.server.close();
  }
}
