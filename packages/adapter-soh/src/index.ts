import { defineAdapter } from '@switchboard/core';
import { z } from 'zod';
import { type SohOptions, startSohServer } from './soh-adapter.ts';
import { DEFAULT_MAX_FIELD_BYTES } from './soh-codec.ts';

export type { SohOptions } from './soh-adapter.ts';
export {
  DEFAULT_MAX_FIELD_BYTES,
  encodeSohDelivery,
  encodeSohFields,
  SOH,
  SohFieldDecoder,
} from './soh-codec.ts';

/** Long enough for a slow link or a person at nc, short enough that idle sockets do not pile up. */
export const DEFAULT_NAME_TIMEOUT_MS = 10_000;

export const sohOptionsSchema = z.object({
  maxFieldBytes: z.number().int().positive().default(DEFAULT_MAX_FIELD_BYTES),
  /** A client that has not sent its whole name this long after connecting is closed. */
  nameTimeoutMs: z.number().int().positive().default(DEFAULT_NAME_TIMEOUT_MS),
});

/** Raw TCP chat framed by 0x01 (seed 004): a name, then `RECEIVER 0x01 TEXT 0x01` pairs. */
export const sohAdapter = defineAdapter<SohOptions>({
  name: 'soh',
  defaultPort: 7878,
  optionsSchema: sohOptionsSchema,
  start: startSohServer,
});
