import type { ChatMessage } from '@switchboard/core';
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
