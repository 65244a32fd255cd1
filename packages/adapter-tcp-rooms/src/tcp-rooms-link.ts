import type { AdapterServices, ChatMessage, Logger, Session } from '@switchboard/core';
import type { TcpRoomsOptions } from './tcp-rooms-options.ts';
import type { OutageWarning } from './tcp-rooms-outage-warning.ts';
import type { RoomGuesses } from './tcp-rooms-room-guesses.ts';

/** All tcp-rooms asks of the hub beyond a connection's session: whether a name has an account, the rooms. */
export type TcpRoomsHub = Pick<AdapterServices, 'isRegistered' | 'rooms'>;

/** What one running adapter shares with all its connections. */
export interface TcpRoomsContext {
  readonly hub: TcpRoomsHub;
  readonly logger: Logger;
  readonly options: TcpRoomsOptions;
  /** Long-lived, recipient-independent: its identity keys the cache of `ChatMessage.encoded`. */
  readonly encodeMessage: (message: ChatMessage) => Buffer;
  /** Wrong room passwords of this adapter's users, throttled like failed logins. */
  readonly roomGuesses: RoomGuesses;
  /** Warns about a room store that cannot be reached, once per interval. */
  readonly roomsOutage: OutageWarning;
}

/** What the dialogue and the chat commands may do to their connection. */
export interface TcpRoomsLink {
  readonly context: TcpRoomsContext;
  readonly session: Session;
  /** Writes one line (the `\n` is added); does nothing once the connection is closing. */
  say(line: string): void;
  /** Writes a last line, then closes the connection; lines it sent that did not run yet never will. */
  hangUp(lastLine: string): void;
  /** The user is logged in: further lines are chat and commands. */
  enterChat(): void;
}

/**
 * Handles the lines of one phase of a connection (login dialogue, then chat). A returned
 * promise holds back the following lines until it settles, so commands run strictly in order.
 */
export interface LineMode {
  line(link: TcpRoomsLink, text: string): Promise<void> | undefined;
  tooLong(link: TcpRoomsLink): void;
}
