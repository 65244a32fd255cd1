/**
 * Raw clients for the end-to-end tests: unlike the scripted clients they show EVERYTHING a
 * server wrote (replies, notifications, close codes, the end of the stream), because these tests
 * are about what one process tells a connection on behalf of another.
 */
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import WebSocket from 'ws';

/** Everything received so far, with awaitable reads that can pick an item out of order. */
export class Inbox<T> {
  readonly #items: T[] = [];
  readonly #waiters = new Set<{ matches: (item: T) => boolean; take: (item: T) => void }>();
  readonly #describe: (item: T) => string;

  constructor(describe: (item: T) => string = (item) => JSON.stringify(item)) {
    this.#describe = describe;
  }

  push(item: T): void {
    for (const waiter of this.#waiters) {
      if (waiter.matches(item)) {
        this.#waiters.delete(waiter);
        waiter.take(item);
        return;
      }
    }
    this.#items.push(item);
  }

  /** What arrived and was not taken yet. */
  get pending(): readonly T[] {
    return this.#items;
  }

  /** Takes the first item (already here or still to come) that `matches`; others stay queued. */
  take(matches: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const index = this.#items.findIndex(matches);
    if (index >= 0) return Promise.resolve(this.#items.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        matches,
        take: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const seen = this.#items.map(this.#describe).join(', ') || 'nothing';
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; pending: ${seen}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** The next item in arrival order. */
  next(timeoutMs: number, what: string): Promise<T> {
    return this.take(() => true, timeoutMs, what);
  }

  /** Resolves if nothing matching arrives within `ms`. */
  async nothing(matches: (item: T) => boolean, ms: number, what: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const found = this.#items.find(matches);
    if (found !== undefined) throw new Error(`expected no ${what}, got ${this.#describe(found)}`);
  }

  clear(): void {
    this.#items.length = 0;
  }
}

const WAIT_MS = 5_000;

function connectTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves when the peer has ended or reset the stream; the socket's errors end up here. */
function endOf(socket: Socket): Promise<void> {
  socket.on('error', () => {});
  return once(socket, 'close').then(() => undefined);
}

function splitOn(socket: Socket, delimiter: number, onPiece: (piece: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let index = pending.indexOf(delimiter);
    while (index >= 0) {
      onPiece(Buffer.from(pending.subarray(0, index)));
      pending = pending.subarray(index + 1);
      index = pending.indexOf(delimiter);
    }
  });
}

// ---- json-ws and sessions -------------------------------------------------------------------

export interface JsonFrame {
  type: string;
  data?: {
    sender?: string;
    text?: string;
    timestamp?: number;
    active_clients?: string[];
    message?: string;
  };
}

export interface Closed {
  code: number;
  reason: string;
}

export interface JsonConnection {
  readonly ws: WebSocket;
  readonly frames: Inbox<JsonFrame>;
  readonly closed: Promise<Closed>;
  send(frame: object): void;
  /** The next frame of `type`. */
  frame(type: string, timeoutMs?: number): Promise<JsonFrame>;
  /** The next `recieve_message` from `sender` with `text`. */
  message(sender: string, text: string, timeoutMs?: number): Promise<JsonFrame>;
  /** `recieve_status` → the `active_clients` of the answer. */
  status(timeoutMs?: number): Promise<string[]>;
  sendDirect(to: string[], text: string): void;
  broadcast(text: string): void;
  close(): void;
}

function jsonConnection(ws: WebSocket, frames: Inbox<JsonFrame>, closed: Promise<Closed>): JsonConnection {
  const send = (frame: object) => ws.send(JSON.stringify(frame));
  const frame = (type: string, timeoutMs = WAIT_MS) =>
    frames.take((item) => item.type === type, timeoutMs, `a ${type} frame`);
  return {
    ws,
    frames,
    closed,
    send,
    frame,
    message: (sender, text, timeoutMs = WAIT_MS) =>
      frames.take(
        (item) => item.type === 'recieve_message' && item.data?.sender === sender && item.data.text === text,
        timeoutMs,
        `recieve_message ${sender}: ${text}`,
      ),
    status: async (timeoutMs = WAIT_MS) => {
      send({ type: 'recieve_status' });
      return (await frame('chat_status', timeoutMs)).data?.active_clients ?? [];
    },
    sendDirect: (to, text) => send({ type: 'send_message', data: { recievers: to, text } }),
    broadcast: (text) => send({ type: 'send_message', data: { text } }),
    close: () => ws.terminate(),
  };
}

function watchWebSocket(ws: WebSocket, skipFirst: boolean) {
  const frames = new Inbox<JsonFrame>();
  let first = skipFirst;
  let resolveFirst: (text: string) => void = () => {};
  const firstText = new Promise<string>((resolve) => {
    resolveFirst = resolve;
  });
  ws.on('message', (data, binary) => {
    const text = data.toString();
    if (first) {
      first = false;
      resolveFirst(text);
      return;
    }
    frames.push(binary ? { type: `(binary ${text.length} bytes)` } : (JSON.parse(text) as JsonFrame));
  });
  ws.on('error', () => {});
  const closed = new Promise<Closed>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return { frames, firstText, closed };
}

/** A json-ws connection that sent `hello` as `name` and got `chat_status` (rejects otherwise). */
export async function jsonWs(port: number, name: string): Promise<JsonConnection> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  const { frames, closed } = watchWebSocket(ws, false);
  const closedEarly = closed.then((c) => Promise.reject(new Error(`json-ws closed ${c.code} before open`)));
  closedEarly.catch(() => {});
  await Promise.race([once(ws, 'open'), closedEarly]);
  const connection = jsonConnection(ws, frames, closed);
  connection.send({ type: 'hello', data: { user: name } });
  const answer = await frames.next(WAIT_MS, `the answer to hello as ${name}`);
  if (answer.type !== 'chat_status') throw new Error(`hello as ${name}: ${JSON.stringify(answer)}`);
  return connection;
}

