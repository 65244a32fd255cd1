import type { Name } from '@switchboard/core';
import type { IrcConnection } from './irc-connection.ts';
import { roomOfChannel } from './irc-names.ts';
import { ACTION_PREFIX } from './irc-render.ts';
import { ERR } from './irc-replies.ts';

/** As TARGMAX says: more targets than this in one PRIVMSG get 407. */
const MAX_TARGETS = 8;
const CTCP = '\u0001';

/**
 * The text the other protocols get: a CTCP ACTION (`/me waves`) becomes `/me waves`, which IRC
 * recipients see as an action again; any other CTCP (VERSION, DCC, ...) is not relayed, as
 * nobody behind the other protocols could answer it (and DCC would hand out addresses).
 */
function chatText(text: string): string | null {
  if (!text.startsWith(CTCP)) return text;
  const inner = text.slice(1, text.endsWith(CTCP) && text.length > 1 ? -1 : undefined);
  return inner.startsWith('ACTION ') ? `${ACTION_PREFIX}${inner.slice(7)}` : null;
}

/**
 * `PRIVMSG targets :text` and `NOTICE`: a nick is a direct message, the channel the client is in
 * a broadcast to it. NOTICE never gets an error back (RFC 2812 §3.3.2).
 */
export function message(
  connection: IrcConnection,
  command: 'PRIVMSG' | 'NOTICE',
  params: readonly string[],
): Promise<void> | null {
  const quiet = command === 'NOTICE';
  const fail = (code: string, ...details: string[]): null => {
    if (!quiet) connection.numeric(code, ...details);
    return null;
  };
  const list = params[0] ?? '';
  const targets = list.includes(',')
    ? list.split(',').filter((target) => target.length > 0)
    : list
      ? [list]
      : [];
  if (targets.length === 0) return fail(ERR.NORECIPIENT, `No recipient given (${command})`);
  const raw = params[1];
  if (raw === undefined || raw.length === 0) return fail(ERR.NOTEXTTOSEND, 'No text to send');
  if (targets.length > MAX_TARGETS) return fail(ERR.TOOMANYTARGETS, targets[0]!, 'Too many targets');
  const text = chatText(raw);
  if (text === null) return null;
  const { directory } = connection;
  const recipients: Name[] = [];
  const unknown: string[] = [];
  for (const target of targets) {
    if (target.startsWith('#')) {
      if (target === connection.channel) connection.session.broadcast(text);
      else if (roomOfChannel(target) === undefined) fail(ERR.NOSUCHCHANNEL, target, 'No such channel');
      else fail(ERR.CANNOTSENDTOCHAN, target, 'Cannot send to channel (join it first)');
      continue;
    }
    const name = directory.nameOf(target);
    if (name === null) unknown.push(target);
    else recipients.push(name);
  }
  for (const nick of unknown) fail(ERR.NOSUCHNICK, nick, 'No such nick/channel');
  // The core delivers before its first await, so the message leaves now, in order; the answer
  // (401s) may come later. Too many outstanding hold the input until one is in.
  if (recipients.length === 0) return null;
  return connection.trackSend(sendDirect(connection, recipients, text, quiet)) ?? null;
}

async function sendDirect(
  connection: IrcConnection,
  recipients: Name[],
  text: string,
  quiet: boolean,
): Promise<void> {
  const missing = await connection.session.sendDirect(recipients, text);
  if (quiet || connection.isClosing) return;
  for (const name of missing) {
    connection.numeric(ERR.NOSUCHNICK, connection.directory.nickOf(name), 'No such nick/channel');
  }
}
