import {
  type EpisodeContext,
  type ProtocolFuzzer,
  repeat,
  sendBatched,
  sendOversized,
  sleep,
} from './episode.ts';

/** SOH (seed 004): raw byte fields ended by 0x01. */

const SOH = 0x01;
const field = (bytes: Uint8Array | string) => Buffer.concat([Buffer.from(bytes), Buffer.from([SOH])]);
const withoutSoh = (bytes: Buffer) => Buffer.from(bytes.filter((b) => b !== SOH));

/** A message to a hostile name (some online, some not), sometimes slightly broken. */
function message({ random, names }: EpisodeContext): Buffer {
  const to = random.chance(0.1)
    ? withoutSoh(random.bytes(random.int(0, 20)))
    : Buffer.from(random.pick(names.guests));
  const text = withoutSoh(random.bytes(random.int(0, 120)));
  const valid = Buffer.concat([field(to), field(text)]);
  return random.chance(0.1) ? random.mutate(valid) : valid;
}

async function introduce(context: EpisodeContext) {
  const connection = await context.open();
  await connection.send(field(context.random.pick(context.names.guests)), 1, 'introduction');
  return connection;
}

export const sohFuzzer: ProtocolFuzzer = {
  protocol: 'soh',
  episodes: [
    [
      6,
      'pipelined messages',
      async (context) => {
        // A pipelined burst of messages, under and then over the rate limit.
        const connection = await introduce(context);
        await sendBatched(
          connection,
          repeat(context.random.int(200, 3000), () => message(context)),
          'pipelined messages',
        );
      },
    ],
    [
      2,
      'random bytes',
      async (context) => {
        // Random bytes in random chunks, straight after connecting (the first field is the name).
        const connection = await context.open();
        for (let i = context.random.int(1, 40); i > 0; i--) {
          if (!(await connection.send(context.random.bytes(context.random.int(1, 2000)), 1, 'random bytes')))
            break;
        }
      },
    ],
    [
      2,
      'delimiter flood',
      async (context) => {
        // A flood of bare 0x01: empty receivers and texts, one message per two delimiters.
        const connection = await introduce(context);
        const pairs = context.random.int(200, 3000);
        await connection.send(Buffer.alloc(pairs * 2, SOH), pairs, 'delimiter flood');
        await connection.waitClosed(200);
      },
    ],
    [
      1,
      'oversized field',
      async (context) => {
        // A field of limit + 1 bytes (1 MiB + 1): the gateway must close without holding it.
        const connection = await introduce(context);
        await sendOversized(connection, 1024 * 1024 + 1, 0x61, 'oversized field');
        await connection.waitClosed(2000);
      },
    ],
    [
      1,
      'bad name',
      async (context) => {
        // Names the gateway must refuse: empty, 257 bytes; then messages it must not act on.
        const connection = await context.open();
        const name = context.random.chance(0.5) ? Buffer.alloc(0) : Buffer.alloc(257, 0x6e);
        await connection.send(Buffer.concat([field(name), message(context)]), 2, 'bad name');
        await connection.waitClosed(1000);
      },
    ],
    [
      2,
      'truncated then hang-up',
      async (context) => {
        // Some messages, then half of one, then a hang-up or a half-close.
        const connection = await introduce(context);
        const burst = [...repeat(context.random.int(1, 50), () => message(context))];
        const cut = message(context);
        await connection.send(
          Buffer.concat([...burst, cut.subarray(0, context.random.int(0, cut.length - 1))]),
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
        // A reader that never reads, sent large messages by another hostile connection: the gateway
        // must drop it once its queue passes the limit, without slowing anyone else.
        const name = `${context.random.pick(context.names.guests)}-mute`;
        const mute = await context.open();
        mute.stopReading();
        await mute.send(field(name), 1, 'never-reading');
        const sender = await introduce(context);
        const text = field(Buffer.alloc(16 * 1024, 0x7a));
        await sendBatched(
          sender,
          repeat(context.random.int(400, 640), () => Buffer.concat([field(name), text])),
          'never-reading',
        );
        await sleep(200);
      },
    ],
  ],
};
