import { ConnectionRuntime, defineAdapter, serveTcp } from '@switchboard/core';
import { z } from 'zod';
import { LineChatConnection } from './line-chat-connection.ts';

/** Every setting has a default: `{}` is a valid configuration. */
const optionsSchema = z.object({
  /** Longest line in bytes, newline included; a longer one is refused and the client closed. */
  maxLineBytes: z.int().min(64).max(65_536).default(4_096),
  /** A client that has not named itself this long after connecting is closed. */
  nameTimeoutMs: z.int().positive().default(60_000),
});

export type LineChatOptions = z.infer<typeof optionsSchema>;

/**
 * line-chat: one line per command over TCP. The first line is the client's name; then
 * `@NAME TEXT` sends TEXT to NAME and any other line goes to the main chat. Deliveries are
 * `main SENDER TEXT` or `direct SENDER TEXT` lines, fields separated by a tab.
 */
export default defineAdapter<LineChatOptions>({
  name: 'line-chat',
  defaultPort: 7474,
  optionsSchema,
  // `switchboard connect` loads it only when asked: a serving gateway never does.
  terminalClient: async () => (await import('./terminal-client.ts')).lineChatTerminal,
  async start(context) {
    const { hub, logger, options } = context;
    // One runtime for all of this adapter's connections: their shared settings and the shutdown.
    const runtime = new ConnectionRuntime<Buffer | string>(hub, logger, { protocol: 'line-chat' });
    // Listens through the edge (TLS, the PROXY protocol, descriptor limits when configured);
    // close() lets each connection say goodbye (its shutdown()) and cuts stragglers after the grace.
    return serveTcp(context, runtime, (socket, address) => {
      new LineChatConnection(runtime, socket, address, options);
    });
  },
});
