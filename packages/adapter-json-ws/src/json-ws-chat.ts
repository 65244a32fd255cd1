import { Name, type Session } from '@switchboard/core';
import { type ClientFrame, encodeChatStatusFrame, encodeErrorFrame } from './json-ws-codec.ts';
import { jsonWsRefusals } from './json-ws-refusals.ts';

/** The `error` texts of the json-ws vocabulary that are not a decoding failure or a core refusal. */
export const jsonWsErrors = {
  helloFirst: 'say hello first: {"type":"hello","data":{"user":NAME}}',
  binaryFrame: 'binary frames are not supported; send JSON text frames',
  emptyRecievers: 'recievers is empty; leave it out to send to everyone',
  shuttingDown: 'server shutting down',
  disconnected: 'disconnected by an administrator',
  internal: 'internal server error',
  unavailable: jsonWsRefusals.SERVICE_UNAVAILABLE.error,
} as const;

/** At most this many names in a "not active" error, so its size does not grow with the list. */
export const MAX_NAMED_IN_ERROR = 20;

export function notActiveError(names: readonly Name[]): string {
  const named = names
    .slice(0, MAX_NAMED_IN_ERROR)
    .map((name) => name.text)
    .join(', ');
  const more = names.length - MAX_NAMED_IN_ERROR;
  return `not active, message not delivered to: ${named}${more > 0 ? ` and ${more} more` : ''}`;
}

/**
 * Answers a frame of a connection that already has a name: the part of the json-ws vocabulary
 * that the sessions adapter speaks too. `reply` gets each answer as a ready text frame.
 * Returns a promise only when the answer is asynchronous, so the caller can keep a
 * connection's answers in the order of its requests without waiting on the common paths.
 */
export function answerChatFrame(
  session: Session,
  frame: ClientFrame,
  reply: (frame: string) => void,
): Promise<void> | undefined {
  switch (frame.type) {
    case 'hello':
      reply(encodeErrorFrame(jsonWsRefusals.ALREADY_IDENTIFIED.error));
      return undefined;
    case 'recieve_status':
      return session
        .activeNames()
        .then((names) => reply(encodeChatStatusFrame(names.map((name) => name.text))));
    case 'send_message': {
      const recievers = frame.recievers;
      if (recievers === undefined) {
        session.broadcast(frame.text);
        return undefined;
      }
      if (recievers.length === 0) {
        reply(encodeErrorFrame(jsonWsErrors.emptyRecievers));
        return undefined;
      }
      return session.sendDirect(recievers.map(Name.fromText), frame.text).then((missing) => {
        if (missing.length > 0) reply(encodeErrorFrame(notActiveError(missing)));
      });
    }
  }
}
