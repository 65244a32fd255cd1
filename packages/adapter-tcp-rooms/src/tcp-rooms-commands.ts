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

/** A logged-in connection: lines are chat for the current room, or `/commands`. */
export class ChatCommands implements LineMode {
  readonly #link: TcpRoomsLink;

  constructor(link: TcpRoomsLink) {
    this.#link = link;
  }

  line(text: string): void | Promise<void> {
    if (text.charCodeAt(0) !== SLASH) {
      this.#chat(text);
      return;
    }
    const space = text.indexOf(' ');
    const command = (space === -1 ? text.slice(1) : text.slice(1, space)).toLowerCase();
    const rest = space === -1 ? '' : text.slice(space + 1);
    switch (command) {
      case 'create':
        return this.#roomStore(this.#create(words(rest)));
      case 'join':
        return this.#roomStore(this.#join(words(rest)));
      case 'exit':
        return this.#withoutArguments(rest, '/exit', () => {
          this.#link.session.exitRoom();
          this.#link.say(replies.backInMainChat);
        });
      case 'msg':
        return this.#message(rest);
      case 'who':
        return this.#withoutArguments(rest, '/who', () => this.#who());
      case 'rooms':
        return this.#withoutArguments(rest, '/rooms', () => this.#roomStore(this.#rooms()));
      case 'help':
        return this.#withoutArguments(rest, '/help', () => this.#link.say(replies.help));
      case 'quit':
        return this.#withoutArguments(rest, '/quit', () => this.#link.hangUp(replies.bye));
      default:
        this.#link.say(replies.unknownCommand);
    }
  }

  tooLong(): void {
    this.#link.say(replies.lineTooLong);
  }

  #chat(text: string): void {
    // An empty line is a stray Enter, not a message.
    if (text.length === 0) return;
    const { session, context } = this.#link;
    session.broadcast(text);
    if (context.options.logChat) {
      context.logger.info({ sender: session.name?.text, room: session.room, text }, 'chat message');
    }
  }

  /** The room store failing (Redis or the disk gone) is an outage: the user is told, and stays. */
  async #roomStore(command: Promise<void>): Promise<void> {
    try {
      await command;
    } catch (error) {
      this.#link.context.roomsOutage.warn(error);
      this.#link.say(refusals.SERVICE_UNAVAILABLE());
    }
  }

  #withoutArguments(
    rest: string,
    synopsis: string,
    action: () => void | Promise<void>,
  ): void | Promise<void> {
    if (words(rest).length > 0) {
      this.#link.say(usage(synopsis));
      return;
    }
    return action();
  }

  async #create(args: string[]): Promise<void> {
    const room = args[0];
    if (args.length !== 1 || room === undefined) {
      this.#link.say(usage('/create ROOM'));
      return;
    }
    if (!isRoomName(room)) {
      this.#link.say(replies.badRoomName);
      return;
    }
    const result = await this.#link.session.createRoom(room);
    const line = typeof result === 'string' ? refusals[result](room) : roomCreated(room, result.password);
    if (line !== null) this.#link.say(line);
  }

  async #join(args: string[]): Promise<void> {
    const [room, password] = args;
    if (args.length !== 2 || room === undefined || password === undefined) {
      this.#link.say(usage('/join ROOM PASSWORD'));
      return;
    }
    const { session, context } = this.#link;
    const user = session.name;
    if (user === null) return;
    // Refused unchecked while locked: no scrypt is spent on a guesser.
    if (context.roomGuesses.isLocked(user, session.address)) {
      this.#link.say(replies.tooManyRoomGuesses);
      return;
    }
    const result = await session.joinRoom(room, password);
    if (result === 'ok') {
      context.roomGuesses.succeeded(user);
      this.#link.say(joined(room));
    } else {
      if (result === 'WRONG_ROOM_PASSWORD') context.roomGuesses.failed(user, session.address);
      this.#link.say(refusals[result](room));
    }
  }

  async #message(rest: string): Promise<void> {
    const line = rest.trimStart();
    const space = line.indexOf(' ');
    const nick = space === -1 ? line : line.slice(0, space);
    const text = space === -1 ? '' : line.slice(space + 1);
    if (nick.length === 0 || text.length === 0) {
      this.#link.say(usage('/msg NICK TEXT'));
      return;
    }
    if (checkTextName(nick) !== null) {
      this.#link.say(noSuchUser(nick));
      return;
    }
    const { session, context } = this.#link;
    const missing = await session.sendDirect([Name.fromText(nick)], text);
    if (missing.length > 0) this.#link.say(noSuchUser(nick));
    else if (context.options.logChat) {
      context.logger.info({ sender: session.name?.text, to: nick, text }, 'private message');
    }
  }

  async #who(): Promise<void> {
    this.#link.say(online(await this.#link.session.activeNames()));
  }

  async #rooms(): Promise<void> {
    this.#link.say(roomList(await this.#link.context.hub.rooms.list()));
  }
}
