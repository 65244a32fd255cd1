import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { type ClientTls, tlsClientOptions } from './transport.ts';

export interface JsonWsClientOptions {
  url: string;
  /** Asked for on the terminal ("Your name: ") when not given. */
  name: string | undefined;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
  /** Certificate checks for wss:// URLs. */
  tls?: ClientTls | undefined;
  /** How long to wait for the server's last answers after the input ends. */
  graceMs?: number;
}

/** What the server sends, loosely: the client prints what it does not recognise as JSON. */
interface ServerFrame {
  type?: unknown;
  data?: {
    active_clients?: unknown;
    sender?: unknown;
    timestamp?: unknown;
    text?: unknown;
    message?: unknown;
  };
}

/**
 * `switchboard connect json-ws URL [NAME]`: says hello (asking "Your name: " when no name is
 * given or the server refuses one), then each input line is a message: `/who` asks who is
 * online, `@NAME TEXT` or `@a,b TEXT` sends directly, anything else goes to everyone.
 * Incoming messages print as `[HH:MM] SENDER: TEXT`, `chat_status` as `online: a, b`, errors as
 * `error: ...`. Lines typed before the name is accepted wait their turn, so piped input works.
 * Resolves 0 when the server closes or the input ends, 1 on a connection error.
 */
export function connectJsonWs(options: JsonWsClientOptions): Promise<number> {
  const { output, errors } = options;
  const graceMs = options.graceMs ?? 2_000;
  return new Promise((resolve) => {
    // wss:// URLs verify the server's certificate unless --insecure; --ca adds a trusted one.
    const ws = new WebSocket(options.url, {
      perMessageDeflate: false,
      ...tlsClientOptions(options.tls ?? {}),
    });
    const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
    const backlog: string[] = [];
    let opened = false;
    let named = false;
    let helloPending = false;
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

    const send = (frame: unknown) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    };

    const hello = (name: string) => {
      helloPending = true;
      send({ type: 'hello', data: { user: name } });
    };

    // Hands waiting lines on as far as the conversation allows, and ends when the input has.
    const pump = () => {
      while (opened && !draining && !helloPending && backlog.length > 0) {
        const line = backlog.shift()!;
        if (named) sendLine(line);
        else hello(line);
      }
      if (!inputEnded || !opened || draining || helloPending || backlog.length > 0) return;
      draining = true;
      if (!named) {
        ws.close(1000);
        return;
      }
      // Answers come in request order, so the answer to this last request means every earlier
      // one (an error about an absent recipient, say) has been printed.
      statusRequests += 1;
      send({ type: 'recieve_status' });
      graceTimer = setTimeout(() => ws.close(1000), graceMs);
    };

    const sendLine = (line: string) => {
      if (line.trim() === '') return;
      if (line.trim() === '/who') {
        statusRequests += 1;
        send({ type: 'recieve_status' });
        return;
      }
      if (line.startsWith('@')) {
        const space = line.indexOf(' ');
        const recievers = (space === -1 ? '' : line.slice(1, space)).split(',').filter((name) => name !== '');
        if (recievers.length === 0) {
          errors.write('usage: @NAME[,NAME...] TEXT\n');
          return;
        }
        send({ type: 'send_message', data: { recievers, text: line.slice(space + 1) } });
        return;
      }
      send({ type: 'send_message', data: { text: line } });
    };

    const onFrame = (frame: ServerFrame) => {
      const data = frame.data ?? {};
      switch (frame.type) {
        case 'chat_status': {
          const names = Array.isArray(data.active_clients) ? data.active_clients.map(String) : [];
          if (!named) {
            named = true;
            helloPending = false;
          } else if (statusRequests > 0) {
            statusRequests -= 1;
            if (draining && statusRequests === 0) {
              ws.close(1000);
              return;
            }
          }
          output.write(`online: ${names.map(visible).join(', ')}\n`);
          pump();
          return;
        }
        case 'recieve_message':
          output.write(
            `[${clock(Number(data.timestamp))}] ${visible(String(data.sender))}: ${visible(String(data.text))}\n`,
          );
          return;
        case 'error':
          output.write(`error: ${visible(String(data.message))}\n`);
          if (helloPending) {
            helloPending = false;
            output.write('Your name: ');
            pump();
          }
          return;
        default:
          output.write(`${visible(JSON.stringify(frame))}\n`);
      }
    };

    ws.on('open', () => {
      opened = true;
      if (options.name !== undefined) hello(options.name);
      else output.write('Your name: ');
      pump();
    });
    ws.on('message', (raw) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(raw)) as ServerFrame;
      } catch {
        output.write(`${visible(String(raw))}\n`);
        return;
      }
      onFrame(typeof frame === 'object' && frame !== null ? frame : {});
    });
    ws.on('error', (error) => {
      if (done) return;
      errors.write(`json-ws: ${error.message}\n`);
      exitCode = 1;
      finish();
    });
    ws.on('close', (code, reason) => {
      if (!draining)
        errors.write(`json-ws: connection closed (${code}${reason.length > 0 ? ` ${reason}` : ''})\n`);
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

/** Control characters shown escaped, so a message can neither break lines nor drive the terminal. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (char) => JSON.stringify(char).slice(1, -1));
}

/** Local HH:MM of a Unix time in seconds. */
function clock(seconds: number): string {
  const time = new Date(seconds * 1000);
  if (Number.isNaN(time.getTime())) return '--:--';
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(time.getHours())}:${two(time.getMinutes())}`;
}
