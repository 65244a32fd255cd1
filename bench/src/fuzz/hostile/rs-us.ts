import { type EpisodeContext, type ProtocolFuzzer, repeat, sendBatched, sendOversized } from './episode.ts';

/**
 * rs-us (seed 003): parts split by U+001F, messages ended by U+001E. `broadcast` is only ever sent
 * with a wrong number of arguments: a real one would reach the bystanders as chat.
 */

const US = '\u001f';
const RS = '\u001e';

function frame(parts: readonly string[], trailing: boolean): Buffer {
  return Buffer.from(parts.join(US) + (trailing ? US + RS : RS), 'utf8');
}

/** A part: any text but the separators. */
const part = (context: EpisodeContext, max: number) =>
  context.random.text(context.random.int(0, max)).replace(/[\u001e\u001f]/g, '');

function message(context: EpisodeContext): Buffer {
  const { random, names } = context;
  const account = random.pick(names.accounts);
  const parts = random.weighted<() => string[]>([
    [4, () => ['send', random.pick(names.guests), part(context, 100)]],
    [2, () => ['who']],
    [1, () => ['prolongate']],
    [1, () => ['logout']],
    [1, () => ['invalidate']],
    [1, () => ['login', account.name, account.password]],
    [1, () => ['login', random.pick(names.decoys), `wrong-${random.int(0, 1e6)}`]],
    [1, () => ['broadcast']],
    // Non-empty parts: an empty last one would read as the trailing form's marker, making a real broadcast.
    [1, () => ['broadcast', `a${part(context, 10)}`, `b${part(context, 10)}`]],
    [1, () => [part(context, 12), ...repeat(random.int(0, 4), () => part(context, 12))]],
    [1, () => ['send', part(context, 10)]],
  ])();
  const bytes = frame(parts, random.chance(0.3));
  // A mangled broadcast can lose the separator between its two arguments and become a real one.
  return parts[0] !== 'broadcast' && random.chance(0.05) ? random.mutate(bytes) : bytes;
}

export const rsUsFuzzer: ProtocolFuzzer = {
  protocol: 'rs-us',
  episodes: [
    [
      6,
      'pipelined commands',
      async (context) => {
        // A login and a pipelined burst of commands in one go, mostly valid, some mangled.
        const connection = await context.open();
        const account = context.random.pick(context.names.accounts);
        const login = frame(['login', account.name, account.password], context.random.chance(0.5));
        await sendBatched(
          connection,
          [login, ...repeat(context.random.int(200, 2500), () => message(context))],
          'pipelined commands',
        );
      },
    ],
    [
      2,
      'random bytes',
      async (context) => {
        // Random bytes in random chunks (mostly not UTF-8: the gateway answers io_error and closes).
        const connection = await context.open();
        for (let i = context.random.int(1, 30); i > 0; i--) {
          if (!(await connection.send(context.random.bytes(context.random.int(1, 1000)), 1, 'random bytes')))
            break;
        }
      },
    ],
    [
      2,
      'delimiter flood',
      async (context) => {
        // A flood of empty messages and bare separators.
        const connection = await context.open();
        const count = context.random.int(200, 3000);
        const flood = Buffer.alloc(count, 0x1e);
        for (let i = 0; i < count; i += 3) flood[i] = 0x1f;
        await connection.send(flood, count - Math.ceil(count / 3), 'delimiter flood');
        await connection.waitClosed(200);
      },
    ],
    [
      1,
      'oversized message',
      async (context) => {
        // A message over the limit: 64 KiB + 1 with its U+001E, or an endless one without.
        const connection = await context.open();
        if (context.random.chance(0.5))
          await connection.send(
            Buffer.concat([Buffer.alloc(64 * 1024, 0x61), Buffer.from(RS)]),
            1,
            'oversized message',
          );
        else
          await sendOversized(
            connection,
            context.random.int(64 * 1024, 1024 * 1024),
            0x62,
            'oversized message',
          );
        await connection.waitClosed(2000);
      },
    ],
    [
      2,
      'truncated then hang-up',
      async (context) => {
        // Some commands, half a message, then a hang-up or a half-close.
        const connection = await context.open();
        const burst = [...repeat(context.random.int(1, 50), () => message(context))];
        const cut = message(context);
        await connection.send(
          Buffer.concat([...burst, cut.subarray(0, Math.max(0, cut.length - 1))]),
          burst.length + 1,
          'truncated then hang-up',
        );
        if (context.random.chance(0.5)) {
          connection.halfClose();
          await connection.waitClosed(1000);
        } else connection.hangUp();
      },
    ],
    [
      1,
      'never-reading',
      async (context) => {
        // Asks `who` over and over and never reads the answers.
        const connection = await context.open();
        connection.stopReading();
        const account = context.random.pick(context.names.accounts);
        await sendBatched(
          connection,
          [
            frame(['login', account.name, account.password], false),
            ...repeat(context.random.int(500, 2500), () => frame(['who'], false)),
          ],
          'never-reading',
        );
      },
    ],
  ],
};
