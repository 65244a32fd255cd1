/**
 * Scripted chat users, one per protocol, behind one interface: for the interop tests, the
 * interop demo and the benchmarks. Each reports what its protocol rendered (`raw`) and the
 * message normalised for comparison.
 */
import { createConnection, type Socket } from 'node:net';
import WebSocket from 'ws';

/** One chat message as a recipient's protocol rendered it, normalised for comparison. */
export interface Received {
  sender: string;
  text: string;
  direct: boolean | null;
  /** Milliseconds since the epoch as precise as the protocol says (seconds on json-ws, minutes on tcp-rooms). */
  time: number | null;
  /** The exact bytes or frame text the client got. */
  raw: string;
}

/** A scripted user of one protocol, identified under `name`. */
export interface ChatClient {
  readonly protocol: string;
  readonly name: string;
  sendDirect(to: string, text: string): Promise<void>;
  /** Undefined for protocols that cannot broadcast (soh). */
  readonly broadcast: ((text: string) => Promise<void>) | undefined;
  next(timeoutMs?: number): Promise<Received>;
  /** Resolves when nothing arrives for `ms`; rejects with what did arrive. */
  expectNothing(ms?: number): Promise<void>;
  close(): void;
}

export interface Ports {
  'json-ws': number;
  'tcp-rooms': number;
  sessions: number;
  'rs-us': number;
  soh: number;
}

/** A queue of received items with awaitable reads. */
class Inbox<T> {
  readonly #items: T[] = [];
  readonly #waiters: Array<(item: T) => void> = [];

  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  next(timeoutMs: number, what: string): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const waiter = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.#waiters.push(waiter);
    });
  }

  async nothingFor(ms: number, describe: (item: T) => string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.#items.length > 0) throw new Error(`expected nothing, got ${describe(this.#items[0]!)}`);
  }
}

function connectTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function openWebSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Splits a byte stream on a delimiter byte, handing each complete piece to `onPiece`. */
function splitOn(socket: Socket, delimiter: number, onPiece: (piece: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let index = pending.indexOf(delimiter);
    while (index >= 0) {
      onPiece(pending.subarray(0, index));
      pending = pending.subarray(index + 1);
      index = pending.indexOf(delimiter);
    }
  });
}

// ---- json-ws and sessions -------------------------------------------------------------------

interface JsonFrame {
  type: string;
  data?: { sender?: string; text?: string; timestamp?: number; active_clients?: string[]; message?: string };
}

/** Chat over json-ws frames (json-ws after `hello`, sessions after the session id). */
function jsonChatClient(protocol: string, name: string, ws: WebSocket): ChatClient {
  const inbox = new Inbox<Received>();
  ws.on('message', (data, binary) => {
    if (binary) return;
    const raw = data.toString();
    const frame = JSON.parse(raw) as JsonFrame;
    if (frame.type !== 'recieve_message') return;
    const { sender = '', text = '', timestamp = 0 } = frame.data ?? {};
    inbox.push({ sender, text, direct: null, time: timestamp * 1000, raw });
  });
  const send = (frame: object) =>
    new Promise<void>((resolve, reject) =>
      ws.send(JSON.stringify(frame), (e) => (e ? reject(e) : resolve())),
    );
  return {
    protocol,
    name,
    sendDirect: (to, text) => send({ type: 'send_message', data: { recievers: [to], text } }),
    broadcast: (text) => send({ type: 'send_message', data: { text } }),
    next: (timeoutMs = 3_000) => inbox.next(timeoutMs, `a message for ${protocol} ${name}`),
    expectNothing: (ms = 300) => inbox.nothingFor(ms, (item) => item.raw),
    close: () => ws.close(),
  };
}

export async function jsonWsClient(port: number, name: string): Promise<ChatClient> {
  const ws = await openWebSocket(`ws://127.0.0.1:${port}/`);
  const statusArrived = new Promise<void>((resolve, reject) => {
    ws.once('message', (data) => {
      const frame = JSON.parse(data.toString()) as JsonFrame;
      if (frame.type === 'chat_status') resolve();
      else reject(new Error(`hello as ${name} refused: ${data.toString()}`));
    });
  });
  ws.send(JSON.stringify({ type: 'hello', data: { user: name } }));
  await statusArrived;
  return jsonChatClient('json-ws', name, ws);
}

