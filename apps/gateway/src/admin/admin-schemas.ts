import { checkTextName, MAX_NAME_BYTES, type NameProblem } from '@switchboard/core';
import { z } from 'zod';

/** The longest system message, in Unicode code points: the protocols' default text limit. */
export const MAX_SYSTEM_TEXT = 4096;
/** Most recipients of one system message. */
export const MAX_RECIPIENTS = 1000;
/** A room name as tcp-rooms allows it: 1 to 64 bytes. */
const MAX_ROOM_BYTES = 64;
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export const errorBody = z.strictObject({ error: z.string() }).meta({ id: 'Error' });

/** How the admin API and the CLI name a name's problem: `invalid name (too-long)`. */
export const nameProblemWords = {
  NAME_EMPTY: 'empty',
  NAME_TOO_LONG: 'too-long',
  NAME_CONTROL_CHARACTER: 'control-character',
} as const satisfies Record<NameProblem, string>;

/** A name as text protocols carry it: UTF-8, 1–256 bytes, no control characters. */
export const nameText = z
  .string()
  .superRefine((text, context) => {
    const problem = checkTextName(text);
    if (problem) context.addIssue({ code: 'custom', message: `invalid name (${nameProblemWords[problem]})` });
  })
  .meta({ description: `1 to ${MAX_NAME_BYTES} bytes of UTF-8 without control characters`, minLength: 1 });

const codePoints = (text: string) => {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
};

export const nameParams = z.strictObject({ name: nameText });

export const credentials = z
  .strictObject({ name: nameText, password: z.string().min(1).max(1024) })
  .meta({ id: 'Credentials' });
export const newPassword = z
  .strictObject({ password: z.string().min(1).max(1024) })
  .meta({ id: 'NewPassword' });

export const systemMessage = z
  .strictObject({
    text: z
      .string()
      .min(1, 'the text is empty')
      .refine((text) => codePoints(text) <= MAX_SYSTEM_TEXT, `longer than ${MAX_SYSTEM_TEXT} code points`)
      .meta({ maxLength: MAX_SYSTEM_TEXT }),
    to: z
      .array(nameText)
      .min(1, 'to is empty; leave it out to send to the main chat')
      .max(MAX_RECIPIENTS)
      .optional(),
    room: z
      .string()
      .min(1)
      .refine((room) => Buffer.byteLength(room) <= MAX_ROOM_BYTES, `longer than ${MAX_ROOM_BYTES} bytes`)
      .optional(),
  })
  .refine((body) => body.to === undefined || body.room === undefined, 'give either to or room, not both')
  .meta({
    id: 'SystemMessage',
    description: 'Direct to `to`, to the private room `room`, or (neither) to the main chat.',
  });

export const systemMessageSent = z
  .strictObject({
    sender: z.string(),
    /** Who got it: active recipients of a direct message, the members of the room otherwise. */
    delivered: z.array(z.string()),
    /** Direct only: recipients that were not active (they got nothing). */
    inactive: z.array(z.string()).optional(),
    missingGateways: z.int().nonnegative(),
  })
  .meta({ id: 'SystemMessageSent' });

export const disconnected = z
  .strictObject({ name: z.string(), closed: z.int().positive(), missingGateways: z.int().nonnegative() })
  .meta({ id: 'Disconnected' });

export const connectionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
  cursor: z.string().min(1).max(1024).optional(),
});

export const connection = z
  .strictObject({
    gateway: z.string(),
    id: z.int(),
    protocol: z.string(),
    address: z.string(),
    connectedAt: z.iso.datetime(),
    identified: z.boolean(),
    name: z.string().nullable(),
    kind: z.enum(['guest', 'registered']).nullable(),
    room: z.string().nullable(),
  })
  .meta({ description: 'One open connection, identified or not' });

export const connectionPage = z
  .strictObject({
    connections: z.array(connection),
    /** Pass as `cursor` for the next page; null on the last one. */
    next: z.string().nullable(),
    missingGateways: z.int().nonnegative(),
  })
  .meta({ id: 'ConnectionPage' });

export const accountList = z.strictObject({ accounts: z.array(z.string()) }).meta({ id: 'AccountList' });
export const accountCreated = z.strictObject({ name: z.string() }).meta({ id: 'AccountCreated' });
export const sessionList = z
  .strictObject({
    sessions: z.array(z.strictObject({ clientId: z.string(), sessionId: z.string() })),
  })
  .meta({ id: 'SessionList' });
export const roomList = z.strictObject({ rooms: z.array(z.string()) }).meta({ id: 'RoomList' });
export const presenceList = z.strictObject({ active: z.array(z.string()) }).meta({ id: 'Presence' });
export const health = z.strictObject({ status: z.string() }).meta({ id: 'Health' });
