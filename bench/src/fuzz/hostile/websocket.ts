import type { HostileConnection } from './connection.ts';
import { type EpisodeContext, type ProtocolFuzzer, repeat, sendBatched } from './episode.ts';
import {
  BINARY,
  CLOSE,
  encodeFrame,
  PING,
  textFrame,
  upgradeRequest,
  websocketKey,
} from './websocket-wire.ts';

/**
 * json-ws (seed 000) and sessions (seed 002): both are JSON frames over WebSocket; sessions names
 * the client in the upgrade's `client_id` instead of a `hello`. A `send_message` always carries
 * `recievers`: without them it is a broadcast to the main chat, which would reach the bystanders.
 */

interface WebSocketTarget {
  readonly protocol: string;
  /** The upgrade's request target for a hostile client named `name`. */
  path(name: string): string;
  /** Frames that identify the client after the upgrade (json-ws `hello`), none for sessions. */
  identify(name: string): Buffer[];
}

/** True for JSON that the gateway would take as a broadcast (`send_message` without recipients). */
function isBroadcast(text: string): boolean {
  try {
    const value = JSON.parse(text) as { type?: unknown; data?: { recievers?: unknown } } | null;
    return value?.type === 'send_message' && value.data?.recievers == null;
  } catch {
    return false;
  }
}

function chatFrameText(context: EpisodeContext): string {
  const { random, names } = context;
  const recievers = () => repeat(random.int(1, 4), () => random.pick(names.guests));
  const make = random.weighted<() => string>([
    [
      5,
      () =>
        JSON.stringify({
          type: 'send_message',
          data: { recievers: [...recievers()], text: random.text(random.int(0, 100)) },
        }),
    ],
    [2, () => JSON.stringify({ type: 'recieve_status' })],
    [1, () => JSON.stringify({ type: 'hello', data: { user: random.pick(names.guests) } })],
    [1, () => JSON.stringify({ type: random.text(random.int(0, 12)), data: {} })],
    [
      1,
      () =>
        JSON.stringify({ type: 'send_message', data: { recievers: random.text(5), text: random.int(0, 9) } }),
    ],
    [1, () => JSON.stringify({ type: 'send_message', data: { recievers: [], text: 'x' } })],
    [1, () => JSON.stringify([1, 2, { type: 'hello' }])],
    [1, () => random.text(random.int(0, 60))],
  ]);
  let text = make();
  if (random.chance(0.15)) text = random.mutate(Buffer.from(text)).toString('utf8');
  return isBroadcast(text) ? JSON.stringify({ type: 'recieve_status' }) : text;
}

/** `{"type":"send_message","data":{"recievers":[[[[...` nested `depth` deep, as one frame. */
function deepNested(context: EpisodeContext): Buffer {
  const depth = context.random.int(1000, 200_000);
  const open = context.random.chance(0.5) ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  const field = context.random.pick(['recievers', 'text', 'user']);
  const body = `${open.repeat(depth)}1${close.repeat(depth)}`;
  const type = field === 'user' ? 'hello' : 'send_message';
  const recievers = field === 'text' ? '"recievers":["x"],' : '';
  return textFrame(`{"type":"${type}","data":{${recievers}"${field}":${body}}}`);
}

/** A direct message to tens of thousands of names, most of them not online. */
function hugeRecipientList(context: EpisodeContext): Buffer {
  const count = context.random.int(1000, 60_000);
  const names = [
    ...repeat(count, (i) => (i % 10 === 0 ? context.random.pick(context.names.guests) : `nobody-${i}`)),
  ];
  return textFrame(JSON.stringify({ type: 'send_message', data: { recievers: names, text: 'hi all' } }));
}

async function upgrade(
  context: EpisodeContext,
  target: WebSocketTarget,
  name: string,
): Promise<HostileConnection | null> {
  const connection = await context.open();
  connection.keep(64 * 1024);
  await connection.send(
    Buffer.from(upgradeRequest(target.path(name), websocketKey(context.random))),
    1,
    'upgrade',
  );
  if (!(await connection.waitFor('\r\n\r\n', 5000))) return null;
  if (!connection.received().subarray(0, 12).toString('latin1').includes('101')) return null;
  const hello = target.identify(name);
  if (hello.length > 0) await connection.send(Buffer.concat(hello), hello.length, 'hello');
  return connection;
}

/** Upgrade requests broken in every way a careless or hostile client can break them. */
function malformedUpgrade(context: EpisodeContext, target: WebSocketTarget): Buffer {
  const { random } = context;
  const key = websocketKey(random);
  const path = target.path(random.pick(context.names.guests));
  const valid = Buffer.from(upgradeRequest(path, key));
  return random.weighted<() => Buffer>([
    [3, () => random.mutate(valid)],
    [1, () => Buffer.from(upgradeRequest(path, 'short'))],
    [1, () => Buffer.from(upgradeRequest(path, key).replace('Version: 13', `Version: ${random.int(0, 99)}`))],
    [
      1,
      () => Buffer.from(upgradeRequest(path, key, `X-Junk: ${'j'.repeat(random.int(8_000, 100_000))}\r\n`)),
    ],
    [
      1,
      () =>
        Buffer.from(
          upgradeRequest(`/?client_id=${encodeURIComponent(random.text(random.int(0, 300)))}`, key),
        ),
    ],
    [
      1,
      () =>
        Buffer.from(
          `${random.pick(['POST', 'GET', 'BREW', ''])} ${random.text(20)} HTTP/${random.pick(['1.0', '1.1', '2', 'x'])}\r\n\r\n`,
        ),
    ],
    [1, () => Buffer.from(`GET /sessions HTTP/1.1\r\nHost: x\r\n\r\n`)],
    [1, () => random.bytes(random.int(1, 500))],
  ])();
}

