import type { ChatMessage, ErrorCode } from '@switchboard/core';
import { encodeEvent, encodeRsUs } from './rs-us-codec.ts';

/** Every one-word message the server sends: replies and notifications. */
export type RsUsWord =
  | 'login_valid'
  | 'login_invalid'
  | 'logout_ack'
  | 'disconnect_ack'
  | 'prolongate_ack'
  | 'invalidate_ack'
  | 'send_ack'
  | 'broadcast_ack'
  | 'unknown_recipient'
  | 'not_logged_in'
  | 'unknown_command'
  | 'invalid_args_count'
  | 'timeout'
  | 'invalidated'
  | 'io_error'
  | 'shutdown';

/**
 * Every code of the core's catalog as rs-us says it: the parts of its one reply, or null when
 * the connection is closed without a word. The seed's clients know only `login_invalid` for a
 * refused login, whatever the reason; an outage adds a part saying it is not the password.
 * rs-us has no rooms and no guest names: those codes never reach it, and had it to say one, it
 * has no word but closing. A code without a rendering here is a compile error.
 */
export const rsUsRefusals = {
  NAME_EMPTY: ['login_invalid'],
  NAME_TOO_LONG: ['login_invalid'],
  NAME_CONTROL_CHARACTER: ['login_invalid'],
  NAME_REGISTERED: null,
  ALREADY_IDENTIFIED: null,
  NOT_IDENTIFIED: ['not_logged_in'],
  CONNECTION_CLOSED: null,
  REPLACED: null,
  WRONG_PASSWORD: ['login_invalid'],
  UNKNOWN_USER: ['login_invalid'],
  THROTTLED: ['login_invalid'],
  ROOM_EXISTS: null,
  NO_SUCH_ROOM: null,
  WRONG_ROOM_PASSWORD: null,
  // Refused at admission: the socket is destroyed before anything is read.
  TOO_MANY_CONNECTIONS: null,
  SERVICE_UNAVAILABLE: ['login_invalid', 'service_unavailable'],
} as const satisfies Record<ErrorCode, readonly [RsUsWord, ...string[]] | null>;

const plainWords = new Map<RsUsWord, Buffer>();
const trailingWords = new Map<RsUsWord, Buffer>();

/** A one-word message in the given form, encoded once per process. */
export function wordFrame(word: RsUsWord, trailing: boolean): Buffer {
  const cache = trailing ? trailingWords : plainWords;
  let frame = cache.get(word);
  if (frame === undefined) {
    frame = encodeRsUs([word], trailing);
    cache.set(word, frame);
  }
  return frame;
}

function eventText(message: ChatMessage): string {
  return `${message.sender.text}: ${message.text}`;
}

// One module-level encoder per form: their identities key ChatMessage's cache, so a broadcast is
// encoded at most twice however many rs-us connections receive it.
export const encodePlainEvent = (message: ChatMessage): Buffer =>
  encodeEvent(message.timestamp, eventText(message), false);
export const encodeTrailingEvent = (message: ChatMessage): Buffer =>
  encodeEvent(message.timestamp, eventText(message), true);

/** Commands and their argument counts; any other first part is an unknown command. */
export const commandArity: ReadonlyMap<string, number> = new Map([
  ['login', 2],
  ['logout', 0],
  ['disconnect', 0],
  ['prolongate', 0],
  ['invalidate', 0],
  ['send', 2],
  ['broadcast', 1],
  ['who', 0],
]);
