import type { Socket } from 'node:net';
import {
  type ChatMessage,
  Connection,
  type ConnectionRuntime,
  checkByteName,
  type ErrorCode,
  isServiceUnavailable,
  Name,
  SocketTransport,
} from '@switchboard/core';
import { encodeSohDelivery, SohFieldDecoder } from './soh-codec.ts';
import type { SohOptions } from './soh-options.ts';
import { sohRefusals } from './soh-refusals.ts';

export type SohRuntime = ConnectionRuntime<Buffer | string>;

/** Module-level so every SOH recipient of a message shares one encoded frame. */
const encodeDelivery = (message: ChatMessage): Buffer =>
  encodeSohDelivery(message.sender.bytes, message.bytes);

const NAME_DEADLINE = 'name';

/**
 * One SOH client: the first field is its name, then (receiver, text) pairs. The runtime decodes
 * the fields one at a time, in order, within the rate; while the name claim is pending, reading
 * stops and the rest of the input stays undecoded. SOH can say nothing but deliveries: every
 * refusal (a bad or taken name, a field over the limit, no name in time) is a close.
 */
export class SohConnection extends Connection<Buffer, Buffer | string> {
  #named = false;
  #receiver: Buffer | null = null;

  /** `address`: the client's, from the edge (a trusted proxy's PROXY header, else the peer). */
  constructor(runtime: SohRuntime, socket: Socket, address: string, options: SohOptions) {
    super(runtime, new SocketTransport(socket), address, new SohFieldDecoder(options.maxFieldBytes));
    if (!this.admitted) return;
    socket.setNoDelay(true);
    // SOH has no ping: let TCP notice a peer that vanished, so its name does not linger.
    socket.setKeepAlive(true, 60_000);
    this.setDeadline(options.nameTimeoutMs, NAME_DEADLINE);
  }

  deliver(message: ChatMessage): void {
    this.send(message.encoded(encodeDelivery));
  }

  /** A (receiver, text) pair is one message; the name and the receiver cost only their bytes. */
  protected override isMessage(): boolean {
    return this.#receiver !== null;
  }

  protected override onFrame(field: Buffer): Promise<unknown> | undefined {
    if (!this.#named) return this.#claim(field);
    if (this.#receiver === null) {
      this.#receiver = field;
      return;
    }
    const receiver = this.#receiver;
    this.#receiver = null;
    // A receiver that cannot be a name cannot be active: dropped like any absent one.
    if (checkByteName(receiver) !== null) return;
    this.session.sendDirect([Name.fromBytes(receiver)], field).catch((error: unknown) => {
      this.runtime.logger.error({ err: error }, 'soh send failed');
    });
  }

  /** The hub warns once per interval about an unreachable store; SOH can only close. */
  protected override onFailure(error: unknown): void {
    if (isServiceUnavailable(error)) this.runtime.logger.debug({ err: error }, 'soh name claim refused');
    else this.runtime.logger.error({ err: error }, 'soh name claim failed');
    this.drop();
  }

  #claim(name: Buffer): Promise<unknown> | undefined {
    this.#named = true;
    this.clearDeadline();
    const problem = checkByteName(name);
    if (problem !== null) {
      this.#refuse(problem);
      return;
    }
    return this.session.claimGuest(Name.fromBytes(name)).then((result) => {
      if (result !== 'ok') this.#refuse(result);
    });
  }

  /** A refusal of the core, said as SOH says every one ({@link sohRefusals}): by closing. */
  #refuse(code: ErrorCode): void {
    if (sohRefusals[code] === 'close') this.drop();
  }
}
