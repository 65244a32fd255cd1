import { z } from 'zod';
import { DEFAULT_MAX_RECIPIENTS, largestFrameBytes } from './json-ws-codec.ts';

/** Every json-ws setting, with the defaults of SPEC §2; `{}` is a valid configuration. */
export const jsonWsOptionsSchema = z.object({
  /** `hello` must arrive this long after the opening, or the connection closes (4408). */
  helloTimeoutMs: z.number().int().positive().default(10_000),
  /**
   * A plain HTTP connection must send a whole request (or its upgrade) this long after
   * connecting, or after its last response when kept alive; else it is destroyed.
   */
  httpRequestTimeoutMs: z.number().int().positive().default(10_000),
  /** A peer that does not answer the server's close frame within this long is cut off. */
  closeGraceMs: z.number().int().positive().default(2_000),
  /** A connection that sends no frame for this long is closed (4410). */
  idleTimeoutMs: z.number().int().positive().default(180_000),
  /** Longest `text` of a `send_message`, in Unicode code points (inclusive). */
  maxTextCodePoints: z.number().int().positive().default(4096),
  /** Most names in one `send_message` (inclusive); a longer list is refused, not sent. */
  maxRecipients: z.number().int().positive().default(DEFAULT_MAX_RECIPIENTS),
  /**
   * Hard limit of one frame; a bigger one closes the connection with 1009. The limit in force is
   * the smaller of this and the largest frame a valid message needs ({@link frameLimit}).
   */
  maxFrameBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Serve the browser chat (web/index.html) on `GET /` of the same port; off: every plain request gets 426. */
  webChat: z.boolean().default(true),
});

export type JsonWsOptions = z.infer<typeof jsonWsOptionsSchema>;

/** The frame limit in force: the hard limit, or less when the message limits need less. */
export function frameLimit(
  options: Pick<JsonWsOptions, 'maxFrameBytes' | 'maxTextCodePoints' | 'maxRecipients'>,
): number {
  return Math.min(options.maxFrameBytes, largestFrameBytes(options));
}
