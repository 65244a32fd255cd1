import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import type { Hub } from '../hub/hub.ts';
import type { Limits } from '../limits/limits.ts';
import type { ChatMessage } from '../messages/chat-message.ts';
import { Name } from '../names/name.ts';
import { eventually } from '../testing/eventually.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { type LoggedLine, recordingLogger } from '../testing/recording-logger.ts';
import { createTestHub } from '../testing/test-hub.ts';
import { Connection } from './connection.ts';
import { ConnectionRuntime, type ConnectionSettings } from './connection-runtime.ts';
import type { FrameReader } from './frame-reader.ts';
import { SocketTransport } from './transport.ts';

export { eventually };

/**
 * A tiny line protocol on the connection runtime, for the runtime's own tests: every `\n`-ended
 * line is a frame. `name X` claims the guest name X (and clears the deadline); everything else is
 * handed to the test's {@link LineBehaviour}, which by default echoes it back as `echo LINE`.
 */
export class LineReader implements FrameReader<string> {
  offset = 0;
  failed = false;
  readonly #maxLineBytes: number;
  #partial: Buffer[] = [];
  #partialBytes = 0;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  next(chunk: Buffer, at: number): string | null {
    const newline = chunk.indexOf(0x0a, at);
    if (newline < 0) {
      this.#partial.push(chunk.subarray(at));
      this.#partialBytes += chunk.length - at;
      this.offset = chunk.length;
      if (this.#partialBytes > this.#maxLineBytes) this.failed = true;
      return null;
    }
    this.offset = newline + 1;
    const piece = chunk.subarray(at, newline);
    if (this.#partialBytes + piece.length > this.#maxLineBytes) {
      this.failed = true;
      return null;
    }
    if (this.#partial.length === 0) return piece.toString('utf8');
    const line = Buffer.concat([...this.#partial, piece]).toString('utf8');
    this.#partial = [];
    this.#partialBytes = 0;
    return line;
  }
}

/** What a test makes its connections do with a line (other than `name X`). */
export type LineBehaviour = (connection: LineConnection, line: string) => Promise<unknown> | undefined;

export interface LineConnectionOptions {
  behaviour: LineBehaviour;
  /** Set on admission: a deadline (ms) for `name X`, tagged `name`. */
  nameDeadlineMs?: number;
  /** Set on admission: an idle timeout (ms), tagged `idle`. */
  idleMs?: number;
  maxLineBytes: number;
  /** Replaces the transport's pause with nothing, like `ws`, which hands over what it had read. */
  ignorePause?: boolean;
}

/** A transport that keeps reading when told to pause (as `ws` hands over every frame it had read). */
class UnpausedSocketTransport extends SocketTransport {
  pauses = 0;
  override pause(): void {
    this.pauses += 1;
  }
}

export class LineConnection extends Connection<string, string> {
  /** Lines handled, in order (after `name X` lines are taken out). */
  readonly lines: string[] = [];
  /** Tags of the timeouts that fired. */
  readonly timeouts: string[] = [];
  /** Messages the hub delivered. */
  readonly delivered: string[] = [];
  readonly socket: Socket;
  closedByTransport = false;
  readonly #options: LineConnectionOptions;

  constructor(runtime: ConnectionRuntime<string>, socket: Socket, options: LineConnectionOptions) {
    const transport = options.ignorePause ? new UnpausedSocketTransport(socket) : new SocketTransport(socket);
    super(runtime, transport, socket.remoteAddress ?? 'unknown', new LineReader(options.maxLineBytes));
    this.socket = socket;
    this.#options = options;
    if (!this.admitted) return;
    if (options.nameDeadlineMs !== undefined) this.setDeadline(options.nameDeadlineMs, 'name');
    if (options.idleMs !== undefined) this.setIdleTimeout(options.idleMs, 'idle');
  }

  /** Writes `text` and a newline; false when nothing was written or the reader was dropped. */
  say(text: string): boolean {
    return this.send(`${text}\n`);
  }

  /** Holds later input until `work` settles. */
  wait(work: Promise<unknown>): void {
    this.hold(work);
  }

  deliver(message: ChatMessage): void {
    this.delivered.push(message.text);
    this.send(`from ${message.sender.text}: ${message.text}\n`);
  }

  protected override onFrame(line: string): Promise<unknown> | undefined {
    if (line.startsWith('name ')) {
      this.clearDeadline();
      return this.session.claimGuest(Name.fromText(line.slice(5))).then((result) => {
        this.say(result === 'ok' ? 'welcome' : `refused ${result}`);
      });
    }
    this.lines.push(line);
    return this.#options.behaviour(this, line);
  }

  protected override onTimeout(tag: string): void {
    this.timeouts.push(tag);
    if (tag === 'name') this.close('too slow\n');
  }

  override shutdown(): void {
    this.close('shutting down\n');
  }

  protected override onClosed(): void {
    this.closedByTransport = true;
  }
}

export const echo: LineBehaviour = (connection, line) => {
  connection.say(`echo ${line}`);
  return undefined;
};

/** Limits so high that only the ones a test sets matter (the fake clock never refills a bucket on its own). */
export const unlimited: Partial<Limits> = {
  messagesPerSecond: 1e12,
  messageBurst: 1e12,
  bytesPerSecond: 1e15,
  byteBurst: 1e15,
};

export interface LineServerOptions extends Partial<Omit<LineConnectionOptions, 'behaviour'>> {
  limits?: Partial<Limits>;
  settings?: Partial<ConnectionSettings<string>>;
  behaviour?: LineBehaviour;
  /** The server keeps its side open when the client half-closes (as the adapters that drain do). */
  allowHalfOpen?: boolean;
}

export interface LineServer {
  clock: FakeClock;
  hub: Hub;
  runtime: ConnectionRuntime<string>;
  logged: LoggedLine[];
  port: number;
  server: Server;
  /** Every connection the server made, refused ones too, in accept order. */
  connections: LineConnection[];
  /**
   * Connects a client. It closes its side when the server does, unless `halfOpen` (then it
   * closes only when told: a peer that never closes, or one that half-closes first).
   */
  client(options?: { halfOpen?: boolean }): Promise<LineClient>;
  /** The server-side connection of the n-th accepted socket, once it exists. */
  connection(index: number): Promise<LineConnection>;
  close(): Promise<void>;
}

export async function lineServer(options: LineServerOptions = {}): Promise<LineServer> {
  const clock = new FakeClock();
  const { logger, lines: logged } = recordingLogger();
  const hub = createTestHub({ clock, logger, limits: { ...unlimited, ...options.limits } });
  const runtime = new ConnectionRuntime<string>(hub, logger, { protocol: 'line', ...options.settings });
  const connections: LineConnection[] = [];
  const connectionOptions: LineConnectionOptions = {
    behaviour: options.behaviour ?? echo,
    maxLineBytes: options.maxLineBytes ?? 64 * 1024,
    ...(options.nameDeadlineMs !== undefined ? { nameDeadlineMs: options.nameDeadlineMs } : {}),
    ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
    ...(options.ignorePause !== undefined ? { ignorePause: options.ignorePause } : {}),
  };
  const server = createServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => {
    connections.push(new LineConnection(runtime, socket, connectionOptions));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const clients: LineClient[] = [];
  return {
    clock,
    hub,
    runtime,
    logged,
    port,
    server,
    connections,
    async client(clientOptions = {}) {
      const client = await LineClient.open(port, clientOptions.halfOpen ?? false);
      clients.push(client);
      return client;
    },
    async connection(index) {
      await eventually(() => {
        if (connections[index] === undefined) throw new Error(`no connection #${index} yet`);
      });
      return connections[index]!;
    },
    async close() {
      for (const client of clients) client.socket.destroy();
      for (const connection of connections) connection.drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      hub.close();
    },
  };
}

/** A raw TCP client that collects what the server writes and notes its FIN and close. */
export class LineClient {
  readonly socket: Socket;
  #received: Buffer[] = [];
  #receivedBytes = 0;
  ended = false;
  isClosed = false;
  error: Error | null = null;
  readonly closed: Promise<void>;
  readonly endedAt: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#received.push(chunk);
      this.#receivedBytes += chunk.length;
    });
    this.endedAt = new Promise((resolve) =>
      socket.once('end', () => {
        this.ended = true;
        resolve();
      }),
    );
    socket.on('error', (error) => {
      this.error = error;
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  static open(port: number, halfOpen: boolean): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = tcpConnect({ host: '127.0.0.1', port, allowHalfOpen: halfOpen });
      const client = new LineClient(socket);
      socket.once('connect', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** Everything received so far, as text. */
  get text(): string {
    return Buffer.concat(this.#received).toString('utf8');
  }

  get receivedBytes(): number {
    return this.#receivedBytes;
  }

  /** The complete lines received so far. */
  get lines(): string[] {
    const text = this.text;
    const lines = text.split('\n');
    lines.pop();
    return lines;
  }

  send(...lines: string[]): void {
    this.socket.write(lines.map((line) => `${line}\n`).join(''));
  }

  /** Resolves once `count` complete lines have arrived. */
  async waitForLines(count: number, timeoutMs = 2_000): Promise<string[]> {
    await eventually(() => {
      if (this.lines.length < count) throw new Error(`${this.lines.length} of ${count} lines: ${this.text}`);
    }, timeoutMs);
    return this.lines;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
