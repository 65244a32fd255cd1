import type { IrcConnection } from './irc-connection.ts';
import { MAIN_CHANNEL, roomOfChannel } from './irc-names.ts';
import { userPrefix } from './irc-render.ts';
import { ERR, ircRefusals, RPL } from './irc-replies.ts';

/**
 * Channels are the core's rooms: `#main` is the main chat and `#ROOM` a private room (made with
 * tcp-rooms' /create; its password is the channel key). Like the core, a connection is in one of
 * them at a time (`CHANLIMIT=#:1`): joining another parts the one it was in. After PART it sees
 * no broadcasts until it joins again, though it still receives direct messages.
 */

/** 352 lines of one WHO: about 700 KB, well inside the slow-reader limit. */
const MAX_WHO_REPLIES = 10_000;

const echo = (connection: IrcConnection, command: string, channel: string, reason?: string) => {
  const prefix = userPrefix(connection.nick, connection.directory.options.serverName);
  connection.send(`:${prefix} ${command} ${channel}${reason === undefined ? '' : ` :${reason}`}\r\n`);
};

/** Where every chat user starts (SPEC §1): the client is told it joined `#main`. */
export async function joinMain(connection: IrcConnection): Promise<void> {
  await enter(connection, MAIN_CHANNEL, null);
}

/** `JOIN #a,#b key1,key2` (one at a time, the last one stays), `JOIN 0` parts. */
export async function join(connection: IrcConnection, params: readonly string[]): Promise<void> {
  const list = params[0];
  if (list === undefined || list.length === 0) {
    connection.numeric(ERR.NEEDMOREPARAMS, 'JOIN', 'Not enough parameters');
    return;
  }
  if (list === '0') {
    if (connection.channel !== null) leave(connection, connection.channel, 'Left all channels');
    return;
  }
  const keys = (params[1] ?? '').split(',');
  const channels = list.split(',');
  for (let i = 0; i < channels.length && !connection.isClosing; i++) {
    await joinOne(connection, channels[i]!, keys[i] ?? '');
  }
}

async function joinOne(connection: IrcConnection, channel: string, key: string): Promise<void> {
  if (channel === connection.channel) return;
  const room = roomOfChannel(channel);
  if (room === undefined) {
    connection.numeric(ERR.NOSUCHCHANNEL, channel, 'No such channel');
    return;
  }
  if (room === null) {
    if (connection.session.room !== null) connection.session.exitRoom();
    await enter(connection, channel, null);
    return;
  }
  let result: Awaited<ReturnType<typeof connection.session.joinRoom>>;
  try {
    result = await connection.session.joinRoom(room, key);
  } catch (error) {
    connection.directory.logger.warn({ err: error }, 'irc join: room store unavailable');
    connection.numeric(ERR.NOSUCHCHANNEL, channel, 'Rooms are temporarily unavailable, try again later');
    return;
  }
  if (connection.isClosing) return;
  if (result !== 'ok') {
    const numeric = result === 'NO_SUCH_ROOM' ? ERR.NOSUCHCHANNEL : ERR.BADCHANNELKEY;
    connection.numeric(numeric, channel, ircRefusals[result]);
  } else {
    await enter(connection, channel, room);
  }
}

/** Parts the channel it was in (the core has already moved it), joins `channel`, lists names. */
async function enter(connection: IrcConnection, channel: string, room: string | null): Promise<void> {
  const previous = connection.channel;
  if (previous !== null && previous !== channel) echo(connection, 'PART', previous, `Moved to ${channel}`);
  setChannel(connection, channel, room);
  echo(connection, 'JOIN', channel);
  await names(connection, [channel]);
}

function setChannel(connection: IrcConnection, channel: string | null, room: string | null): void {
  const { directory } = connection;
  const wasRoom = connection.channel !== null && connection.channel !== MAIN_CHANNEL;
  if (wasRoom) directory.leaveRoom(roomOfChannel(connection.channel!)!, connection);
  connection.channel = channel;
  if (room !== null) directory.enterRoom(room, connection);
}

/** A closed connection is no longer a member of its room's channel here. */
export function leaveChannel(connection: IrcConnection): void {
  setChannel(connection, null, null);
}

function leave(connection: IrcConnection, channel: string, reason: string): void {
  echo(connection, 'PART', channel, reason);
  // The core has no "nowhere": a room's member goes back to the main chat, unseen until JOIN.
  if (connection.session.room !== null) connection.session.exitRoom();
  setChannel(connection, null, null);
}