export interface SessionsConnection extends JsonConnection {
  readonly sessionId: string;
}

/** A sessions WebSocket for `clientId`; resolves with its session id (rejects on refusal/close). */
export async function sessionsWs(port: number, clientId: string): Promise<SessionsConnection> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/?client_id=${encodeURIComponent(clientId)}`);
  const { frames, firstText, closed } = watchWebSocket(ws, true);
  const refused = new Promise<never>((_, reject) => {
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`sessions upgrade refused: HTTP ${response.statusCode}`)),
    );
    closed.then((c) => reject(new Error(`closed ${c.code} ${c.reason} before the session id`)));
  });
  refused.catch(() => {});
  const sessionId = await Promise.race([firstText, refused]);
  return { ...jsonConnection(ws, frames, closed), sessionId };
}

/** `GET /sessions` as `[clientId, sessionId]` pairs, sorted. */
export async function sessionsList(port: number): Promise<Array<[string, string]>> {
  const response = await fetch(`http://127.0.0.1:${port}/sessions`);
  if (response.status !== 200) throw new Error(`/sessions answered ${response.status}`);
  const body = await response.text();
  return body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ') as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---- rs-us ----------------------------------------------------------------------------------

export const US = '\u001f';
export const RS = '\u001e';

export interface RsUsConnection {
  /** Every frame from the server, as its parts. */
  readonly frames: Inbox<string[]>;
  readonly ended: Promise<void>;
  send(...parts: string[]): void;
  /** Sends a command and resolves with the next frame that is not an `event` or `invalidated`. */
  command(...parts: string[]): Promise<string[]>;
  /** The next frame whose first part is `word`. */
  word(word: string, timeoutMs?: number): Promise<string[]>;
  /** The next `event` whose text is `SENDER: TEXT`. */
  event(text: string, timeoutMs?: number): Promise<string[]>;
  close(): void;
}

const UNSOLICITED = new Set(['event', 'invalidated', 'timeout', 'shutdown', 'io_error']);

export async function rsUs(port: number): Promise<RsUsConnection> {
  const socket = await connectTcp(port);
  const ended = endOf(socket);
  const frames = new Inbox<string[]>((parts) => JSON.stringify(parts.join('|')));
  splitOn(socket, 0x1e, (piece) => frames.push(piece.toString('utf8').split(US)));
  const send = (...parts: string[]) => socket.write(parts.join(US) + RS);
  return {
    frames,
    ended,
    send,
    command: (...parts) => {
      send(...parts);
      return frames.take((f) => !UNSOLICITED.has(f[0]!), WAIT_MS, `the reply to ${parts[0]}`);
    },
    word: (word, timeoutMs = WAIT_MS) => frames.take((f) => f[0] === word, timeoutMs, `rs-us ${word}`),
    event: (text, timeoutMs = WAIT_MS) =>
      frames.take((f) => f[0] === 'event' && f[2] === text, timeoutMs, `rs-us event ${text}`),
    close: () => socket.destroy(),
  };
}

