import type { AdminChannel, AdminEvent } from '@switchboard/core';
import type { RedisClient } from './redis-client.ts';
import type { WarnLimiter } from './warn-limiter.ts';

export interface RedisAdminChannelOptions {
  nodeId: string;
  /** `{p}`: requests go on `{p}admin`, replies on `{p}admin:{node id}`. */
  prefix: string;
  /** Sharded pub/sub (a Redis Cluster). */
  sharded: boolean;
  /** The other live nodes, as the presence mirror knows them. */
  peers: () => Iterable<string>;
}

/**
 * Requests and replies of the server API on Redis pub/sub, on channels of their own beside the
 * bus: rare, small JSON frames that need no order with the chat's messages. A request goes to the
 * channel every node listens on, a reply to the asker's own channel.
 */
export class RedisAdminChannel implements AdminChannel {
  readonly #redis: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #warn: WarnLimiter;
  readonly #options: RedisAdminChannelOptions;
  readonly #requests: string;
  readonly #replies: string;
  #handler: ((event: AdminEvent) => void) | null = null;
  #closed = false;

  constructor(
    redis: RedisClient,
    subscriber: RedisClient,
    warn: WarnLimiter,
    options: RedisAdminChannelOptions,
  ) {
    this.#redis = redis;
    this.#subscriber = subscriber;
    this.#warn = warn;
    this.#options = options;
    this.#requests = `${options.prefix}admin`;
    this.#replies = `${options.prefix}admin:${options.nodeId}`;
  }

  async start(): Promise<void> {
    this.#subscriber.on('messageBuffer', this.#onMessage);
    this.#subscriber.on('smessageBuffer', this.#onMessage);
    this.#subscriber.on('ready', this.#resubscribe);
    await this.#subscribe();
  }

  publish(event: AdminEvent): void {
    if (this.#closed) return;
    const channel = event.kind === 'request' ? this.#requests : `${this.#options.prefix}admin:${event.to}`;
    const frame = JSON.stringify(event);
    const sent = this.#options.sharded
      ? this.#redis.spublish(channel, frame)
      : this.#redis.publish(channel, frame);
    // A lost request or reply shows as a gateway missing from the answer; the log says why.
    sent.catch((error: unknown) =>
      this.#warn.warn('admin', error, 'cluster: an administrative request failed'),
    );
  }

  onEvent(handler: (event: AdminEvent) => void): void {
    this.#handler = handler;
  }

  peers(): readonly string[] {
    return [...this.#options.peers()].filter((id) => id !== this.#options.nodeId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = null;
    this.#subscriber.off('messageBuffer', this.#onMessage);
    this.#subscriber.off('smessageBuffer', this.#onMessage);
    this.#subscriber.off('ready', this.#resubscribe);
    if (this.#subscriber.status !== 'ready') return;
    const channels = [this.#requests, this.#replies];
    await (this.#options.sharded
      ? Promise.all(channels.map((channel) => this.#subscriber.sunsubscribe(channel)))
      : this.#subscriber.unsubscribe(...channels)
    ).catch(() => {});
  }

  readonly #onMessage = (channelBytes: Buffer, message: Buffer): void => {
    const channel = channelBytes.toString();
    if (channel !== this.#requests && channel !== this.#replies) return;
    let event: AdminEvent;
    try {
      event = JSON.parse(message.toString('utf8')) as AdminEvent;
    } catch (error) {
      this.#warn.warn('admin-frame', error, 'cluster: dropped a malformed administrative frame');
      return;
    }
    const wellFormed =
      typeof event === 'object' &&
      event !== null &&
      (event.kind === 'request' || event.kind === 'reply') &&
      typeof event.from === 'string' &&
      typeof event.id === 'number' &&
      typeof event.body === 'string';
    if (!wellFormed) {
      this.#warn.warn('admin-frame', null, 'cluster: dropped a malformed administrative frame');
      return;
    }
    this.#handler?.(event);
  };

  async #subscribe(): Promise<void> {
    const channels = [this.#requests, this.#replies];
    if (this.#options.sharded)
      await Promise.all(channels.map((channel) => this.#subscriber.ssubscribe(channel)));
    else await this.#subscriber.subscribe(...channels);
  }

  readonly #resubscribe = (): void => {
    if (this.#closed) return;
    this.#subscribe().catch((error: unknown) =>
      this.#warn.warn('admin-subscribe', error, 'cluster: resubscribing to administrative requests failed'),
    );
  };
}
