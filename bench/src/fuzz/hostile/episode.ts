import type { Random } from '../random.ts';
import type { HostileConnection } from './connection.ts';

/** Names the hostile clients use: never a bystander's, so no hostile claim can take theirs over. */
export interface HostileNames {
  /** Guest names (json-ws hello, SOH introductions, sessions client ids). */
  readonly guests: readonly string[];
  /** Registered accounts (tcp-rooms, rs-us logins). */
  readonly accounts: readonly { readonly name: string; readonly password: string }[];
  /** Registered accounts that only ever get wrong passwords, so the login throttle locks them, not `accounts`. */
  readonly decoys: readonly string[];
}

export interface EpisodeContext {
  readonly random: Random;
  readonly names: HostileNames;
  /** Opens a connection to this protocol's port; the runner destroys it when the episode ends. */
  open(): Promise<HostileConnection>;
}

/** One hostile session: opens connections, sends one class of input, and returns. */
export type Episode = (context: EpisodeContext) => Promise<void>;

export interface ProtocolFuzzer {
  readonly protocol: string;
  /** `[weight, name, episode]`: how often each kind of hostile session runs. */
  readonly episodes: readonly (readonly [number, string, Episode])[];
}

const WRITE_BYTES = 64 * 1024;

/**
 * Sends many inputs in writes of about 64 KiB, as a pipelining client would, counting each input
 * once its write went out. Stops when the connection is gone.
 */
export async function sendBatched(
  connection: HostileConnection,
  inputs: Iterable<Uint8Array>,
  inputClass: string,
): Promise<boolean> {
  let batch: Uint8Array[] = [];
  let bytes = 0;
  for (const input of inputs) {
    batch.push(input);
    bytes += input.length;
    if (bytes >= WRITE_BYTES) {
      if (!(await connection.send(Buffer.concat(batch, bytes), batch.length, inputClass))) return false;
      batch = [];
      bytes = 0;
    }
  }
  return batch.length === 0 || connection.send(Buffer.concat(batch, bytes), batch.length, inputClass);
}

/** `count` values of `make(i)`, lazily. */
export function* repeat<T>(count: number, make: (i: number) => T): Generator<T> {
  for (let i = 0; i < count; i++) yield make(i);
}

/** Sends `total` bytes of one over-long input in writes of 64 KiB; counts it as one input. */
export async function sendOversized(
  connection: HostileConnection,
  total: number,
  fill: number,
  inputClass: string,
): Promise<boolean> {
  const chunk = Buffer.alloc(WRITE_BYTES, fill);
  for (let sent = 0; sent < total; sent += chunk.length) {
    const piece = total - sent < chunk.length ? chunk.subarray(0, total - sent) : chunk;
    const last = sent + piece.length >= total;
    if (!(await connection.send(piece, last ? 1 : 0, inputClass))) return false;
  }
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
