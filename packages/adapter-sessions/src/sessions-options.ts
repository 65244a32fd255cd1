import { DEFAULT_MAX_RECIPIENTS } from '@switchboard/adapter-json-ws';
import { MAX_NAME_BYTES } from '@switchboard/core';
import { z } from 'zod';

/** Every sessions setting, with the defaults of SPEC §6; `{}` is a valid configuration. */
export const sessionsOptionsSchema = z.object({
  /** A client that sent nothing (no frame, no ping, no pong) for this long gets a ping. */
  pingIntervalMs: z.number().int().positive().default(5_000),
  /** A pinged client that stays silent this long is cut off and its session deleted. */
  pongTimeoutMs: z.number().int().positive().default(5_000),
  /**
   * A plain HTTP connection must send a whole request (or its upgrade) this long after
   * connecting, or after its last response when kept alive; else it is destroyed.
   */
  httpRequestTimeoutMs: z.number().int().positive().default(10_000),
  /**
   * An upgrade must become a session (the registered-name check, then the claim) within this
   * long: a store that hangs gets the client a 503 before the upgrade, or close 1013 after it.
   */
  upgradeTimeoutMs: z.number().int().positive().default(10_000),
  /** A peer that does not answer the server's close frame (or a refusal) within this long is cut off. */
  closeGraceMs: z.number().int().positive().default(2_000),
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
