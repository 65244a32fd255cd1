import { isServiceUnavailable, type Name } from '@switchboard/core';
import type { IrcConnection } from './irc-connection.ts';
import { ownNameOf } from './irc-registration.ts';
import { userPrefix } from './irc-render.ts';
import { ERR } from './irc-replies.ts';

/**
 * `NICK new` after registration. A guest moves to another free guest name: it releases its name
 * and claims the new one (`:old!chat@server NICK :new`), keeping its room. A name in use by anyone
 * or registered gets 433 (unlike a new connection, a nick change never takes a name over). A
 * registered user keeps the name it logged in with (447).
 */
export async function changeNick(connection: IrcConnection, params: readonly string[]): Promise<void> {
  const wanted = params[0];
  if (wanted === undefined || wanted.length === 0) {
    connection.numeric(ERR.NONICKNAMEGIVEN, 'No nickname given');
    return;
  }
  if (wanted === connection.nick) return;
  const { session, directory } = connection;
  const current = session.name;
  if (current === null || session.kind !== 'guest') {
    connection.numeric(
      ERR.NONICKCHANGE,
      wanted,
      `You are logged in as ${connection.nick}: reconnect to use another nick`,
    );
    return;
  }
  const name = ownNameOf(wanted);
  if (name === null) {
    connection.numeric(ERR.ERRONEUSNICKNAME, wanted, 'Erroneous nickname');
    return;
  }
  try {
    const inUse = (await session.activeNames()).some((active) => active.key === name.key);
    if (connection.isClosing) return;
    if (inUse || (await directory.isRegistered(name))) {
      connection.numeric(
        ERR.NICKNAMEINUSE,
        wanted,
        inUse ? 'Nickname is already in use' : 'Nickname is registered',
      );
      return;
    }
    session.logout();
    if ((await session.claimGuest(name)) === 'ok') {
      directory.forgetListing();
      const old = connection.nick;
      connection.nick = directory.nickOf(name);
      connection.send(`:${userPrefix(old, directory.options.serverName)} NICK :${connection.nick}\r\n`);
      return;
    }
    // Someone claimed it meanwhile: back to the old name, which this connection held a moment ago.
    await reclaim(connection, current, wanted);
  } catch (error) {
    if (!isServiceUnavailable(error)) throw error;
    if (session.name === null)
      await reclaim(connection, current, wanted).catch(() =>
        connection.closeLink('Service temporarily unavailable'),
      );
    else connection.numeric(ERR.NICKNAMEINUSE, wanted, 'Service temporarily unavailable, try again later');
  }
}

async function reclaim(connection: IrcConnection, previous: Name, wanted: string): Promise<void> {
  if (connection.isClosing) return;
  if ((await connection.session.claimGuest(previous)) === 'ok') {
    connection.numeric(ERR.NICKNAMEINUSE, wanted, 'Nickname is already in use');
  } else {
    connection.closeLink('Nickname taken over by a newer connection');
  }
}
