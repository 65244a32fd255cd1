import { once } from 'node:events';
import { request } from 'node:http';
import type { Hub, RunningAdapter } from '@switchboard/core';
import { silentLogger } from '@switchboard/core';
import { type ClientOptions, WebSocket } from 'ws';
import { sessionsAdapter } from '../index.ts';
import type { SessionsOptions } from '../sessions-options.ts';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export async function startSessionsAdapter(
  hub: Hub,
  options: Partial<SessionsOptions> = {},
): Promise<RunningAdapter> {
  return sessionsAdapter.start({
    hub,
    logger: silentLogger,
    host: '127.0.0.1',
    port: 0,
    options: sessionsAdapter.optionsSchema.parse(options),
  });
}

export interface CloseEvent {
  code: number;
  reason: string;
}

/** A real client of the sessions service: every text frame kept in order, pings counted. */
export class SessionsTestClient {
  readonly ws: WebSocket;
  readonly closed: Promise<CloseEvent>;
  pingsReceived = 0;
  readonly #frames: string[] = [];
  #waiter: (() => void) | null = null;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('error', () => {});
    ws.on('ping', () => {
      this.pingsReceived += 1;
    });
    ws.on('message', (data, isBinary) => {
      this.#frames.push(isBinary ? `<binary>` : String(data));
      this.#waiter?.();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#waiter?.();
      });
    });
  }

  static async connect(
    port: number,
    clientId: string,
    options: ClientOptions = {},
  ): Promise<SessionsTestClient> {
    const url = `ws://127.0.0.1:${port}/?client_id=${encodeURIComponent(clientId)}`;
    const client = new SessionsTestClient(new WebSocket(url, { perMessageDeflate: false, ...options }));
    await once(client.ws, 'open');
    return client;
  }

  /** Connects and reads the session id, which must be the first frame. */
  static async session(
    port: number,
    clientId: string,
    options: ClientOptions = {},
  ): Promise<{ client: SessionsTestClient; sessionId: string }> {
    const client = await SessionsTestClient.connect(port, clientId, options);
    return { client, sessionId: await client.nextText() };
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

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

  pending(): string[] {
    return this.#frames.splice(0);
  }

  async quietFor(ms: number): Promise<string[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.pending();
  }
}

/** A plain HTTP GET: status, content type and body. */
export async function httpGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string }> {
  const req = request({ host: '127.0.0.1', port, path, headers });
  req.end();
  const [response] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return {
    status: response.statusCode ?? 0,
    type: String(response.headers['content-type'] ?? ''),
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

/** Tries a WebSocket upgrade that the server refuses; resolves its HTTP status and body. */
export async function refusedUpgrade(port: number, path: string): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
  ws.on('error', () => {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error(`upgrade of ${path} was accepted`));
    });
    ws.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        ws.terminate();
      });
    });
  });
}

/** `GET /sessions` as a map of client id to session id. */
export async function listSessions(port: number): Promise<Map<string, string>> {
  const { body } = await httpGet(port, '/sessions');
  return new Map(
    body
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const space = line.lastIndexOf(' ');
        return [line.slice(0, space), line.slice(space + 1)] as [string, string];
      }),
  );
}
