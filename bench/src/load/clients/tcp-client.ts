import { connect, type Socket } from 'node:net';
import { StampScanner } from '../../stamp.ts';
import type { Client, ClientEvents, ClientSpec } from './client.ts';
import { OutBuffer } from './out-buffer.ts';

/**
 * The TCP protocols share this: connect from the spec's source address, run the protocol's
 * handshake on the raw bytes, then scan everything that arrives for stamps.
 */
export abstract class TcpClient implements Client {
  readonly ready: Promise<void>;
  protected readonly socket: Socket;
  protected readonly spec: ClientSpec;
  /** Traffic goes out batched per event-loop turn; handshake lines are written directly. */
  protected readonly out: OutBuffer;
  #identified = false;

  constructor(spec: ClientSpec, events: ClientEvents) {
    this.spec = spec;
    this.socket = connect({
      host: spec.host,
      port: spec.port,
      localAddress: spec.localAddress,
      noDelay: true,
    });
    this.socket.setNoDelay(true);
    this.out = new OutBuffer(this.socket);
    const scanner = new StampScanner((micros) => events.onStamp(micros));
    this.ready = new Promise((resolve, reject) => {
      const identified = () => {
        this.#identified = true;
        resolve();
      };
      this.socket.on('connect', () => this.greet(identified, reject));
      this.socket.on('data', (chunk: Buffer) => {
        if (this.#identified) {
          scanner.feed(chunk);
          this.traffic(chunk);
        } else this.handshake(chunk, identified, reject);
      });
      this.socket.on('error', (error) => reject(error));
      this.socket.on('close', () => {
        reject(new Error('closed during the handshake'));
        if (this.#identified) events.onLost('closed');
      });
    });
  }

  /** Called once connected: write whatever the protocol opens with. */
  protected abstract greet(identified: () => void, fail: (error: Error) => void): void;
  /** Bytes before the connection is identified. */
  protected abstract handshake(chunk: Buffer, identified: () => void, fail: (error: Error) => void): void;
  abstract sendDirect(to: string, text: string): void;
  abstract sendBroadcast(text: string): void;
  /** Bytes after identification, besides the stamp scan: for protocols that must answer (IRC PING). */
  protected traffic(_chunk: Buffer): void {}

  close(): void {
    this.socket.destroy();
  }
}

/** SOH (SPEC §4): the name field, then RECEIVER␁TEXT␁ pairs. The server never answers the name. */
export class SohClient extends TcpClient {
  protected greet(identified: () => void): void {
    this.socket.write(`${this.spec.name}\x01`, () => identified());
  }
  protected handshake(): void {}
  sendDirect(to: string, text: string): void {
    this.out.push(`${to}\x01${text}\x01`);
  }
  sendBroadcast(): void {
    throw new Error('soh has no broadcast');
  }
}

/** Splits the handshake bytes into whole lines or frames; a handshake is short, so strings are fine. */
class Framer {
  readonly #delimiter: string;
  #pending = '';
  constructor(delimiter: string) {
    this.#delimiter = delimiter;
  }
  push(chunk: Buffer): string[] {
    this.#pending += chunk.toString('utf8');
    const parts = this.#pending.split(this.#delimiter);
    this.#pending = parts.pop()!;
    return parts;
  }
}

/** tcp-rooms (SPEC §3): logs in, or signs up when the nickname is new. */
export class TcpRoomsClient extends TcpClient {
  readonly #lines = new Framer('\n');

  protected greet(): void {}

  protected handshake(chunk: Buffer, identified: () => void, fail: (error: Error) => void): void {
    const password = this.spec.password ?? 'bench-password';
    for (const raw of this.#lines.push(chunk)) {
      const line = raw.replace(/\r$/, '');
      if (line === 'Enter your nickname:') this.socket.write(`${this.spec.name}\n`);
      else if (line === 'Password:' || line.startsWith('New nickname.') || line === 'Repeat the password:')
        this.socket.write(`${password}\n`);
      else if (line.startsWith('Welcome back,') || line.startsWith('Registered. Welcome,')) identified();
      else fail(new Error(`tcp-rooms login: ${line}`));
    }
  }

  sendDirect(to: string, text: string): void {
    this.out.push(`/msg ${to} ${text}\n`);
  }
  sendBroadcast(text: string): void {
    this.out.push(`${text}\n`);
  }
}

/** rs-us (SPEC §5): `login` with an existing account, then `send` / `broadcast` commands. */
export class RsUsClient extends TcpClient {
  readonly #frames = new Framer('\x1e');

  protected greet(): void {
    this.socket.write(`login\x1f${this.spec.name}\x1f${this.spec.password ?? 'bench-password'}\x1e`);
  }

  protected handshake(chunk: Buffer, identified: () => void, fail: (error: Error) => void): void {
    for (const frame of this.#frames.push(chunk)) {
      if (frame === 'login_valid') identified();
      else fail(new Error(`rs-us login: ${frame}`));
    }
  }

  sendDirect(to: string, text: string): void {
    this.out.push(`send\x1f${to}\x1f${text}\x1e`);
  }
  sendBroadcast(text: string): void {
    this.out.push(`broadcast\x1f${text}\x1e`);
  }
}

/**
 * IRC: NICK and USER, identified at the end of the welcome (the server joins #main then, 366);
 * `PRIVMSG NICK :TEXT` and `PRIVMSG #main :TEXT`. Answers the server's PING so an idle client stays.
 */
export class IrcClient extends TcpClient {
  readonly #lines = new Framer('\r\n');

  protected greet(): void {
    this.socket.write(`NICK ${this.spec.name}\r\nUSER bench 0 * :bench\r\n`);
  }

  protected handshake(chunk: Buffer, identified: () => void, fail: (error: Error) => void): void {
    for (const line of this.#lines.push(chunk)) {
      const command = line.startsWith(':') ? line.split(' ', 3)[1] : line.split(' ', 1)[0];
      if (command === 'PING') this.socket.write(`PONG ${line.slice(5)}\r\n`);
      else if (command === '366') identified();
      else if (command === 'ERROR' || command === '432' || command === '433' || command === '451')
        fail(new Error(`irc registration: ${line}`));
    }
  }

  protected override traffic(chunk: Buffer): void {
    // A PING is rare (after 90 s of silence) and starts a line; a cheap look at each chunk finds it.
    const at = chunk.indexOf('PING :');
    if (at === 0 || (at > 0 && chunk[at - 1] === 0x0a)) {
      const end = chunk.indexOf('\r\n', at);
      this.socket.write(`PONG ${chunk.toString('utf8', at + 5, end < 0 ? chunk.length : end)}\r\n`);
    }
  }

  sendDirect(to: string, text: string): void {
    this.out.push(`PRIVMSG ${to} :${text}\r\n`);
  }
  sendBroadcast(text: string): void {
    this.out.push(`PRIVMSG #main :${text}\r\n`);
  }
}
