import type { Name, NameProblem } from '@switchboard/core';
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
  registeredMeanwhile: 'This nickname has just been registered by someone else.',
  wrongPassword: 'Wrong password.',
  throttled: 'Too many failed attempts. Try again later.',
  lineTooLong: 'Line too long.',
  unknownCommand: 'Unknown command. Type /help.',
  backInMainChat: 'Back in the main chat.',
  wrongRoomPassword: 'Wrong room password.',
  tooManyRoomGuesses: 'Too many wrong room passwords. Try again later.',
  noRooms: 'No rooms yet.',
  badRoomName: 'A room name is 1 to 64 bytes without spaces or control characters.',
  bye: 'Bye.',
  shuttingDown: 'Server is shutting down.',
  disconnected: 'Disconnected by an administrator.',
  tooManyConnections: 'Too many connections.',
  serverError: 'Server error. Please try again later.',
  serviceUnavailable: 'Service temporarily unavailable. Please try again later.',
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

const nicknameProblems: Record<NameProblem, string> = {
  empty: 'The nickname is empty.',
  'too-long': 'The nickname is longer than 256 bytes.',
  'control-character': 'The nickname contains a control character.',
};

export const badNickname = (problem: NameProblem) => nicknameProblems[problem];
export const welcomeBack = (nick: string) => `Welcome back, ${escapeLineText(nick)}!`;
export const registered = (nick: string) => `Registered. Welcome, ${escapeLineText(nick)}!`;
export const roomCreated = (room: string, password: string) =>
  `Room ${escapeLineText(room)} created. Password: ${password}`;
export const roomExists = (room: string) => `Room ${escapeLineText(room)} already exists.`;
export const joined = (room: string) => `Joined ${escapeLineText(room)}.`;
export const noSuchRoom = (room: string) => `No such room: ${escapeLineText(room)}.`;
export const noSuchUser = (nick: string) => `No such user: ${escapeLineText(nick)}.`;
export const usage = (synopsis: string) => `Usage: ${synopsis}`;

export function online(names: readonly Name[]): string {
  return `Online: ${names.map((name) => escapeLineText(name.text)).join(', ')}`;
}

export function roomList(rooms: readonly string[]): string {
  return rooms.length === 0 ? replies.noRooms : `Rooms: ${rooms.map(escapeLineText).join(', ')}`;
}
