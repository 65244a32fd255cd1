import type { HostileConnection } from './connection.ts';
import { type EpisodeContext, type ProtocolFuzzer, repeat, sendBatched, sendOversized } from './episode.ts';

/**
 * tcp-rooms (seed 001): UTF-8 lines. Plain chat lines are only sent from inside the hostile
 * room, once the gateway confirmed the join: in the main chat they would be broadcasts to the
 * bystanders, which is chat, not an attack on them.
 */

/** The hostile room, made once before the campaign; its password comes from the gateway. */
export interface HostileRoom {
  name: string;
  password: string;
}

const line = (text: string) => Buffer.from(`${text}\n`, 'utf8');

/** Commands and mistyped commands: never a plain line, so never a broadcast. */
function command({ random, names }: EpisodeContext): Buffer {
  const text = random.weighted<() => string>([
    [3, () => `/msg ${random.pick(names.guests)} ${random.text(random.int(0, 80))}`],
    [1, () => `/msg ${random.text(random.int(0, 10))}`],
    [1, () => '/who'],
    [1, () => '/rooms'],
    [1, () => `/join ${random.text(random.int(0, 12))} ${random.text(random.int(0, 8))}`],
    [1, () => `/${random.text(random.int(0, 20))}`],
    [1, () => `/help${random.chance(0.5) ? ` ${random.text(4)}` : ''}`],
  ])();
  const bytes = Buffer.from(`/${text.slice(1).replaceAll('\n', ' ')}`, 'utf8');
  const ending = random.chance(0.3) ? '\r\n' : '\n';
  // Invalid UTF-8 inside a command line, now and then.
  const body = random.chance(0.05) ? Buffer.concat([bytes, Buffer.from([0xff, 0xc3])]) : bytes;
  return Buffer.concat([body, Buffer.from(ending)]);
}

/** Any text as one chat line; never a command, so never `/exit` back into the main chat. */
function chatLine({ random }: EpisodeContext): Buffer {
  const text = random.text(random.int(0, 100)).replaceAll('\n', ' ');
  return line(text.startsWith('/') ? `x${text}` : text);
}

async function logIn(context: EpisodeContext, wait: boolean): Promise<HostileConnection> {
  const connection = await context.open();
  const account = context.random.pick(context.names.accounts);
  if (wait) connection.keep();
  await connection.send(Buffer.concat([line(account.name), line(account.password)]), 2, 'login');
  if (wait) await connection.waitFor('Welcome back', 5000);
  return connection;
}

export function tcpRoomsFuzzer(room: HostileRoom): ProtocolFuzzer {
  return {
    protocol: 'tcp-rooms',
    episodes: [
      [
        4,
        'pipelined login + commands',
        async (context) => {
          // Log in and pipeline commands in the same write, without waiting for any prompt.
          const connection = await context.open();
          const account = context.random.pick(context.names.accounts);
          const login = [line(account.name), line(account.password)];
          await sendBatched(
            connection,
            [...login, ...repeat(context.random.int(100, 1500), () => command(context))],
            'pipelined login + commands',
          );
        },
      ],
      [
        4,
        'room chat',
        async (context) => {
          // In the hostile room: a burst of chat lines of any text, escapes and broken UTF-8 included.
          const connection = await logIn(context, true);
          await connection.send(line(`/join ${room.name} ${room.password}`), 1, 'room chat');
          if (!(await connection.waitFor(`Joined ${room.name}.`, 5000))) return;
          const chat = repeat(context.random.int(200, 2000), () =>
            context.random.chance(0.9) ? chatLine(context) : context.random.mutate(line('x')),
          );
          await sendBatched(connection, chat, 'room chat');
        },
      ],
      [
        2,
        'random bytes',
        async (context) => {
          // Random bytes before logging in: nicknames, passwords and sign-ups of garbage.
          const connection = await context.open();
          for (let i = context.random.int(1, 20); i > 0; i--) {
            if (!(await connection.send(context.random.bytes(context.random.int(1, 600)), 1, 'random bytes')))
              break;
          }
        },
      ],
      [
        1,
        'oversized line',
        async (context) => {
          // An endless line (no newline) far past the limit, then one over the limit by a byte.
          const connection = await logIn(context, false);
          if (context.random.chance(0.5))
            await sendOversized(
              connection,
              context.random.int(5000, 2 * 1024 * 1024),
              0x61,
              'oversized line',
            );
          else await connection.send(Buffer.from(`/msg ${'x'.repeat(4092)}\n`), 1, 'oversized line');
          await connection.send(line('/who'), 1, 'oversized line');
        },
      ],
      [
        2,
        'newline flood',
        async (context) => {
          // A flood of empty lines and bare \r at the nickname prompt.
          const connection = await context.open();
          const count = context.random.int(200, 3000);
          const flood = Buffer.alloc(count, 0x0a);
          for (let i = 0; i < count; i += 7) flood[i] = 0x0d;
          await connection.send(flood, count - Math.ceil(count / 7), 'newline flood');
        },
      ],
      [
        2,
        'truncated then hang-up',
        async (context) => {
          // Half a line (or a half sign-up) and then a hang-up or a half-close.
          const connection = await context.open();
          const account = context.random.pick(context.names.accounts);
          const start = context.random.chance(0.5)
            ? `${account.name}\n${account.password}\n/msg ${context.random.pick(context.names.guests)} half`
            : `fz-new-${context.random.int(0, 99)}\nsecret\nsec`;
          await connection.send(Buffer.from(start), 2, 'truncated then hang-up');
          if (context.random.chance(0.5)) {
            connection.halfClose();
            await connection.waitClosed(1000);
          } else connection.hangUp();
        },
      ],
      [
        1,
        'wrong password',
        async (context) => {
          // Wrong passwords for real accounts, pipelined: the throttle must hold without stalling anyone.
          const connection = await context.open();
          const decoy = context.random.pick(context.names.decoys);
          await connection.send(
            Buffer.from(`${decoy}\nwrong-${context.random.int(0, 1e6)}\n/who\n`),
            3,
            'wrong password',
          );
          await connection.waitClosed(1000);
        },
      ],
      [
        1,
        'never-reading',
        async (context) => {
          // Asks for /help over and over and never reads the answers.
          const connection = await logIn(context, false);
          connection.stopReading();
          await sendBatched(
            connection,
            repeat(context.random.int(500, 2000), () => line('/help')),
            'never-reading',
          );
        },
      ],
    ],
  };
}
