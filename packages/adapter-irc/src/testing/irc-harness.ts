import {
  type AccountStore,
  type Clock,
  type Hub,
  type Limits,
  type Logger,
  type RunningAdapter,
  silentLogger,
} from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { ircAdapter } from '../index.ts';
import type { IrcOptions } from '../irc-options.ts';
import { IrcTestClient } from './irc-client.ts';

export interface IrcHarnessOptions {
  limits?: Partial<Limits>;
  clock?: Clock;
  logger?: Logger;
  accounts?: AccountStore;
  options?: Partial<IrcOptions>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A test hub with the IRC adapter on a free port, and the clients opened against it. */
export class IrcHarness {
  readonly hub: Hub;
  readonly server: RunningAdapter;
  readonly #clients: IrcTestClient[] = [];
  #closed = false;

  private constructor(hub: Hub, server: RunningAdapter) {
    this.hub = hub;
    this.server = server;
  }

  static async start(settings: IrcHarnessOptions = {}): Promise<IrcHarness> {
    const { limits, clock, accounts } = settings;
    const logger = settings.logger ?? silentLogger;
    const hub = createTestHub({ limits, logger, ...(clock && { clock }), ...(accounts && { accounts }) });
    const server = await ircAdapter.start({
      hub,
      logger,
      host: '127.0.0.1',
      port: 0,
      options: ircAdapter.optionsSchema.parse(settings.options ?? {}),
    });
    return new IrcHarness(hub, server);
  }

  client(): IrcTestClient {
    const client = new IrcTestClient(this.server.port);
    this.#clients.push(client);
    return client;
  }

  /** A client registered as a guest under `nick`, welcomed and in #main. */
  async guest(nick: string): Promise<IrcTestClient> {
    const client = this.client();
    await client.register(nick);
    return client;
  }

  async activeTexts(): Promise<string[]> {
    return (await this.hub.activeNames()).map((name) => name.text);
  }

  async close(): Promise<void> {
    for (const client of this.#clients) client.socket.destroy();
    if (!this.#closed) await this.server.close();
    this.#closed = true;
    this.hub.close();
  }

  async closeServer(): Promise<void> {
    this.#closed = true;
    await this.server.close();
  }
}
