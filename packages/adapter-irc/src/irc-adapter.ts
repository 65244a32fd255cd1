import {
  type AdapterStartContext,
  ConnectionRuntime,
  defineAdapter,
  type RunningAdapter,
  serveTcp,
} from '@switchboard/core';
import { IrcConnection } from './irc-connection.ts';
import { IrcDirectory } from './irc-directory.ts';
import { type IrcOptions, ircOptionsSchema } from './irc-options.ts';
import { ircRefusals } from './irc-replies.ts';

/** Unread replies after which input waits until the client catches up (not a slow-reader drop). */
const MAX_UNREAD_BYTES = 64 * 1024;
/** Event-loop time one connection's lines may take in one go before the other connections are served. */
const TURN_MS = 4;

/** Serves IRC clients on a TCP port (through the core's edge: TLS, PROXY protocol) until close(). */
export async function startIrcServer(context: AdapterStartContext<IrcOptions>): Promise<RunningAdapter> {
  // The gateway's logger already names the adapter.
  const { hub, logger, options } = context;
  const directory = new IrcDirectory(hub, logger, options);
  const runtime = new ConnectionRuntime<Buffer | string>(hub, logger, {
    protocol: 'irc',
    // Told in IRC's way, so a client says why instead of reconnecting blindly at once.
    refusal: directory.replies.error(ircRefusals.TOO_MANY_CONNECTIONS),
    // A client that half-closes (`nc` at EOF) gets the answer to every line it sent.
    drainAfterEnd: true,
    maxUnreadBytes: MAX_UNREAD_BYTES,
    // The keepalive's silence is "no line": bytes of a line trickling in do not count.
    idleResetByFrames: true,
    turnMs: TURN_MS,
  });
  return serveTcp(
    context,
    runtime,
    (socket, clientAddress) => {
      new IrcConnection(runtime, directory, socket, clientAddress);
    },
    { allowHalfOpen: true, noDelay: true },
  );
}

/** IRC (RFC 1459/2812 with IRCv3 CAP and SASL PLAIN): the sixth protocol, `#main` is the main chat. */
export const ircAdapter = defineAdapter<IrcOptions>({
  name: 'irc',
  defaultPort: 6667,
  optionsSchema: ircOptionsSchema,
  start: startIrcServer,
});
