import { z } from 'zod';
import { DEFAULT_MAX_FIELD_BYTES } from './soh-codec.ts';

/** Long enough for a slow link or a person at nc, short enough that idle sockets do not pile up. */
export const DEFAULT_NAME_TIMEOUT_MS = 10_000;

export const sohOptionsSchema = z.object({
  /** Longest field (name, receiver or text) in bytes, inclusive; a longer one closes the connection. */
  maxFieldBytes: z.number().int().positive().default(DEFAULT_MAX_FIELD_BYTES),
  /** A client that has not sent its whole name this long after connecting is closed. */
  nameTimeoutMs: z.number().int().positive().default(DEFAULT_NAME_TIMEOUT_MS),
});

export type SohOptions = z.infer<typeof sohOptionsSchema>;
