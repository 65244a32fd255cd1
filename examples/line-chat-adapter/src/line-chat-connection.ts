import type { Socket } from 'node:net';
import {
  type ChatMessage,
  Connection,
  type ConnectionRuntime,
  checkTextName,
  Name,
  SocketTransport,
} from '@switchboard/core';
import { formatDelivery, LineReader, parseLine } from './line-chat-codec.ts';

/** Encoded once per message for all line-chat recipients (`message.encoded` caches per encoder). */
const encodeDirect = (message: ChatMessage) =>
  Buffer.from(formatDelivery(true, message.sender.text, message.text));
const encodeMain = (message: ChatMessage) =>
  Buffer.from(formatDelivery(false, message.sender.text, message.text));

/** A line-chat goodbye: the `error` line the client gets before the server closes. */
const farewell = (reason: string) => `error\t${reason}\n`;

/**
 * One client: its commands and its replies. The runtime it extends (`Connection`) does the rest:
 * admission, lines handled one at a time in order (reading pauses while the name claim or the
 * rate holds one), the rate, dropping a reader that does not keep up, the name deadline, the
 * close grace and the counters.
 */
export class LineChatConnection extends Connection<string, Buffer | string> {
  #named = false;

  constructor(
    runtime: ConnectionRuntime<Buffer | string>,
    socket: Socket,
    address: string,
    options: { maxLineBytes: number; nameTimeoutMs: number },
  ) {
    super(runtime, new SocketTransport(socket), address, new LineReader(options.maxLineBytes));
    // Refused by a connection limit: the runtime has closed it already.
    if (!this.admitted) return;
    this.setDeadline(options.nameTimeoutMs, 'name');
  }

  // ---- what the hub calls ----------------------------------------------------------------

  deliver(message: ChatMessage): void {
    this.send(message.encoded(message.direct ? encodeDirect : encodeMain));
  }

  override replaced(): void {
    this.close(farewell('your name was taken by a newer connection'));
  }

  override shutdown(): void {
    this.close(farewell('server shutting down'));
  }

  // ---- what the client sends -------------------------------------------------------------

  protected override onFrame(line: string): Promise<unknown> | undefined {
    if (!this.#named) return this.#claim(line);
    const command = parseLine(line);
    if (command.kind === 'main') {
      this.session.broadcast(command.text);
    } else if (checkTextName(command.to) === null) {
      this.session.sendDirect([Name.fromText(command.to)], command.text).catch((error: unknown) => {
        this.runtime.logger.warn({ err: error }, 'line-chat send failed');
      });
    }
    return undefined;
  }

  /** Returning the claim's promise holds the lines after the name until it is settled. */
  #claim(name: string): Promise<unknown> | undefined {
    this.#named = true;
    this.clearDeadline();
    if (checkTextName(name) !== null) {
      this.close(farewell('not a name'));
      return undefined;
    }
    return this.session.claimGuest(Name.fromText(name)).then((result) => {
      if (result === 'ok') this.send(`welcome\t${name}\n`);
      else this.close(farewell(`name refused (${result})`));
    });
  }

  // ---- the runtime's events --------------------------------------------------------------

  protected override onTimeout(): void {
    this.close(farewell('no name in time'));
  }

  protected override onInvalidInput(): void {
    this.runtime.stats.oversized += 1;
    this.close(farewell('line too long'));
  }

  /** The claim failed: the store cannot be reached (the hub already logs that once per interval). */
  protected override onFailure(error: unknown): void {
    this.runtime.logger.debug({ err: error }, 'line-chat claim refused');
    this.close(farewell('service temporarily unavailable'));
  }
}
