import type { HostileConnection } from './connection.ts';
import { type EpisodeContext, type ProtocolFuzzer, repeat, sendBatched, sendOversized } from './episode.ts';
import type { HostileRoom } from './tcp-rooms.ts';

/**
 * IRC (docs/irc.md): lines of at most 512 bytes. PRIVMSG and NOTICE only ever go to hostile or
 * made-up nicks and to channels no room has; never to `#main` or a bystander, which would be
 * chat reaching the bystanders, not an attack on them. Channel text is only sent from inside the
 * hostile room, once the gateway confirmed the join (as tcp-rooms does). Message lines are never
 * mutated: a mangled target could become a real one.
 */

const ENDINGS = ['\r\n', '\r\n', '\r\n', '\n', '\r'] as const;

function line(context: EpisodeContext, text: string): Buffer {
  return Buffer.from(text + context.random.pick(ENDINGS), 'utf8');
}

/** Any text that stays inside its line (a CR or LF in it would start a line of its own). */
const text = (context: EpisodeContext, max: number) =>
  context.random.text(context.random.int(0, max)).replace(/[\r\n]/g, ' ');

/** A word that is one parameter, not a list: no space, comma or line ending; never a bystander's name. */
function word(context: EpisodeContext, max: number): string {
  const value = text(context, max).replace(/[ ,]/g, '_');
  return value.includes('bystander') ? `x${value}` : value;
}

/** A hostile guest (maybe active on any protocol) or a nick nobody has. */
function nick(context: EpisodeContext): string {
  const { random, names } = context;
  return random.chance(0.7) ? random.pick(names.guests) : `fz-nobody-${random.int(0, 1e6)}`;
}

/** A channel that never is `#main`: no room has it, so a PRIVMSG to it is refused (403/404). */
const channel = (context: EpisodeContext) => `#fz-${word(context, 12)}`;

/** What the hostile client writes to another user: any text, CTCP and formatting codes included. */
function messageText(context: EpisodeContext): string {
  const { random } = context;
  const body = text(context, 120);
  return random.weighted<() => string>([
    [6, () => body],
    [1, () => `\u0001ACTION ${body}\u0001`],
    [1, () => `\u0001${random.pick(['VERSION', 'DCC SEND x 1 2 3', 'PING 1', word(context, 8)])}\u0001`],
    [1, () => `\u0002\u0003${random.int(0, 99)},${random.int(0, 99)}${body}\u000f`],
  ])();
}

function privmsg(context: EpisodeContext): string {
  const { random } = context;
  const verb = random.chance(0.7) ? 'PRIVMSG' : 'NOTICE';
  const targets = random.weighted<() => string>([
    [6, () => nick(context)],
    [1, () => channel(context)],
    // Up to 11 targets: more than TARGMAX's 8 gets 407.
    [1, () => [...repeat(random.int(2, 11), () => nick(context))].join(',')],
  ])();
  return random.weighted<() => string>([
    [10, () => `${verb} ${targets} :${messageText(context)}`],
    [1, () => verb],
    [1, () => `${verb} ${targets}`],
    [1, () => `${verb} ${targets} :`],
  ])();
}

/** Any command but a message to a user: listings, channel moves, nick changes, garbage. */
function command(context: EpisodeContext): string {
  const { random } = context;
  return random.weighted<() => string>([
    [2, () => `JOIN ${channel(context)}${random.chance(0.5) ? ` ${word(context, 10)}` : ''}`],
    [1, () => `JOIN ${random.pick(['0', '#main', `${channel(context)},${channel(context)}`, ''])}`],
    [
      1,
      () =>
        `PART ${random.pick([channel(context), '#main', ''])}${random.chance(0.3) ? ` :${text(context, 30)}` : ''}`,
    ],
    [2, () => `WHO ${random.pick(['#main', nick(context), channel(context), ''])}`],
    [1, () => `WHOIS ${random.chance(0.8) ? nick(context) : ''}`],
    [1, () => `NAMES ${random.pick(['#main', channel(context), ''])}`],
    [1, () => `ISON ${[...repeat(random.int(0, 20), () => nick(context))].join(' ')}`],
    [
      1,
      () =>
        `MODE ${random.pick(['#main', nick(context), channel(context)])} ${random.pick(['', 'b', '+k x', '+o', '-n'])}`,
    ],
    [
      1,
      () =>
        `TOPIC ${random.pick(['#main', channel(context)])}${random.chance(0.5) ? ` :${text(context, 30)}` : ''}`,
    ],
    [1, () => `NICK ${random.chance(0.5) ? nick(context) : word(context, 70)}`],
    [
      1,
      () => random.pick(['MOTD', 'PING', `PING :${word(context, 20)}`, 'PONG x', 'USER a b c :d', 'PASS x']),
    ],
    [1, () => `@${word(context, 20)} :${word(context, 20)} PING ${word(context, 10)}`],
    [1, () => `${word(context, 12)} ${text(context, 40)}`],
  ])();
}

