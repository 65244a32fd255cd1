import { type Name, orUnavailable } from '@switchboard/core';
import type { IrcConnection } from './irc-connection.ts';
import { ircRefusals } from './irc-replies.ts';

export const UNAVAILABLE = ircRefusals.SERVICE_UNAVAILABLE;

/**
 * Logs the session in: 'ok', a reason to show ('too many failed logins', the outage), or null
 * for a wrong name or password (which is not told apart, as IRC servers do not).
 */
export async function login(
  connection: IrcConnection,
  name: Name,
  password: string,
): Promise<'ok' | string | null> {
  const result = await orUnavailable(connection.session.login(name, password));
  return result === 'ok' ? 'ok' : ircRefusals[result];
}
