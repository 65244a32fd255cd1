import {
  type AdapterStartContext,
  type ChatMessage,
  ConnectionRuntime,
  defineAdapter,
  type RunningAdapter,
  serveTcp,
} from '@switchboard/core';
import { ClockFormat, renderChatLine } from './tcp-rooms-codec.ts';
import { TcpRoomsConnection } from './tcp-rooms-connection.ts';
import type { TcpRoomsContext } from './tcp-rooms-link.ts';
import { type TcpRoomsOptions, tcpRoomsOptionsSchema } from './tcp-rooms-options.ts';
import { OutageWarning } from './tcp-rooms-outage-warning.ts';
import { refusals } from './tcp-rooms-replies.ts';
import { RoomGuesses } from './tcp-rooms-room-guesses.ts';

const PROTOCOL = 'tcp-rooms';
/**
 * Event-loop time one connection may take in one go before it yields to the others: lines that
 * run at once (or on a store that answers in a microtask) cannot hold the loop for a whole burst,
 * however costly each is (a broadcast to a big room).
 */
const TURN_MS = 4;
/**
 * Answers queued for a client that does not read them, beyond which its input waits: replies
 * cannot pile up for it (an empty line in the dialogue costs 1 byte and answers 44).
 */
const MAX_UNREAD_BYTES = 64 * 1024;

/** Line-based TCP chat with accounts and private rooms (SPEC §3, seed 001). */
export const tcpRoomsAdapter = defineAdapter<TcpRoomsOptions>({
  name: PROTOCOL,
  defaultPort: 7070,
  optionsSchema: tcpRoomsOptionsSchema,
  start: startTcpRooms,
});

async function startTcpRooms(start: AdapterStartContext<TcpRoomsOptions>): Promise<RunningAdapter> {
  // The gateway's logger already names the adapter (a child here would say `adapter` twice).
  const { hub, options, logger } = start;
  const clock = new ClockFormat(options.timeZone);
  // One encoder per running adapter (its zone is fixed): a message is rendered once for all.
  const encodeMessage = (message: ChatMessage): Buffer =>
    Buffer.from(
      renderChatLine(message.sender.text, clock.format(message.timestamp), message.text, message.direct),
    );
  const context: TcpRoomsContext = Object.freeze({
    hub,
    logger,
    options,
    encodeMessage,
    roomGuesses: new RoomGuesses(hub.clock),
    roomsOutage: new OutageWarning(hub.clock, logger),
  });
  const runtime = new ConnectionRuntime<Buffer | string>(hub, logger, {
    protocol: PROTOCOL,
    refusal: `${refusals.TOO_MANY_CONNECTIONS()}\n`,
    // Half-open: a client that ends its input still gets the answers to what it sent, at its rate.
    drainAfterEnd: true,
    turnMs: TURN_MS,
    maxUnreadBytes: MAX_UNREAD_BYTES,
  });
  return serveTcp(
    start,
    runtime,
    (socket, clientAddress) => {
      new TcpRoomsConnection(runtime, socket, clientAddress, context);
    },
    { allowHalfOpen: true },
  );
}