function anyLine(context: EpisodeContext): Buffer {
  if (context.random.chance(0.4)) return line(context, privmsg(context));
  const bytes = line(context, command(context));
  return context.random.chance(0.05) ? context.random.mutate(bytes) : bytes;
}

/** NICK and USER of a hostile guest, to pipeline ahead of the episode's input. */
function registration(context: EpisodeContext): Buffer[] {
  return [
    line(context, `NICK ${context.random.pick(context.names.guests)}`),
    line(context, `USER fz 0 * :${text(context, 20)}`),
  ];
}

/** Registration garbage that never ends it: CAP LS leaves negotiation open, and CAP END never comes. */
function registrationGarbage(context: EpisodeContext): Buffer {
  const { random } = context;
  const cap = word(context, 8);
  const value = random.weighted<() => string>([
    [3, () => `NICK ${random.chance(0.5) ? word(context, 80) : nick(context)}`],
    [3, () => `USER ${[...repeat(random.int(0, 6), () => word(context, 12))].join(' ')}`],
    [2, () => `CAP ${random.pick(['LS', 'LS 302', 'LIST', `REQ :${text(context, 30)}`, 'REQ :sasl'])}`],
    [1, () => `CAP ${cap.toUpperCase() === 'END' ? 'ENDX' : cap} ${text(context, 20)}`],
    [1, () => `PASS ${text(context, 40)}`],
    [1, () => random.pick(['PRIVMSG', 'JOIN', 'WHO', 'NAMES', 'MODE', 'PING']) + ` ${word(context, 20)}`],
    [1, () => `${word(context, 12)} ${text(context, 40)}`],
  ])();
  return line(context, value);
}

const base64 = (context: EpisodeContext, bytes: number) => context.random.bytes(bytes).toString('base64');

/** The answer to `AUTHENTICATE +`: random base64, a wrong login, an over-long one, or nonsense. */
function saslAnswer(context: EpisodeContext): string[] {
  const { random, names } = context;
  const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');
  return random.weighted<() => string[]>([
    [3, () => [base64(context, random.int(0, 290))]],
    [2, () => [plain(random.pick(names.decoys), `wrong-${random.int(0, 1e6)}`)]],
    [1, () => [plain(`fz-nobody-${random.int(0, 1e6)}`, text(context, 20))]],
    // More than 1,600 characters in pieces of 400: 905.
    [1, () => [...repeat(random.int(4, 6), () => 'A'.repeat(400)), '+']],
    [1, () => ['*']],
    [1, () => [text(context, 40).replace(/ /g, '')]],
  ])();
}

async function registered(context: EpisodeContext, wait: boolean): Promise<HostileConnection> {
  const connection = await context.open();
  if (wait) connection.keep();
  await connection.send(Buffer.concat(registration(context)), 2, 'registration');
  if (wait) await connection.waitFor(' 001 ', 5000);
  return connection;
}