export function part(connection: IrcConnection, params: readonly string[]): void {
  const list = params[0];
  if (list === undefined || list.length === 0) {
    connection.numeric(ERR.NEEDMOREPARAMS, 'PART', 'Not enough parameters');
    return;
  }
  for (const channel of list.split(',')) {
    if (channel === connection.channel) leave(connection, channel, params[1] ?? 'Leaving');
    else if (roomOfChannel(channel) === undefined)
      connection.numeric(ERR.NOSUCHCHANNEL, channel, 'No such channel');
    else connection.numeric(ERR.NOTONCHANNEL, channel, "You're not on that channel");
  }
}

/** The nicks of a channel: every active name for `#main`, this server's IRC users for a room. */
async function members(connection: IrcConnection, channel: string): Promise<string[] | null> {
  const room = roomOfChannel(channel);
  if (room === undefined) return null;
  if (room === null) return connection.directory.activeNicks();
  return connection.directory.roomMembers(room).map((member) => member.nick);
}

const asItIs = (nick: string) => nick;

/** `NAMES [#channel]`: 353 lines of at most 512 bytes, then 366. */
export async function names(connection: IrcConnection, params: readonly string[]): Promise<void> {
  const channel = params[0]?.split(',')[0] ?? connection.channel ?? '*';
  const { directory } = connection;
  if (roomOfChannel(channel) === null) {
    // The main chat: every active name, listed from the names themselves (no array of nicks).
    const listed = await directory.activeNames();
    if (connection.isClosing) return;
    for (const piece of directory.replies.names(connection.nick, channel, listed, directory.toNick)) {
      connection.send(piece);
    }
    return;
  }
  const nicks = (await members(connection, channel)) ?? [];
  if (connection.isClosing) return;
  for (const piece of directory.replies.names(connection.nick, channel, nicks, asItIs))
    connection.send(piece);
}

/** `WHO #channel` or `WHO nick`: one 352 per user, then 315. */
export async function who(connection: IrcConnection, params: readonly string[]): Promise<void> {
  const mask = params[0] ?? '*';
  const { serverName } = connection.directory.options;
  let listed: { channel: string; nicks: string[] };
  if (mask.startsWith('#')) {
    listed = { channel: mask, nicks: (await members(connection, mask)) ?? [] };
  } else {
    const name = connection.directory.nameOf(mask);
    const active = name !== null && (await connection.directory.isActive(name));
    listed = { channel: '*', nicks: active ? [mask] : [] };
  }
  if (connection.isClosing) return;
  // One WHO of a huge main chat must not make its asker a slow reader (SPEC §1 drops those).
  if (listed.nicks.length > MAX_WHO_REPLIES) {
    connection.send(
      connection.directory.replies.command(
        'NOTICE',
        connection.nick,
        `*** WHO lists the first ${MAX_WHO_REPLIES} of ${listed.nicks.length}; NAMES lists all`,
      ),
    );
  }
  // The listing may be shared (the main chat's nicks of this turn): read, never cut.
  const count = Math.min(listed.nicks.length, MAX_WHO_REPLIES);
  for (let i = 0; i < count; i++) {
    const nick = listed.nicks[i]!;
    connection.numeric(RPL.WHOREPLY, listed.channel, 'chat', serverName, serverName, nick, 'H', `0 ${nick}`);
  }
  connection.numeric(RPL.ENDOFWHO, mask, 'End of /WHO list');
}

/** Modes are fixed: channels are `+n` (and `+k` for rooms), users `+i`; nobody may change them. */
export function mode(connection: IrcConnection, params: readonly string[]): void {
  const target = params[0];
  if (target === undefined) {
    connection.numeric(ERR.NEEDMOREPARAMS, 'MODE', 'Not enough parameters');
    return;
  }
  if (!target.startsWith('#')) {
    if (target !== connection.nick)
      connection.numeric(ERR.USERSDONTMATCH, "Can't change mode for other users");
    else connection.numeric(RPL.UMODEIS, '+i');
    return;
  }
  const room = roomOfChannel(target);
  if (room === undefined) connection.numeric(ERR.NOSUCHCHANNEL, target, 'No such channel');
  else if (params.length > 1 && params[1] !== 'b') {
    connection.numeric(ERR.CHANOPRIVSNEEDED, target, 'Channel modes are fixed on this server');
  } else if (params.length > 1) connection.numeric('368', target, 'End of channel ban list');
  else connection.numeric(RPL.CHANNELMODEIS, target, room === null ? '+n' : '+kn');
}

export function topic(connection: IrcConnection, params: readonly string[]): void {
  const channel = params[0];
  if (channel === undefined) connection.numeric(ERR.NEEDMOREPARAMS, 'TOPIC', 'Not enough parameters');
  else if (roomOfChannel(channel) === undefined)
    connection.numeric(ERR.NOSUCHCHANNEL, channel, 'No such channel');
  else if (params.length > 1)
    connection.numeric(ERR.CHANOPRIVSNEEDED, channel, 'Topics are fixed on this server');
  else connection.numeric(RPL.NOTOPIC, channel, 'No topic is set');
}
