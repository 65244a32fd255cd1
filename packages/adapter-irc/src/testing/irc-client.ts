import { connect, type Socket } from 'node:net';
import { type IrcMessage, parseIrcMessage } from '../irc-codec.ts';

/** One line from the server, parsed, with its prefix kept (tests look at senders). */
export interface ServerLine extends IrcMessage {
  readonly prefix: string;
  readonly raw: string;
}

function parseServerLine(raw: string): ServerLine {
  const prefix = raw.startsWith(':') ? raw.slice(1, raw.indexOf(' ')) : '';
  const message = parseIrcMessage(raw) ?? { command: '', params: [] };
  return { ...message, prefix, raw };
}

/** The nick of a `nick!user@host` prefix. */
export const nickOfPrefix = (prefix: string): string => prefix.split('!')[0]!;

/**
 * A raw IRC client over a real socket: writes lines, records every line the server sends, and
 * waits for the ones a test expects. It answers nothing by itself (not even PING).
 */
export class IrcTestClient {
  readonly socket: Socket;
  readonly lines: ServerLine[] = [];
  readonly closed: Promise<void>;
  #buffer: Buffer = Buffer.alloc(0);
  #read = 0;
  #isClosed = false;
  #wake: (() => void) | null = null;

  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.setNoDelay(true);
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.#isClosed = true;
        this.#notify();
        resolve();
      }),
    );
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Writes each line followed by CR LF. */
  send(...lines: string[]): void {
    this.socket.write(lines.map((line) => `${line}\r\n`).join(''));
  }

  write(raw: string | Uint8Array): void {
    this.socket.write(raw);
  }

  /**
   * The next unread line that `match` accepts (lines before it are consumed too); rejects after
   * `timeoutMs` or when the connection closes first.
   */
  async expect(match: (line: ServerLine) => boolean, what: string, timeoutMs = 3_000): Promise<ServerLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#read < this.lines.length) {
        const line = this.lines[this.#read++]!;
        if (match(line)) return line;
      }
      if (this.#isClosed) throw new Error(`closed before ${what}; got ${this.#transcript()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; got ${this.#transcript()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  /** The next unread line with this command (a numeric like '001' or a word like 'PRIVMSG'). */
  expectCommand(command: string, timeoutMs?: number): Promise<ServerLine> {
    return this.expect((line) => line.command === command, command, timeoutMs);
  }

  /** Unread lines so far, consumed. */
  drain(): ServerLine[] {
    const unread = this.lines.slice(this.#read);
    this.#read = this.lines.length;
    return unread;
  }

  /** Registers as a guest (NICK + USER) and waits for the end of the welcome (the #main names). */
  async register(nick: string): Promise<void> {
    this.send(`NICK ${nick}`, 'USER u 0 * :Test User');
    await this.expectCommand('001');
    await this.expectCommand('366');
  }

  async waitClosed(timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#isClosed) {
      if (Date.now() > deadline) throw new Error(`still open after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (let end = this.#buffer.indexOf('\r\n'); end !== -1; end = this.#buffer.indexOf('\r\n')) {
      this.lines.push(parseServerLine(this.#buffer.toString('utf8', 0, end)));
      this.#buffer = this.#buffer.subarray(end + 2);
    }
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #transcript(): string {
    return JSON.stringify(this.lines.slice(-8).map((line) => line.raw));
  }
}
