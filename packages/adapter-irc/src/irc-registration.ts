import { checkTextName, isServiceUnavailable, Name } from '@switchboard/core';
import { joinMain } from './irc-channels.ts';
import type { IrcMessage } from './irc-codec.ts';
import type { IrcConnection } from './irc-connection.ts';
import { login, UNAVAILABLE } from './irc-login.ts';
import { CHANNELLEN, NICKLEN, nameOfNick } from './irc-names.ts';
import { sanitizeText } from './irc-render.ts';
import { ERR, ircRefusals, RPL } from './irc-replies.ts';
import { authenticate } from './irc-sasl.ts';

/** The only capability offered: SASL, with the PLAIN mechanism. */
const CAPABILITIES = ['sasl'];

/**
 * What a client said before it is registered: CAP negotiation, PASS, NICK, USER, SASL. When NICK
 * and USER are in and no CAP negotiation is open, the client becomes a chat user: by its SASL
 * login, by PASS (its nick's account), or as a guest claiming its nick.
 */
export class Registration {
  nick: string | null = null;
  name: Name | null = null;
  user: string | null = null;
  password: string | null = null;
  negotiating = false;
  /** Set once a SASL login succeeded: the session is bound to this registered name. */
  account: Name | null = null;
  saslMechanism: 'PLAIN' | null = null;
  saslBuffer = '';
}

/** The commands a client may send before it is registered; anything else known gets 451. */
export function runRegistration(
  connection: IrcConnection,
  registration: Registration,
  message: IrcMessage,
): Promise<void> | null {
  const { command, params } = message;
  switch (command) {
    case 'CAP':
      return capability(connection, registration, params);
    case 'PASS':
      if (params.length < 1) return needMore(connection, command);
      registration.password = params[0]!;
      return null;
    case 'NICK':
      return nick(connection, registration, params);
    case 'USER':
      // USER username mode unused :realname (RFC 2812 §3.1.3); only the count is checked.
      if (params.length < 4 || params[0]!.length === 0) return needMore(connection, command);
      registration.user = params[0]!;
      return complete(connection, registration);
    case 'AUTHENTICATE':
      return authenticate(connection, registration, params);
  }
  return null;
}

export const REGISTRATION_COMMANDS = new Set(['CAP', 'PASS', 'NICK', 'USER', 'AUTHENTICATE']);

function needMore(connection: IrcConnection, command: string): null {
  connection.numeric(ERR.NEEDMOREPARAMS, command, 'Not enough parameters');
  return null;
}

/** Answers CAP LS/LIST/REQ/END in any state; CAP LS and REQ hold registration until CAP END. */
export function capability(
  connection: IrcConnection,
  registration: Registration | null,
  params: readonly string[],
): Promise<void> | null {
  const { replies } = connection.directory;
  const sub = params[0]?.toUpperCase();
  const target = connection.nick;
  switch (sub) {
    case 'LS': {
      if (registration) registration.negotiating = true;
      const offered = params[1] !== undefined && Number(params[1]) >= 302 ? ['sasl=PLAIN'] : CAPABILITIES;
      connection.send(replies.command('CAP', target, 'LS', offered.join(' ')));
      return null;
    }
    case 'LIST':
      connection.send(replies.command('CAP', target, 'LIST', registration?.saslMechanism ? 'sasl' : ''));
      return null;
    case 'REQ': {
      if (registration) registration.negotiating = true;
      const asked = (params[1] ?? '').split(' ').filter((cap) => cap.length > 0);
      const known = asked.length > 0 && asked.every((cap) => CAPABILITIES.includes(cap.replace(/^-/, '')));
      connection.send(replies.command('CAP', target, known ? 'ACK' : 'NAK', asked.join(' ')));
      return null;
    }
    case 'END':
      if (!registration) return null;
      registration.negotiating = false;
      return complete(connection, registration);
    case undefined:
      return needMore(connection, 'CAP');
    default:
      connection.numeric(ERR.INVALIDCAPCMD, sub, 'Invalid CAP command');
      return null;
  }
}

/**
 * The name an IRC user may take as its own: a nick this server's mapping makes, standing for
 * valid UTF-8 without control characters (a text protocol's name, SPEC §1).
 */
export function ownNameOf(nick: string): Name | null {
  const bytes = nameOfNick(nick);
  if (bytes === null) return null;
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes) || checkTextName(text) !== null) return null;
  return Name.fromBytes(bytes);
}