export async function sessionsClient(port: number, clientId: string): Promise<ChatClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/?client_id=${encodeURIComponent(clientId)}`);
  // The session id may arrive in the same read as the upgrade: listen before 'open'.
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  return jsonChatClient('sessions', clientId, ws);
}

// ---- soh ------------------------------------------------------------------------------------

export async function sohClient(port: number, name: string | Buffer): Promise<ChatClient> {
  const socket = await connectTcp(port);
  const inbox = new Inbox<Received>();
  const fields: Buffer[] = [];
  splitOn(socket, 0x01, (field) => {
    fields.push(Buffer.from(field));
    if (fields.length === 2) {
      const [sender, text] = fields.splice(0, 2) as [Buffer, Buffer];
      inbox.push({
        sender: sender.toString('utf8'),
        text: text.toString('utf8'),
        direct: null,
        time: null,
        raw: Buffer.concat([sender, Buffer.from([1]), text, Buffer.from([1])]).toString('latin1'),
      });
    }
  });
  socket.write(Buffer.concat([Buffer.from(name), Buffer.from([1])]));
  // SOH never answers an introduction; give the claim a moment to settle.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const label = typeof name === 'string' ? name : name.toString('utf8');
  return {
    protocol: 'soh',
    name: label,
    sendDirect: (to, text) =>
      new Promise((resolve) =>
        socket.write(Buffer.concat([Buffer.from(`${to}\x01`), Buffer.from(text), Buffer.from([1])]), () =>
          resolve(),
        ),
      ),
    broadcast: undefined,
    next: (timeoutMs = 3_000) => inbox.next(timeoutMs, `a message for soh ${label}`),
    expectNothing: (ms = 300) => inbox.nothingFor(ms, (item) => JSON.stringify(item.raw)),
    close: () => socket.destroy(),
  };
}

// ---- tcp-rooms ------------------------------------------------------------------------------

const TCP_ROOMS_LINE = /^(.*?) \((\d\d):(\d\d)\)( \[private\])?: (.*)$/s;

export interface LineClient extends ChatClient {
  /** Sends a raw line (a command or a chat line). */
  line(text: string): Promise<void>;
  /** The next line from the server that is not a chat message. */
  nextLine(timeoutMs?: number): Promise<string>;
}

export async function tcpRoomsClient(
  port: number,
  name: string,
  password = 'pw-of-' + name,
): Promise<LineClient> {
  const socket = await connectTcp(port);
  const chat = new Inbox<Received>();
  const lines = new Inbox<string>();
  let loggedIn = false;
  splitOn(socket, 0x0a, (piece) => {
    const line = piece.toString('utf8');
    const match = loggedIn ? TCP_ROOMS_LINE.exec(line) : null;
    if (match) {
      const [, sender = '', hh, mm, privately, text = ''] = match;
      const now = new Date();
      const time = new Date(
        now.getFullYear(),
        now.getMonth(),
        now.getDate(),
        Number(hh),
        Number(mm),
      ).getTime();
      chat.push({ sender, text, direct: privately !== undefined, time, raw: line });
    } else {
      lines.push(line);
    }
  });
  const write = (text: string) => new Promise<void>((resolve) => socket.write(`${text}\n`, () => resolve()));
  const expectLine = async (expected: string | RegExp) => {
    const line = await lines.next(5_000, `the line ${expected}`);
    if (typeof expected === 'string' ? line !== expected : !expected.test(line)) {
      throw new Error(`expected ${expected}, got ${JSON.stringify(line)}`);
    }
    return line;
  };
  await expectLine('Enter your nickname:');
  await write(name);
  const prompt = await expectLine(/^(Password:|New nickname\. Choose a password:)$/);
  await write(password);
  if (prompt !== 'Password:') {
    await expectLine('Repeat the password:');
    await write(password);
  }
  await expectLine(/^(Welcome back|Registered\. Welcome), /);
  loggedIn = true;
  return {
    protocol: 'tcp-rooms',
    name,
    sendDirect: (to, text) => write(`/msg ${to} ${text}`),
    broadcast: (text) => write(text),
    next: (timeoutMs = 3_000) => chat.next(timeoutMs, `a message for tcp-rooms ${name}`),
    expectNothing: (ms = 300) => chat.nothingFor(ms, (item) => item.raw),
    close: () => socket.destroy(),
    line: write,
    nextLine: (timeoutMs = 3_000) => lines.next(timeoutMs, `a line for tcp-rooms ${name}`),
  };
}

// ---- rs-us ----------------------------------------------------------------------------------

const US = '\u001f';
const RS = '\u001e';

export async function rsUsClient(port: number, name: string, password: string): Promise<ChatClient> {
  const socket = await connectTcp(port);
  const events = new Inbox<Received>();
  const replies = new Inbox<string[]>();
  splitOn(socket, 0x1e, (piece) => {
    const parts = piece.toString('utf8').split(US);
    if (parts[0] === 'event') {
      const [, ms = '0', ...rest] = parts;
      const body = rest.join(US);
      const colon = body.indexOf(': ');
      events.push({
        sender: body.slice(0, colon),
        text: body.slice(colon + 2),
        direct: null,
        time: Number(ms),
        raw: piece.toString('utf8'),
      });
    } else {
      replies.push(parts);
    }
  });
  const command = async (...parts: string[]) => {
    socket.write(parts.join(US) + RS);
    return (await replies.next(5_000, `a reply to ${parts[0]}`))[0];
  };
  const login = await command('login', name, password);
  if (login !== 'login_valid') throw new Error(`rs-us login as ${name}: ${login}`);
  return {
    protocol: 'rs-us',
    name,
    sendDirect: async (to, text) => {
      await command('send', to, text);
    },
    broadcast: async (text) => {
      await command('broadcast', text);
    },
    next: (timeoutMs = 3_000) => events.next(timeoutMs, `an event for rs-us ${name}`),
    expectNothing: (ms = 300) => events.nothingFor(ms, (item) => item.raw),
    close: () => socket.destroy(),
  };
}
