import { join, mode, names, part, topic, who } from './irc-channels.ts';
import { message } from './irc-chat.ts';
import type { IrcMessage } from './irc-codec.ts';
import type { IrcConnection } from './irc-connection.ts';
import { changeNick } from './irc-nick-change.ts';
import { capability, REGISTRATION_COMMANDS, runRegistration, sendMotd } from './irc-registration.ts';
import { ERR, RPL } from './irc-replies.ts';

/** Commands that only a registered client may send (451 before); anything else unknown is 421. */
const CHAT_COMMANDS = new Set([
  'PRIVMSG',
  'NOTICE',
  'JOIN',
  'PART',
  'NAMES',
  'WHO',
  'WHOIS',
  'MODE',
  'TOPIC',
  'ISON',
  'MOTD',
]);

/** Runs one command; a promise when it waits on the core (the next line waits for it). */
export function runCommand(connection: IrcConnection, msg: IrcMessage): Promise<void> | null {
  const { command, params } = msg;
  switch (command) {
    case 'PING':
      if (params.length === 0 || params[0]!.length === 0)
        connection.numeric(ERR.NOORIGIN, 'No origin specified');
      else
        connection.send(
          connection.directory.replies.command('PONG', connection.directory.options.serverName, params[0]!),
        );
      return null;
    case 'PONG':
      // Any line counts as a sign of life; the connection has already noted it.
      return null;
    case 'QUIT':
      connection.closeLink(params[0] ? `Quit: ${params[0]}` : 'Quit');
      return null;
  }
  const registration = connection.registration;
  if (registration) {
    if (REGISTRATION_COMMANDS.has(command)) return runRegistration(connection, registration, msg);
    if (CHAT_COMMANDS.has(command)) connection.numeric(ERR.NOTREGISTERED, 'You have not registered');
    else unknown(connection, command);
    return null;
  }
  switch (command) {
    case 'PRIVMSG':
    case 'NOTICE':
      return message(connection, command, params);
    case 'JOIN':
      return join(connection, params);
    case 'PART':
      part(connection, params);
      return null;
    case 'NAMES':
      return names(connection, params);
    case 'WHO':
      return who(connection, params);
    case 'WHOIS':
      return whois(connection, params);
    case 'MODE':
      mode(connection, params);
      return null;
    case 'TOPIC':
      topic(connection, params);
      return null;
    case 'ISON':
      return ison(connection, params);
    case 'MOTD':
      sendMotd(connection);
      return null;
    case 'CAP':
      return capability(connection, null, params);
    case 'USER':
    case 'PASS':
      connection.numeric(ERR.ALREADYREGISTERED, 'You may not reregister');
      return null;
    case 'NICK':
      return changeNick(connection, params);
    case 'AUTHENTICATE':
      connection.numeric(ERR.SASLALREADY, 'You have already registered');
      return null;
  }
  unknown(connection, command);
  return null;
}

function unknown(connection: IrcConnection, command: string): void {
  // A command word may be anything a client typed; keep the echo to one harmless word.
  const word = command.replace(/[^\x21-\x7e]/g, '?').slice(0, 32);
  connection.numeric(ERR.UNKNOWNCOMMAND, word, 'Unknown command');
}

async function isActive(connection: IrcConnection, nick: string): Promise<boolean> {
  const name = connection.directory.nameOf(nick);
  if (name === null) return false;
  return connection.directory.isActive(name);
}

async function whois(connection: IrcConnection, params: readonly string[]): Promise<void> {
  // WHOIS [server] nick: the nick is the last parameter.
  const nick = params[params.length - 1]?.split(',')[0];
  if (nick === undefined || nick.length === 0) {
    connection.numeric(ERR.NONICKNAMEGIVEN, 'No nickname given');
    return;
  }
  const active = await isActive(connection, nick);
  if (connection.isClosing) return;
  const { serverName } = connection.directory.options;
  if (active) {
    connection.numeric(RPL.WHOISUSER, nick, 'chat', serverName, '*', nick);
    connection.numeric(RPL.WHOISSERVER, nick, serverName, 'switchboard');
  } else {
    connection.numeric(ERR.NOSUCHNICK, nick, 'No such nick/channel');
  }
  connection.numeric(RPL.ENDOFWHOIS, nick, 'End of /WHOIS list');
}

async function ison(connection: IrcConnection, params: readonly string[]): Promise<void> {
  if (params.length === 0) {
    connection.numeric(ERR.NEEDMOREPARAMS, 'ISON', 'Not enough parameters');
    return;
  }
  const active = new Set(await connection.directory.activeNicks());
  const asked = params.flatMap((param) => param.split(' ')).filter((nick) => active.has(nick));
  if (!connection.isClosing) connection.numeric(RPL.ISON, asked.join(' '));
}
