import { DEFAULT_MAX_RECIPIENTS } from '@switchboard/adapter-json-ws';
import { MAX_NAME_BYTES } from '@switchboard/core';
import { z } from 'zod';

/** Every sessions setting, with the defaults of SPEC §6; `{}` is a valid configuration. */
export const sessionsOptionsSchema = z.object({
  /** A client that sent nothing (no frame, no ping, no pong) for this long gets a ping. */
  pingIntervalMs: z.number().int().positive().default(5_000),
  /** A pinged client that stays silent this long is cut off and its session deleted. */
  pongTimeoutMs: z.number().int().positive().default(5_000),
  /** Longest `client_id` in UTF-8 bytes (inclusive); a client id is a chat name, so at most 256. */
  maxClientIdBytes: z.number().int().positive().max(MAX_NAME_BYTES).default(MAX_NAME_BYTES),
  /** Longest `text` of a json-ws `send_message`, in Unicode code points (inclusive). */
  maxTextCodePoints: z.number().int().positive().default(4096),
  /** Most names in one `send_message` (inclusive); a longer list is refused, not sent. */
  maxRecipients: z.number().int().positive().default(DEFAULT_MAX_RECIPIENTS),
  /**
   * Hard limit of one frame; a bigger one closes the connection with 1009. The limit in force is
   * the smaller of this and the largest frame a valid message needs (json-ws's `frameLimit`).
   */
  maxFrameBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
});

export type SessionsOptions = z.infer<typeof sessionsOptionsSchema>;
