import type { ErrorCode, Name } from '@switchboard/core';
import { escapeLineText } from './tcp-rooms-codec.ts';

/**
 * Every line the server says, in one place (without the `\n`). Anything a user typed is passed
 * through {@link escapeLineText}, so each reply stays exactly one line.
 */
export const replies = {
  enterNickname: 'Enter your nickname:',
  password: 'Password:',
  newNickname: 'New nickname. Choose a password:',
  repeatPassword: 'Repeat the password:',
  passwordsDiffer: 'Passwords do not match.',
  emptyPassword: 'The password cannot be empty.',
  nicknameWithSpace: 'A new nickname cannot contain spaces.',
  lineTooLong: 'Line too long.',
  unknownCommand: 'Unknown command. Type /help.',
  backInMainChat: 'Back in the main chat.',
  tooManyRoomGuesses: 'Too many wrong room passwords. Try again later.',
  noRooms: 'No rooms yet.',
  badRoomName: 'A room name is 1 to 64 bytes without spaces or control characters.',
  bye: 'Bye.',
  shuttingDown: 'Server is shutting down.',
  disconnected: 'Disconnected by an administrator.',
  serverError: 'Server error. Please try again later.',
  loginTimedOut: 'Login timed out.',
  help: [
    'Commands:',
    '/create ROOM - create a private room and move into it',
    '/join ROOM PASSWORD - join a private room',
    '/exit - leave the room for the main chat',
    '/msg NICK TEXT - send a private message',
    '/who - list the users online',
    '/rooms - list the rooms',
    '/quit - disconnect',
    'Any other line goes to everyone in your room.',
  ].join('\n'),
} as const;

/**
 * Every code of the core's catalog as the line tcp-rooms says for it; `subject` is the nickname
 * or room the refusal is about. Null: nothing is said (the connection is already closing). A code
 * without a rendering here is a compile error.
 */
export const refusals = {
  NAME_EMPTY: () => 'The nickname is empty.',
  NAME_TOO_LONG: () => 'The nickname is longer than 256 bytes.',
  NAME_CONTROL_CHARACTER: () => 'The nickname contains a control character.',
  // Registering: someone registered the name while this user typed the password twice.
  NAME_REGISTERED: () => 'This nickname has just been registered by someone else.',
  ALREADY_IDENTIFIED: () => 'You are already logged in.',
  NOT_IDENTIFIED: () => 'Log in first.',
  CONNECTION_CLOSED: () => null,
  REPLACED: () => 'Your nickname was taken by a newer connection.',
  WRONG_PASSWORD: () => 'Wrong password.',
  // The account was deleted meanwhile: say no more than for a wrong password.
  UNKNOWN_USER: () => 'Wrong password.',
  THROTTLED: () => 'Too many failed attempts. Try again later.',
  ROOM_EXISTS: (room: string) => `Room ${escapeLineText(room)} already exists.`,
  NO_SUCH_ROOM: (room: string) => `No such room: ${escapeLineText(room)}.`,
  WRONG_ROOM_PASSWORD: () => 'Wrong room password.',
  TOO_MANY_CONNECTIONS: () => 'Too many connections.',
  SERVICE_UNAVAILABLE: () => 'Service temporarily unavailable. Please try again later.',
} as const satisfies Record<ErrorCode, (subject: string) => string | null>;

export const welcomeBack = (nick: string) => `Welcome back, ${escapeLineText(nick)}!`;
export const registered = (nick: string) => `Registered. Welcome, ${escapeLineText(nick)}!`;
export const roomCreated = (room: string, password: string) =>
  `Room ${escapeLineText(room)} created. Password: ${password}`;
export const joined = (room: string) => `Joined ${escapeLineText(room)}.`;
export const noSuchUser = (nick: string) => `No such user: ${escapeLineText(nick)}.`;
export const usage = (synopsis: string) => `Usage: ${synopsis}`;

export function online(names: readonly Name[]): string {
  return `Online: ${names.map((name) => escapeLineText(name.text)).join(', ')}`;
}

export function roomList(rooms: readonly string[]): string {
  return rooms.length === 0 ? replies.noRooms : `Rooms: ${rooms.map(escapeLineText).join(', ')}`;
}
