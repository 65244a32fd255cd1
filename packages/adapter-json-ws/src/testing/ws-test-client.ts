import { once } from 'node:events';
import { type ClientOptions, WebSocket } from 'ws';

export interface CloseEvent {
  code: number;
  reason: string;
}

/**
 * A real WebSocket client for tests: collects every text frame in order, so a test reads them
 * one by one with {@link WsTestClient.next} and can assert that nothing else arrived.
 */
export class WsTestClient {
  readonly ws: WebSocket;
  readonly closed: Promise<CloseEvent>;
  readonly #frames: string[] = [];
  #waiter: (() => void) | null = null;

  /** Wraps a socket that is opening; subclasses add what their protocol needs (pings, say). */
  protected constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      this.#frames.push(isBinary ? `<binary ${String(data)}>` : String(data));
      this.#waiter?.();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#waiter?.();
      });
    });
  }

  static async connect(url: string, options: ClientOptions = {}): Promise<WsTestClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    const client = new WsTestClient(ws);
    await once(ws, 'open');
    return client;
  }

  /** Connects and says hello, consuming the `chat_status` answer. */
  static async named(url: string, name: string): Promise<WsTestClient> {
    const client = await WsTestClient.connect(url);
    client.send({ type: 'hello', data: { user: name } });
    const answer = (await client.next()) as { type: string };
    if (answer.type !== 'chat_status') throw new Error(`hello as ${name} failed: ${JSON.stringify(answer)}`);
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The next text frame as parsed JSON. */
  async next(timeoutMs = 2_000): Promise<unknown> {
    return JSON.parse(await this.nextText(timeoutMs));
  }

  async nextText(timeoutMs = 2_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = null;
    }
    return this.#frames.shift()!;
  }

  /** Every frame received so far and not yet read. */
  pending(): string[] {
    return this.#frames.splice(0);
  }

  /** Waits `ms` and returns whatever arrived meanwhile (tests assert it is empty). */
  async quietFor(ms: number): Promise<string[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.pending();
  }

  close(): Promise<CloseEvent> {
    this.ws.close();
    return this.closed;
  }
}
