import type { Hub, Logger, RunningAdapter } from '@switchboard/core';
import { createTestHub, FakeClock, type TestHubOptions } from '@switchboard/core/testing';
import { expect } from 'vitest';
import { tcpRoomsAdapter } from '../tcp-rooms-adapter.ts';
import { tcpRoomsOptionsSchema } from '../tcp-rooms-options.ts';
import { LineClient } from './line-client.ts';

/** 2026-01-01 12:34:56 UTC: with `timeZone: 'UTC'`, every message shows `(12:34)`. */
export const FIXED_TIME = Date.UTC(2026, 0, 1, 12, 34, 56);

/** A logger that keeps what it is given, to check what is (and is not) logged. */
export class RecordingLogger implements Logger {
  readonly entries: Array<{ level: string; obj: object; msg: string | undefined }> = [];
  debug(obj: object, msg?: string) {
    this.entries.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg?: string) {
    this.entries.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string) {
    this.entries.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string) {
    this.entries.push({ level: 'error', obj, msg });
  }
  child(): Logger {
    return this;
  }
}

export interface HarnessOptions {
  /** A ready hub (e.g. over SQLite); otherwise a test hub on a fake clock is made. */
  hub?: Hub;
  hubOptions?: TestHubOptions;
  /** Adapter options before defaults; `timeZone` defaults to UTC here. */
  options?: Record<string, unknown>;
  logger?: Logger;
}

/** One adapter on a real port, its hub, and the clients a test opened (closed with it). */
export class Harness {
  readonly hub: Hub;
  readonly adapter: RunningAdapter;
  readonly clients: LineClient[] = [];

  private constructor(hub: Hub, adapter: RunningAdapter) {
    this.hub = hub;
    this.adapter = adapter;
  }

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const hub = options.hub ?? createTestHub({ clock: new FakeClock(FIXED_TIME), ...options.hubOptions });
    const adapter = await tcpRoomsAdapter.start({
      hub,
      logger: options.logger ?? new RecordingLogger(),
      host: '127.0.0.1',
      port: 0,
      options: tcpRoomsOptionsSchema.parse({ timeZone: 'UTC', ...options.options }),
    });
    return new Harness(hub, adapter);
  }

  get port(): number {
    return this.adapter.port;
  }

  /** A connected client that has already read `Enter your nickname:`. */
  async connect(): Promise<LineClient> {
    const client = await LineClient.open(this.port);
    this.clients.push(client);
    expect(await client.nextLine()).toBe('Enter your nickname:');
    return client;
  }

  async signUp(nick: string, password = `${nick}-secret`): Promise<LineClient> {
    const client = await this.connect();
    client.send(nick);
    expect(await client.nextLine()).toBe('New nickname. Choose a password:');
    client.send(password);
    expect(await client.nextLine()).toBe('Repeat the password:');
    client.send(password);
    expect(await client.nextLine()).toBe(`Registered. Welcome, ${nick}!`);
    return client;
  }

  async logIn(nick: string, password = `${nick}-secret`): Promise<LineClient> {
    const client = await this.connect();
    client.send(nick);
    expect(await client.nextLine()).toBe('Password:');
    client.send(password);
    expect(await client.nextLine()).toBe(`Welcome back, ${nick}!`);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.destroy();
    await this.adapter.close();
    this.hub.close();
  }
}

/**
 * Proves nothing else was delivered to `client` before now: a `/who` answer is the very next
 * line (deliveries are written synchronously, so anything sent earlier would come first).
 */
export async function expectNothingPending(client: LineClient): Promise<void> {
  client.send('/who');
  expect(await client.nextLine()).toMatch(/^Online: /);
}
