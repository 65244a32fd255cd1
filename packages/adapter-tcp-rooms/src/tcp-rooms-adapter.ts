import type { Socket } from 'node:net';
import {
  type AdapterStartContext,
  type ChatMessage,
  defineAdapter,
  edgeOf,
  type RunningAdapter,
  type TcpListener,
} from '@switchboard/core';
import { ClockFormat, renderChatLine } from './tcp-rooms-codec.ts';
import { TcpRoomsConnection } from './tcp-rooms-connection.ts';
import type { TcpRoomsContext } from './tcp-rooms-link.ts';
import { type TcpRoomsOptions, tcpRoomsOptionsSchema } from './tcp-rooms-options.ts';
import { OutageWarning } from './tcp-rooms-outage-warning.ts';
import { refusals } from './tcp-rooms-replies.ts';
import { RoomGuesses } from './tcp-rooms-room-guesses.ts';

const PROTOCOL = 'tcp-rooms';
/** After the shutdown line, connections that have not closed by then are destroyed. */
const SHUTDOWN_GRACE_MS = 1_000;
/** A refused connection gets this long to read its one line. */
const REFUSED_GRACE_MS = 1_000;

/** Line-based TCP chat with accounts and private rooms (SPEC §3, seed 001). */
export const tcpRoomsAdapter = defineAdapter<TcpRoomsOptions>({
  name: PROTOCOL,
  defaultPort: 7070,
  optionsSchema: tcpRoomsOptionsSchema,
  start: startTcpRooms,
});

async function startTcpRooms(start: AdapterStartContext<TcpRoomsOptions>): Promise<RunningAdapter> {
  const { hub, options } = start;
  const logger = start.logger.child({ adapter: PROTOCOL });
  const clock = new ClockFormat(options.timeZone);
  // One encoder per running adapter (its zone is fixed): a message is rendered once for all.
  const encodeMessage = (message: ChatMessage): Buffer =>
    Buffer.from(
      renderChatLine(message.sender.text, clock.format(message.timestamp), message.text, message.direct),
    );
  const roomGuesses = new RoomGuesses(hub.clock);
  const roomsOutage = new OutageWarning(hub.clock, logger);
  const context: TcpRoomsContext = Object.freeze({
    hub,
    logger,
    options,
    encodeMessage,
    roomGuesses,
    roomsOutage,
  });
  const connections = new Set<TcpRoomsConnection>();
  const refused = new Set<Socket>();

  // Half-open: a client that ends its input still gets the answers to what it sent.
  const onConnection = (socket: Socket, clientAddress: string) => {
    // The hub wants the sink before it admits the session; the connection needs the session.
    let connection: TcpRoomsConnection | null = null;
    const session = hub.admit(PROTOCOL, clientAddress, {
      deliver: (message) => connection?.deliver(message),
      replaced: () => connection?.replaced(),
      disconnected: () => connection?.disconnected(),
    });
    if (session === 'TOO_MANY_CONNECTIONS') {
      refuse(socket, refused);
      return;
    }
    const admitted = new TcpRoomsConnection(socket, session, context);
    connection = admitted;
    connections.add(admitted);
    void admitted.closed.then(() => connections.delete(admitted));
  };
  const listener = await edgeOf(start).listenTcp(
    { host: start.host, port: start.port, allowHalfOpen: true },
    onConnection,
  );

  let closing: Promise<void> | null = null;
  return {
    port: listener.port,
    close() {
      closing ??= shutdown(listener, connections, refused);
      return closing;
    },
  };
}

/** Over a connection limit: one line, then close. */
function refuse(socket: Socket, refused: Set<Socket>): void {
  refused.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => refused.delete(socket));
  socket.end(`${refusals.TOO_MANY_CONNECTIONS()}\n`);
  setTimeout(() => socket.destroy(), REFUSED_GRACE_MS).unref();
}

async function shutdown(
  listener: TcpListener,
  connections: Set<TcpRoomsConnection>,
  refused: Set<Socket>,
): Promise<void> {
  const stopped = listener.close();
  const closed = [...connections].map((connection) => connection.shutdown());
  const stragglers = setTimeout(() => {
    for (const connection of connections) connection.destroy();
    for (const socket of refused) socket.destroy();
  }, SHUTDOWN_GRACE_MS);
  await Promise.all(closed);
  await stopped;
  clearTimeout(stragglers);
}
