import { checkTextName, Name } from '@switchboard/core';
import type { LineMode, TcpRoomsLink } from './tcp-rooms-link.ts';
import {
  joined,
  noSuchUser,
  online,
  refusals,
  replies,
  roomCreated,
  roomList,
  usage,
} from './tcp-rooms-replies.ts';

const SLASH = 0x2f;
const MAX_ROOM_BYTES = 64;
/** Whitespace (including U+2028/U+2029), C0, DEL and C1: a room name is one visible word. */
const ROOM_NAME_FORBIDDEN = /[\s\u0000-\u001f\u007f-\u009f]/;

/** True for a name `/create` accepts: 1 to 64 bytes, no spaces or control characters. */
export function isRoomName(room: string): boolean {
  return (
    room.length > 0 && !ROOM_NAME_FORBIDDEN.test(room) && Buffer.byteLength(room, 'utf8') <= MAX_ROOM_BYTES
  );
}

/** Splits command arguments on spaces, ignoring repeated ones. */
function words(rest: string): string[] {
  return rest.split(' ').filter((word) => word.length > 0);
}

/**
 * A logged-in connection: lines are chat for the current room, or `/commands`. It keeps no state
 * of its own (the session does), so one instance serves every connection.
 */
class ChatCommands implements LineMode {
  line(link: TcpRoomsLink, text: string): Promise<void> | undefined {
    if (text.charCodeAt(0) !== SLASH) {
      this.#chat(link, text);
      return;
    }
    const space = text.indexOf(' ');
    const command = (space === -1 ? text.slice(1) : text.slice(1, space)).toLowerCase();
    const rest = space === -1 ? '' : text.slice(space + 1);
    switch (command) {
      case 'create':
        return this.#roomStore(link, this.#create(link, words(rest)));
      case 'join':
        return this.#roomStore(link, this.#join(link, words(rest)));
      case 'exit':
        if (this.#noArguments(link, rest, '/exit')) {
          link.session.exitRoom();
          link.say(replies.backInMainChat);
        }
        return;
      case 'msg':
        return this.#message(link, rest);
      case 'who':
        return this.#noArguments(link, rest, '/who') ? this.#who(link) : undefined;
      case 'rooms':
        return this.#noArguments(link, rest, '/rooms') ? this.#roomStore(link, this.#rooms(link)) : undefined;
      case 'help':
        if (this.#noArguments(link, rest, '/help')) link.say(replies.help);
        return;
      case 'quit':
        if (this.#noArguments(link, rest, '/quit')) link.hangUp(replies.bye);
        return;
      default:
        link.say(replies.unknownCommand);
    }
  }

  tooLong(link: TcpRoomsLink): void {
    link.say(replies.lineTooLong);
  }

  #chat(link: TcpRoomsLink, text: string): void {
    // An empty line is a stray Enter, not a message.
    if (text.length === 0) return;
    const { session, context } = link;
    session.broadcast(text);
    if (context.options.logChat) {
      context.logger.info({ sender: session.name?.text, room: session.room, text }, 'chat message');
    }
  }

  /** The room store failing (Redis or the disk gone) is an outage: the user is told, and stays. */
  async #roomStore(link: TcpRoomsLink, command: Promise<void>): Promise<void> {
    try {
      await command;
    } catch (error) {
      link.context.roomsOutage.warn(error);
      link.say(refusals.SERVICE_UNAVAILABLE());
    }
  }

  /** True when the command came without arguments; otherwise its usage is the answer. */
  #noArguments(link: TcpRoomsLink, rest: string, synopsis: string): boolean {
    if (words(rest).length === 0) return true;
    link.say(usage(synopsis));
    return false;
  }

  async #create(link: TcpRoomsLink, args: string[]): Promise<void> {
    const room = args[0];
    if (args.length !== 1 || room === undefined) {
      link.say(usage('/create ROOM'));
      return;
    }
    if (!isRoomName(room)) {
      link.say(replies.badRoomName);
      return;
    }
    const result = await link.session.createRoom(room);
    const line = typeof result === 'string' ? refusals[result](room) : roomCreated(room, result.password);
    if (line !== null) link.say(line);
  }

  async #join(link: TcpRoomsLink, args: string[]): Promise<void> {
    const [room, password] = args;
    if (args.length !== 2 || room === undefined || password === undefined) {
      link.say(usage('/join ROOM PASSWORD'));
      return;
    }
    const { session, context } = link;
    const user = session.name;
    if (user === null) return;
    // Refused unchecked while locked: no scrypt is spent on a guesser.
    if (context.roomGuesses.isLocked(user, session.address)) {
      link.say(replies.tooManyRoomGuesses);
      return;
    }
    const result = await session.joinRoom(room, password);
    if (result === 'ok') {
      context.roomGuesses.succeeded(user);
      link.say(joined(room));
    } else {
      if (result === 'WRONG_ROOM_PASSWORD') context.roomGuesses.failed(user, session.address);
      link.say(refusals[result](room));
    }
  }

  #message(link: TcpRoomsLink, rest: string): Promise<void> | undefined {
    const line = rest.trimStart();
    const space = line.indexOf(' ');
    const nick = space === -1 ? line : line.slice(0, space);
    const text = space === -1 ? '' : line.slice(space + 1);
    if (nick.length === 0 || text.length === 0) {
      link.say(usage('/msg NICK TEXT'));
      return;
    }
    if (checkTextName(nick) !== null) {
      link.say(noSuchUser(nick));
      return;
    }
    const { session, context } = link;
    return session.sendDirect([Name.fromText(nick)], text).then((missing) => {
      if (missing.length > 0) link.say(noSuchUser(nick));
      else if (context.options.logChat) {
        context.logger.info({ sender: session.name?.text, to: nick, text }, 'private message');
      }
    });
  }

  async #who(link: TcpRoomsLink): Promise<void> {
    link.say(online(await link.session.activeNames()));
  }

  async #rooms(link: TcpRoomsLink): Promise<void> {
    link.say(roomList(await link.context.hub.rooms.list()));
  }
}

/** The chat mode of every logged-in connection. */
export const chatCommands: LineMode = new ChatCommands();
