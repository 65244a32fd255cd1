import { z } from 'zod';

/** The adapter's settings; every one has a default, so `{}` is a valid configuration. */
export const ircOptionsSchema = z.object({
  /** The server's name in prefixes and numerics (`:switchboard 001 ...`). */
  serverName: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/, 'a host-like name of letters, digits, dots and dashes')
    .default('switchboard'),
  /**
   * The message of the day, one line per entry; empty: `422 MOTD File is missing`. A string (as
   * an environment variable gives it) is one line per `\n`.
   */
  motd: z
    .preprocess(
      (value) => (typeof value === 'string' ? value.split('\n').filter((line) => line.length > 0) : value),
      z.array(z.string().max(400)).max(50),
    )
    .default([]),
  /** A connection that has not completed NICK/USER (and CAP, SASL) this long after connecting is closed. */
  registrationTimeoutMs: z.number().int().positive().default(60_000),
  /** Silence after which the server sends a PING. */
  pingIntervalMs: z.number().int().positive().default(90_000),
  /** How long after that PING a still silent connection is closed (`Ping timeout`). */
  pingTimeoutMs: z.number().int().positive().default(60_000),
});

export type IrcOptions = z.infer<typeof ircOptionsSchema>;
