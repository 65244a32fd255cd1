import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.ts';

export type ScriptArg = string | Buffer | number;

/**
 * A Lua script run by its SHA, loaded on first use (and again after a Redis restart emptied the
 * script cache). Replies keep bulk strings as Buffers: names are bytes.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;
  readonly #ordered: boolean;

  /**
   * `ordered`: always EVAL, never EVALSHA. A run that meets NOSCRIPT is sent again later, after
   * runs issued meanwhile: for a script whose runs must execute in the order they were issued
   * (numbered presence changes), that retry would let a later run overtake an earlier one.
   */
  constructor(source: string, { ordered = false }: { ordered?: boolean } = {}) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
    this.#ordered = ordered;
  }

  async run(
    redis: RedisClient,
    keys: readonly ScriptArg[],
    args: readonly ScriptArg[] = [],
  ): Promise<unknown> {
    if (this.#ordered) return redis.callBuffer('EVAL', [this.#source, keys.length, ...keys, ...args]);
    try {
      return await redis.callBuffer('EVALSHA', [this.#sha, keys.length, ...keys, ...args]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.callBuffer('EVAL', [this.#source, keys.length, ...keys, ...args]);
    }
  }
}

/** Narrows a script's array reply of bulk strings. */
export function bufferList(reply: unknown): Buffer[] {
  if (!Array.isArray(reply) || !reply.every((item) => Buffer.isBuffer(item))) {
    throw new TypeError('unexpected reply from a Redis script');
  }
  return reply;
}
