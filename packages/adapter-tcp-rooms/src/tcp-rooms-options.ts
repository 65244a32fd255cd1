import { z } from 'zod';
import { isTimeZone } from './tcp-rooms-codec.ts';

/** The zone the process runs in; timestamps are shown in it unless configured otherwise. */
function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Settings of the tcp-rooms adapter; every one has a default, so `{}` is valid. */
export const tcpRoomsOptionsSchema = z.object({
  /** Longest accepted line in bytes, its `\n` / `\r\n` not counted (inclusive). */
  maxLineBytes: z
    .number()
    .int()
    .min(1)
    .max(16 * 1024 * 1024)
    .default(4096),
  /** IANA zone of the `HH:MM` shown with each message. */
  timeZone: z
    .string()
    .refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' })
    .default(localTimeZone),
  /** Log every chat line (sender, room, text) at info level, as the seed's server prints them. */
  logChat: z.boolean().default(true),
  /** Password mismatches during one sign-up before the connection is closed. */
  maxSignupAttempts: z.number().int().min(1).max(100).default(3),
  /**
   * Time from connecting to being logged in or signed up, after which the client is told and
   * closed: long enough for a human to type a nickname and a password twice.
   */
  loginTimeoutMs: z
    .number()
    .int()
    .min(1)
    .max(24 * 60 * 60_000)
    .default(60_000),
});

export type TcpRoomsOptions = z.infer<typeof tcpRoomsOptionsSchema>;
