import { once } from 'node:events';
import { request } from 'node:http';
import { WsTestClient } from '@switchboard/adapter-json-ws/testing';
import type { Hub, Logger, RunningAdapter } from '@switchboard/core';
import { silentLogger } from '@switchboard/core';
import { type ClientOptions, WebSocket } from 'ws';
import { sessionsAdapter } from '../index.ts';
import type { SessionsOptions } from '../sessions-options.ts';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export async function startSessionsAdapter(
  hub: Hub,
  options: Partial<SessionsOptions> = {},
  logger: Logger = silentLogger,
): Promise<RunningAdapter> {
  return sessionsAdapter.start({
    hub,
    logger,
    host: '127.0.0.1',
    port: 0,
    options: sessionsAdapter.optionsSchema.parse(options),
  });
}

/** A real client of the sessions service: the json-ws test client (every text frame kept in order), pings counted. */
export class SessionsTestClient extends WsTestClient {
  pingsReceived = 0;

  protected constructor(ws: WebSocket) {
    super(ws);
    ws.on('ping', () => {
      this.pingsReceived += 1;
    });
  }

  static async open(
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
    const client = await SessionsTestClient.open(port, clientId, options);
    return { client, sessionId: await client.nextText() };
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
  const { status, body } = await refusedUpgradeResponse(port, path);
  return { status, body };
}

/** {@link refusedUpgrade} with the response headers too. */
export async function refusedUpgradeResponse(
  port: number,
  path: string,
): Promise<{ status: number; body: string; headers: import('node:http').IncomingHttpHeaders }> {
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
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: response.headers,
        });
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
