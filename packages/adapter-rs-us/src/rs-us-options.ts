import { z } from 'zod';

/** The adapter's settings; every one has a default, so `{}` is a valid configuration. */
export const rsUsOptionsSchema = z.object({
  /** A connection that sends no command for this long gets `timeout` and is closed (seed: 30 min). */
  inactivityTimeoutMs: z.number().int().positive().default(1_800_000),
  /** A connection that has not logged in this long after connecting gets `timeout` and is closed. */
  loginTimeoutMs: z.number().int().positive().default(60_000),
  /** Largest message, counting every byte up to and including U+001E; exactly this is accepted. */
  maxMessageBytes: z.number().int().positive().default(65_536),
});

export type RsUsOptions = z.infer<typeof rsUsOptionsSchema>;