export function ircFuzzer(room: HostileRoom): ProtocolFuzzer {
  return {
    protocol: 'irc',
    episodes: [
      [
        6,
        'pipelined commands',
        async (context) => {
          // Registration and a burst of commands and messages in one go, without waiting for the welcome.
          const connection = await context.open();
          await sendBatched(
            connection,
            [...registration(context), ...repeat(context.random.int(200, 2500), () => anyLine(context))],
            'pipelined commands',
          );
        },
      ],
      [
        2,
        'registration flood',
        async (context) => {
          // NICK/USER/CAP/PASS garbage behind an open CAP negotiation: registered never.
          const connection = await context.open();
          await sendBatched(
            connection,
            [
              line(context, 'CAP LS 302'),
              ...repeat(context.random.int(100, 1500), () => registrationGarbage(context)),
            ],
            'registration flood',
          );
        },
      ],
      [
        2,
        'sasl and pass garbage',
        async (context) => {
          // AUTHENTICATE with random base64 (or a wrong PASS for a decoy), then on as a guest or not at all.
          const { random } = context;
          const connection = await context.open();
          const lines: Buffer[] = [];
          if (random.chance(0.3)) {
            const who = random.chance(0.5)
              ? random.pick(context.names.decoys)
              : `fz-nobody-${random.int(0, 1e6)}`;
            lines.push(line(context, `PASS ${text(context, 30) || 'x'}`), line(context, `NICK ${who}`));
            lines.push(line(context, 'USER fz 0 * :fz'));
          } else {
            lines.push(line(context, 'CAP LS 302'), line(context, 'CAP REQ :sasl'));
            for (let i = random.int(1, 4); i > 0; i--) {
              lines.push(line(context, `AUTHENTICATE ${random.chance(0.85) ? 'PLAIN' : word(context, 12)}`));
              for (const piece of saslAnswer(context)) lines.push(line(context, `AUTHENTICATE ${piece}`));
            }
            if (random.chance(0.5)) lines.push(line(context, 'CAP END'), ...registration(context));
          }
          await connection.send(Buffer.concat(lines), lines.length, 'sasl and pass garbage');
          await connection.waitClosed(200);
        },
      ],
      [
        4,
        'room chat',
        async (context) => {
          // In the hostile room: a burst of channel text of any kind. Only there, and only once joined.
          const connection = await registered(context, true);
          await connection.send(line(context, `JOIN #${room.name} ${room.password}`), 1, 'room chat');
          if (!(await connection.waitFor(` JOIN #${room.name}\r\n`, 5000))) return;
          const chat = repeat(context.random.int(200, 2000), () =>
            line(context, `PRIVMSG #${room.name} :${messageText(context)}`),
          );
          await sendBatched(connection, chat, 'room chat');
        },
      ],
      [
        2,
        'random bytes',
        async (context) => {
          // Random bytes in random chunks, before any registration.
          const connection = await context.open();
          for (let i = context.random.int(1, 20); i > 0; i--) {
            if (!(await connection.send(context.random.bytes(context.random.int(1, 800)), 1, 'random bytes')))
              break;
          }
        },
      ],
      [
        1,
        'non-UTF-8',
        async (context) => {
          // Invalid UTF-8 in nicks, targets and texts: read as U+FFFD, never a crash.
          const connection = await registered(context, false);
          const broken = () =>
            context.random.bytes(context.random.int(1, 40)).filter((b) => b !== 0x0a && b !== 0x0d);
          const lines = repeat(context.random.int(50, 500), () => {
            const kind = context.random.int(0, 2);
            const head = ['NICK ', `PRIVMSG ${nick(context)} :`, 'WHOIS '][kind]!;
            return Buffer.concat([Buffer.from(head), Buffer.from(broken()), Buffer.from('\r\n')]);
          });
          await sendBatched(connection, lines, 'non-UTF-8');
        },
      ],
      [
        1,
        'oversized line',
        async (context) => {
          // Exactly 510 bytes (accepted), 511 (417), or an endless line far past the limit; then a PING.
          const connection = await registered(context, false);
          const head = `NOTICE fz-nobody-${context.random.int(0, 1e6)} :`;
          const choice = context.random.int(0, 2);
          if (choice === 2)
            await sendOversized(
              connection,
              context.random.int(5000, 2 * 1024 * 1024),
              0x61,
              'oversized line',
            );
          else
            await connection.send(
              Buffer.from(`${head}${'x'.repeat(510 + choice - head.length)}\r\n`),
              1,
              'oversized line',
            );
          await connection.send(Buffer.from('\r\nPING :after\r\n'), 1, 'oversized line');
        },
      ],
      [
        2,
        'line-ending flood',
        async (context) => {
          // CR, LF and NUL in any mix: empty lines, bare CRs and lines of NULs (421), registered or not.
          const connection = context.random.chance(0.5)
            ? await registered(context, false)
            : await context.open();
          const count = context.random.int(200, 3000);
          const flood = Buffer.alloc(count);
          let endings = 0;
          for (let i = 0; i < count; i++) {
            const roll = context.random.next();
            flood[i] = roll < 0.4 ? 0x0a : roll < 0.7 ? 0x0d : 0x00;
            if (flood[i] !== 0x00) endings++;
          }
          await connection.send(flood, endings, 'line-ending flood');
        },
      ],
      [
        1,
        'listing flood',
        async (context) => {
          // WHO/WHOIS/NAMES/ISON over and over; half the time never reading the answers.
          const connection = await registered(context, false);
          if (context.random.chance(0.5)) connection.stopReading();
          const listing = () =>
            line(
              context,
              context.random.pick([
                'WHO #main',
                'NAMES #main',
                'NAMES',
                `WHOIS ${nick(context)}`,
                `WHO ${nick(context)}`,
                `ISON ${[...repeat(20, () => nick(context))].join(' ')}`,
              ]),
            );
          await sendBatched(connection, repeat(context.random.int(300, 2000), listing), 'listing flood');
        },
      ],
      [
        1,
        'never-reading',
        async (context) => {
          // Asks for the MOTD over and over and never reads the answers.
          const connection = await registered(context, false);
          connection.stopReading();
          await sendBatched(
            connection,
            repeat(context.random.int(500, 2500), () => line(context, 'MOTD')),
            'never-reading',
          );
        },
      ],
      [
        2,
        'truncated then hang-up',
        async (context) => {
          // Some lines, half of one, then a hang-up or a half-close.
          const connection = await context.open();
          const burst = [
            ...registration(context),
            ...repeat(context.random.int(1, 50), () => anyLine(context)),
          ];
          const cut = anyLine(context);
          await connection.send(
            Buffer.concat([...burst, cut.subarray(0, Math.max(0, cut.length - 2))]),
            burst.length + 1,
            'truncated then hang-up',
          );
          if (context.random.chance(0.5)) {
            connection.halfClose();
            await connection.waitClosed(1000);
          } else connection.hangUp();
        },
      ],
    ],
  };
}