/** An rs-us connection bound to `name` (rejects unless `login_valid`). */
export async function rsUsLogin(port: number, name: string, password: string): Promise<RsUsConnection> {
  const connection = await rsUs(port);
  const [answer] = await connection.command('login', name, password);
  if (answer !== 'login_valid') throw new Error(`rs-us login ${name}: ${answer}`);
  return connection;
}

// ---- tcp-rooms ------------------------------------------------------------------------------

export interface LineConnection {
  readonly lines: Inbox<string>;
  readonly ended: Promise<void>;
  line(text: string): void;
  /** The next line; fails unless it equals `expected` (or matches it). */
  expect(expected: string | RegExp, timeoutMs?: number): Promise<string>;
  /** The next line that matches, skipping others (chat traffic). */
  waitFor(expected: string | RegExp, timeoutMs?: number): Promise<string>;
  close(): void;
}

const lineMatches = (expected: string | RegExp) => (line: string) =>
  typeof expected === 'string' ? line === expected : expected.test(line);

export async function tcpRooms(port: number): Promise<LineConnection> {
  const socket = await connectTcp(port);
  const ended = endOf(socket);
  const lines = new Inbox<string>();
  splitOn(socket, 0x0a, (piece) => lines.push(piece.toString('utf8')));
  return {
    lines,
    ended,
    line: (text) => socket.write(`${text}\n`),
    expect: async (expected, timeoutMs = WAIT_MS) => {
      const line = await lines.next(timeoutMs, `the line ${expected}`);
      if (!lineMatches(expected)(line))
        throw new Error(`expected the line ${expected}, got ${JSON.stringify(line)}`);
      return line;
    },
    waitFor: (expected, timeoutMs = WAIT_MS) =>
      lines.take(lineMatches(expected), timeoutMs, `the line ${expected}`),
    close: () => socket.destroy(),
  };
}

/** A tcp-rooms connection logged in (or signed up) as `name`. */
export async function tcpRoomsLogin(port: number, name: string, password: string): Promise<LineConnection> {
  const connection = await tcpRooms(port);
  await connection.expect('Enter your nickname:');
  connection.line(name);
  const prompt = await connection.expect(/^(Password:|New nickname\. Choose a password:)$/);
  connection.line(password);
  if (prompt !== 'Password:') {
    await connection.expect('Repeat the password:');
    connection.line(password);
    await connection.expect(`Registered. Welcome, ${name}!`);
  } else {
    await connection.expect(`Welcome back, ${name}!`);
  }
  return connection;
}

/** `/who` → the names of its `Online: a, b` answer. */
export async function tcpRoomsWho(connection: LineConnection): Promise<string[]> {
  connection.line('/who');
  const line = await connection.waitFor(/^Online: /);
  return line.slice('Online: '.length).split(', ');
}

// ---- soh ------------------------------------------------------------------------------------

export interface SohConnection {
  /** Every delivery as `SENDER 0x01 TEXT` decoded as UTF-8. */
  readonly deliveries: Inbox<{ sender: string; text: string }>;
  readonly ended: Promise<void>;
  sendDirect(to: string, text: string): void;
  delivery(sender: string, text: string, timeoutMs?: number): Promise<{ sender: string; text: string }>;
  close(): void;
}

/** A SOH connection introduced as `name`. SOH never answers; the caller waits for presence. */
export async function soh(port: number, name: string): Promise<SohConnection> {
  const socket = await connectTcp(port);
  const ended = endOf(socket);
  const deliveries = new Inbox<{ sender: string; text: string }>();
  const fields: string[] = [];
  splitOn(socket, 0x01, (field) => {
    fields.push(field.toString('utf8'));
    if (fields.length === 2) {
      const [sender, text] = fields.splice(0, 2) as [string, string];
      deliveries.push({ sender, text });
    }
  });
  socket.write(`${name}\x01`);
  return {
    deliveries,
    ended,
    sendDirect: (to, text) => socket.write(`${to}\x01${text}\x01`),
    delivery: (sender, text, timeoutMs = WAIT_MS) =>
      deliveries.take(
        (item) => item.sender === sender && item.text === text,
        timeoutMs,
        `soh ${sender}: ${text}`,
      ),
    close: () => socket.destroy(),
  };
}
