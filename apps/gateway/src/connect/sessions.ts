import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { type ChatFrame, frameOfLine, lineOfFrame, visible } from './chat-lines.ts';
import { type ClientTls, tlsClientOptions } from './transport.ts';

export interface SessionsClientOptions {
  /** The service's ws:// or wss:// URL; `client_id` is added to its query. */
  url: string;
  clientId: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
  /** Certificate checks for wss:// URLs. */
  tls?: ClientTls | undefined;
  /** How long to wait for the server's last answers after the input ends. */
  graceMs?: number;
}

/** The upgrade request's URL: the service's URL with `client_id` set (any earlier one replaced). */
export function sessionsUrl(url: string, clientId: string): string {
  const target = new URL(url);
  target.searchParams.set('client_id', clientId);
  return target.href;
}

/**
 * `switchboard connect sessions URL CLIENT_ID`: opens the session, prints `session: ID` when
 * the server sends the session id, then speaks the json-ws chat as `connect json-ws` does
 * (`/who`, `@NAME TEXT`, anything else to everyone; frames print as chat lines). The server's
 * pings are answered by the WebSocket itself, so an idle client keeps its session. Lines typed
 * before the session id wait for it, so piped input works. Resolves 0 when the server closes or
 * the input ends, 1 on a connection error or a refused upgrade.
 */
export function connectSessions(options: SessionsClientOptions): Promise<number> {
  const { output, errors } = options;
  const graceMs = options.graceMs ?? 2_000;
  return new Promise((resolve) => {
    const ws = new WebSocket(sessionsUrl(options.url, options.clientId), {
      perMessageDeflate: false,
      // The service pings a client that has been silent for a while and drops it unanswered.
      autoPong: true,
      ...tlsClientOptions(options.tls ?? {}),
    });
    const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
    const backlog: string[] = [];
    let sessionId: string | null = null;
    let inputEnded = false;
    let draining = false;
    /** `recieve_status` requests not yet answered; the drain's barrier is the last one. */
    let statusRequests = 0;
    let graceTimer: NodeJS.Timeout | undefined;
    let exitCode = 0;
    let done = false;

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(graceTimer);
      lines.close();
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      resolve(exitCode);
    };

    const send = (frame: object) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if ((frame as ChatFrame).type === 'recieve_status') statusRequests += 1;
      ws.send(JSON.stringify(frame));
    };

    // Hands waiting lines on once the session is open, and ends when the input has.
    const pump = () => {
      if (sessionId === null || draining) return;
      for (const line of backlog.splice(0)) {
        const frame = frameOfLine(line);
        if (typeof frame === 'string') errors.write(`${frame}\n`);
        else if (frame !== null) send(frame);
      }
      if (!inputEnded) return;
      draining = true;
      // Answers come in request order, so the answer to this last request means every earlier
      // one (an error about an absent recipient, say) has been printed.
      send({ type: 'recieve_status' });
      graceTimer = setTimeout(() => ws.close(1000), graceMs);
    };

    ws.on('message', (raw, binary) => {
      const text = String(raw);
      if (sessionId === null && !binary) {
        // The first frame is the session id, alone.
        sessionId = text;
        output.write(`session: ${visible(text)}\n`);
        pump();
        return;
      }
      let frame: ChatFrame;
      try {
        frame = JSON.parse(text) as ChatFrame;
      } catch {
        output.write(`${visible(text)}\n`);
        return;
      }
      if (typeof frame !== 'object' || frame === null) frame = {};
      if (frame.type === 'chat_status' && statusRequests > 0) {
        statusRequests -= 1;
        if (draining && statusRequests === 0) {
          output.write(`${lineOfFrame(frame)}\n`);
          ws.close(1000);
          return;
        }
      }
      output.write(`${lineOfFrame(frame)}\n`);
    });
    // A refused upgrade (400 for a bad client_id, 403 for a registered name) says why in its body.
    ws.on('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 1_024) body += chunk;
      });
      response.on('end', () => {
        const why = body.trim() === '' ? '' : `: ${visible(body.trim().slice(0, 200))}`;
        errors.write(`sessions: refused (HTTP ${response.statusCode}${why})\n`);
        exitCode = 1;
        finish();
      });
      response.on('error', () => {
        exitCode = 1;
        finish();
      });
    });
    ws.on('error', (error) => {
      if (done) return;
      errors.write(`sessions: ${error.message}\n`);
      exitCode = 1;
      finish();
    });
    ws.on('close', (code, reason) => {
      if (!draining && !done)
        errors.write(`sessions: connection closed (${code}${reason.length > 0 ? ` ${reason}` : ''})\n`);
      finish();
    });

    lines.on('line', (line) => {
      backlog.push(line);
      pump();
    });
    lines.on('close', () => {
      inputEnded = true;
      if (!done) pump();
    });
  });
}
