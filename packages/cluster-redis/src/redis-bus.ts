import type { Bus, BusEvent } from '@switchboard/core';
import type { Redis } from 'ioredis';
import { decodeBusFrame, encodeBusFrame } from './bus-codec.ts';
import type { RedisClusterStats } from './cluster-stats.ts';
import type { WarnLimiter } from './warn-limiter.ts';

/**
 * The bus on Redis pub/sub: one channel, binary frames. Redis keeps the order of one
 * connection's publishes, and this class adds no queue of its own, so one node's events arrive
 * in the order the hub published them. Frames carry the publisher's node id: a node skips its own.
 */
export class RedisBus implements Bus {
  readonly clustered = true;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #nodeId: string;
  readonly #stats: RedisClusterStats;
  readonly #warn: WarnLimiter;
  #handler: ((event: BusEvent) => void) | null = null;
  #closed = false;

  constructor(
    redis: Redis,
    subscriber: Redis,
    channel: string,
    nodeId: string,
    stats: RedisClusterStats,
    warn: WarnLimiter,
  ) {
    this.#redis = redis;
    this.#subscriber = subscriber;
    this.#channel = channel;
    this.#nodeId = nodeId;
    this.#stats = stats;
    this.#warn = warn;
  }

  /** Subscribes, and subscribes again whenever the subscriber connection comes back. */
  async start(): Promise<void> {
    this.#subscriber.on('messageBuffer', this.#onMessage);
    this.#subscriber.on('ready', this.#resubscribe);
    await this.#subscriber.subscribe(this.#channel);
  }

  publish(event: BusEvent): void {
    if (this.#closed) return;
    // Fail fast while disconnected: a queued event would arrive late and out of its moment.
    if (this.#redis.status !== 'ready') {
      this.#failed(new Error(`Redis connection is ${this.#redis.status}`));
      return;
    }
    this.#redis.publish(this.#channel, encodeBusFrame(this.#nodeId, event)).then(
      () => {
        this.#stats.eventsPublished += 1;
      },
      (error: unknown) => this.#failed(error),
    );
  }

  onEvent(handler: (event: BusEvent) => void): void {
    this.#handler = handler;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = null;
    this.#subscriber.off('messageBuffer', this.#onMessage);
    this.#subscriber.off('ready', this.#resubscribe);
    // Only while connected: the subscriber queues commands offline, and close must not hang on that.
    if (this.#subscriber.status === 'ready')
      await this.#subscriber.unsubscribe(this.#channel).catch(() => {});
  }

  #failed(error: unknown): void {
    this.#stats.publishFailures += 1;
    this.#warn.warn('publish', error, 'cluster bus: publish failed; the event reached this node only');
  }

  readonly #onMessage = (channel: Buffer, message: Buffer): void => {
    if (channel.toString() !== this.#channel) return;
    let frame: ReturnType<typeof decodeBusFrame>;
    try {
      frame = decodeBusFrame(message);
    } catch (error) {
      this.#stats.malformedEvents += 1;
      this.#warn.warn('decode', error, 'cluster bus: dropped a malformed frame');
      return;
    }
    if (frame.nodeId === this.#nodeId) return;
    this.#stats.eventsReceived += 1;
    try {
      this.#handler?.(frame.event);
    } catch (error) {
      this.#warn.warn('handler', error, 'cluster bus: the event handler failed');
    }
  };

  /** Resubscribes after every reconnect (connectRedis turns ioredis's own resubscription off). */
  readonly #resubscribe = (): void => {
    if (this.#closed) return;
    this.#subscriber.subscribe(this.#channel).catch((error: unknown) => {
      this.#warn.warn('subscribe', error, 'cluster bus: resubscribing failed');
    });
  };
}