/** WebSocket frames no client may send: the gateway must close that connection, and only it. */
function badFrame(context: EpisodeContext): Buffer {
  const { random } = context;
  const payload = Buffer.from('{"type":"recieve_status"}');
  return random.weighted<() => Buffer>([
    [1, () => encodeFrame(payload, { reserved: random.int(1, 7) })],
    [1, () => encodeFrame(payload, { masked: false })],
    [1, () => encodeFrame(payload, { opcode: random.pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) })],
    [1, () => encodeFrame(payload, { opcode: 0 })],
    [1, () => encodeFrame(Buffer.alloc(200), { opcode: PING })],
    [1, () => encodeFrame(Buffer.from([0x03, 0xe7]), { opcode: CLOSE })],
    [1, () => encodeFrame(Buffer.from([0xff, 0xfe, 0xfd]))],
    [1, () => encodeFrame(payload, { fin: false, opcode: PING })],
    [1, () => random.bytes(random.int(1, 300))],
  ])();
}

function webSocketFuzzer(target: WebSocketTarget): ProtocolFuzzer {
  const named = (context: EpisodeContext) => context.random.pick(context.names.guests);
  return {
    protocol: target.protocol,
    episodes: [
      [
        6,
        'pipelined frames',
        async (context) => {
          // A burst of frames, mostly valid chat, some broken JSON, wrong shapes, pings, binary.
          const connection = await upgrade(context, target, named(context));
          if (!connection) return;
          const frames = repeat(context.random.int(200, 2500), () =>
            context.random.chance(0.95)
              ? textFrame(chatFrameText(context))
              : encodeFrame(context.random.bytes(context.random.int(0, 40)), {
                  opcode: context.random.pick([BINARY, PING]),
                }),
          );
          await sendBatched(connection, frames, 'pipelined frames');
        },
      ],
      [
        2,
        'malformed upgrade',
        async (context) => {
          // Broken upgrade requests, several per connection when the gateway keeps it open.
          const connection = await context.open();
          for (let i = context.random.int(1, 3); i > 0; i--) {
            if (!(await connection.send(malformedUpgrade(context, target), 1, 'malformed upgrade'))) break;
          }
          await connection.waitClosed(300);
        },
      ],
      [
        1,
        'bad frame',
        async (context) => {
          // Frames a client must never send, then (if still open) garbage.
          const connection = await upgrade(context, target, named(context));
          if (!connection) return;
          await connection.send(badFrame(context), 1, 'bad frame');
          await connection.waitClosed(500);
        },
      ],
      [
        1,
        'deep JSON / huge recipient list',
        async (context) => {
          // Deeply nested JSON up to ~1 MiB, and direct messages to tens of thousands of names.
          const connection = await upgrade(context, target, named(context));
          if (!connection) return;
          for (let i = context.random.int(1, 4); i > 0; i--) {
            const frame = context.random.chance(0.5) ? deepNested(context) : hugeRecipientList(context);
            if (!(await connection.send(frame, 1, 'deep JSON / huge recipient list'))) break;
          }
        },
      ],
      [
        1,
        'oversized frame',
        async (context) => {
          // A frame over the 1 MiB hard limit (the gateway closes with 1009), or one that claims
          // 1 GiB and then hangs up.
          const connection = await upgrade(context, target, named(context));
          if (!connection) return;
          if (context.random.chance(0.5))
            await connection.send(encodeFrame(Buffer.alloc(1024 * 1024 + 1, 0x20)), 1, 'oversized frame');
          else
            await connection.send(
              encodeFrame(Buffer.alloc(1000, 0x20), { claimedLength: 1 << 30 }),
              1,
              'oversized frame',
            );
          await connection.waitClosed(2000);
        },
      ],
      [
        2,
        'truncated then hang-up',
        async (context) => {
          // Some frames, then half a frame and a hang-up or a half-close.
          const connection = await upgrade(context, target, named(context));
          if (!connection) return;
          const burst = [...repeat(context.random.int(1, 50), () => textFrame(chatFrameText(context)))];
          const cut = textFrame(chatFrameText(context));
          await connection.send(
            Buffer.concat([...burst, cut.subarray(0, context.random.int(1, cut.length - 1))]),
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
          // Asks for the presence list over and over and never reads the answers.
          const connection = await upgrade(context, target, named(context));
          if (!connection) return;
          connection.stopReading();
          await sendBatched(
            connection,
            repeat(context.random.int(500, 2500), () => textFrame('{"type":"recieve_status"}')),
            'never-reading',
          );
        },
      ],
    ],
  };
}

export const jsonWsFuzzer = webSocketFuzzer({
  protocol: 'json-ws',
  path: () => '/',
  identify: (name) => [textFrame(JSON.stringify({ type: 'hello', data: { user: name } }))],
});

export const sessionsFuzzer = webSocketFuzzer({
  protocol: 'sessions',
  path: (name) => `/?client_id=${encodeURIComponent(name)}`,
  identify: () => [],
});