function nick(
  connection: IrcConnection,
  registration: Registration,
  params: readonly string[],
): Promise<void> | null {
  const wanted = params[0];
  if (wanted === undefined || wanted.length === 0) {
    connection.numeric(ERR.NONICKNAMEGIVEN, 'No nickname given');
    return null;
  }
  const name = ownNameOf(wanted);
  if (name === null) {
    connection.numeric(ERR.ERRONEUSNICKNAME, wanted, 'Erroneous nickname');
    return null;
  }
  registration.nick = wanted;
  registration.name = name;
  connection.nick = wanted;
  return complete(connection, registration);
}

/** Once NICK and USER are in and CAP is done: identify, then welcome. */
function complete(connection: IrcConnection, registration: Registration): Promise<void> | null {
  if (registration.negotiating || registration.user === null) return null;
  if (registration.account) return welcome(connection, registration.account);
  if (registration.name === null) return null;
  return identify(connection, registration, registration.name);
}

async function identify(connection: IrcConnection, registration: Registration, name: Name): Promise<void> {
  if (registration.password !== null) {
    const outcome = await login(connection, name, registration.password);
    if (connection.isClosing) return;
    if (outcome === 'ok') return welcome(connection, name);
    if (outcome === UNAVAILABLE) return unavailable(connection);
    connection.numeric(ERR.PASSWDMISMATCH, `Password incorrect${outcome === null ? '' : `: ${outcome}`}`);
    connection.closeLink('Bad password');
    return;
  }
  let result: Awaited<ReturnType<typeof connection.session.claimGuest>>;
  try {
    result = await connection.session.claimGuest(name);
  } catch (error) {
    if (!isServiceUnavailable(error)) throw error;
    return unavailable(connection);
  }
  if (connection.isClosing || result === 'CONNECTION_CLOSED') return;
  if (result === 'ok') return welcome(connection, name);
  const nick = registration.nick!;
  registration.nick = null;
  registration.name = null;
  connection.nick = '*';
  connection.numeric(ERR.NICKNAMEINUSE, nick, ircRefusals[result]);
}

function unavailable(connection: IrcConnection): void {
  connection.send(connection.directory.replies.command('NOTICE', connection.nick, `*** ${UNAVAILABLE}`));
  connection.closeLink(UNAVAILABLE);
}

/** 001–005, the MOTD (or 422), and the main chat, where every chat user starts (SPEC §1). */
async function welcome(connection: IrcConnection, name: Name): Promise<void> {
  const { directory } = connection;
  const { options } = directory;
  const previous = connection.nick;
  const nick = directory.nickOf(name);
  connection.nick = nick;
  connection.registration = null;
  const server = options.serverName;
  connection.numeric(RPL.WELCOME, `Welcome to the switchboard chat, ${nick}!chat@${server}`);
  connection.numeric(RPL.YOURHOST, `Your host is ${server}, running switchboard`);
  connection.numeric(RPL.CREATED, `This server was created ${directory.startedAt.toISOString()}`);
  connection.numeric(RPL.MYINFO, server, 'switchboard', 'i', 'kn');
  connection.numeric(
    RPL.ISUPPORT,
    'CASEMAPPING=ascii',
    `CHANNELLEN=${CHANNELLEN}`,
    'CHANLIMIT=#:1',
    'CHANMODES=,k,,n',
    'CHANTYPES=#',
    `NETWORK=${server}`,
    `NICKLEN=${NICKLEN}`,
    'PREFIX=()',
    'TARGMAX=PRIVMSG:8,NOTICE:8,NAMES:1,WHOIS:1',
    'are supported by this server',
  );
  sendMotd(connection);
  // A SASL account whose nick differs from the one the client sent: tell it its nick.
  if (previous !== '*' && previous !== nick) {
    connection.send(`:${previous}!chat@${server} NICK :${nick}\r\n`);
  }
  connection.welcome();
  await joinMain(connection);
  connection.releaseHeld();
}

export function sendMotd(connection: IrcConnection): void {
  const { motd, serverName } = connection.directory.options;
  if (motd.length === 0) {
    connection.numeric(ERR.NOMOTD, 'MOTD File is missing');
    return;
  }
  connection.numeric(RPL.MOTDSTART, `- ${serverName} Message of the day -`);
  for (const line of motd) connection.numeric(RPL.MOTD, `- ${sanitizeText(line)}`);
  connection.numeric(RPL.ENDOFMOTD, 'End of /MOTD command');
}
