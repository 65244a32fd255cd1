import type { Socket } from 'node:net';

/**
 * What a connection needs of the byte pipe under it. A TCP socket ({@link SocketTransport}) and a
 * `ws` WebSocket (adapter-json-ws's `WebSocketTransport`) each implement it in a few lines; the
 * runtime ({@link Connection}) does the rest.
 *
 * `Farewell` is what a graceful close may say on the way out: for TCP the last bytes to write, for
 * a WebSocket a close code and reason.
 */
export interface Transport<Farewell = unknown> {
  /** Writes bytes (a stream) or one whole message (a WebSocket). */
  write(data: Buffer | string): void;
  /** Bytes written and not yet taken by the peer: what a slow reader costs us. */
  readonly bufferedBytes: number;
  /** False once writing can no longer reach the peer. */
  readonly writable: boolean;
  /** Stops reading (back-pressure to the peer); `resume` starts again. */
  pause(): void;
  resume(): void;
  /** Flushes what is written, says `farewell` if there is one, then closes. */
  end(farewell?: Farewell): void;
  /** Closes now, dropping whatever is unwritten. */
  destroy(): void;
  /**
   * True once the peer has finished sending, even if the event saying so has not been handled
   * yet (a paused socket may hold its EOF): a connection then stops waiting to read more.
   */
  readonly peerEnded: boolean;
  /**
   * Optional: calls the receiver's `drained` once, when the bytes buffered now have been written
   * (TCP: the socket's `drain`). A transport without it cannot make input wait for its answers.
   */
  notifyDrained?(): void;
  /**
   * Routes the pipe's events to `receiver` (the connection). Called once, after admission.
   * Implementations use shared listener functions, not per-connection closures.
   */
  attach(receiver: TransportReceiver): void;
}

/** What a transport tells its connection. */
export interface TransportReceiver {
  /** A chunk of a stream, or one whole message of a WebSocket. */
  received(data: Buffer): void;
  /** A frame the transport answered itself (a WebSocket ping): it still costs rate and counts as activity. */
  receivedControl(bytes: number): void;
  /** The peer will send nothing more (EOF on TCP). Writing may still work (half-close). */
  inputEnded(): void;
  /** What was buffered has been written (after {@link Transport.notifyDrained}). */
  drained(): void;
  /** The pipe is closed both ways. */
  closed(): void;
  /** The pipe failed (a reset, a TLS error); `closed` follows. */
  failed(error: Error): void;
}

const RECEIVER = Symbol('switchboard.receiver');
type ReceivingSocket = Socket & { [RECEIVER]?: TransportReceiver };

// One function each for every socket: `this` is the socket, which carries its receiver.
function onData(this: ReceivingSocket, chunk: Buffer): void {
  this[RECEIVER]?.received(chunk);
}
function onEnd(this: ReceivingSocket): void {
  this[RECEIVER]?.inputEnded();
}
function onClose(this: ReceivingSocket): void {
  const receiver = this[RECEIVER];
  this[RECEIVER] = undefined;
  receiver?.closed();
}
function onDrain(this: ReceivingSocket): void {
  this[RECEIVER]?.drained();
}
/** Errors are followed by `close`, where the connection is cleaned up. */
function onError(this: ReceivingSocket, error: Error): void {
  this[RECEIVER]?.failed(error);
}

/** A TCP (or TLS) socket as a {@link Transport}: farewell is the last bytes to write before FIN. */
export class SocketTransport implements Transport<Buffer | string> {
  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  get writable(): boolean {
    return this.socket.writable;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(farewell?: Buffer | string): void {
    if (farewell === undefined) this.socket.end();
    else this.socket.end(farewell);
  }

  destroy(): void {
    this.socket.destroy();
  }

  notifyDrained(): void {
    this.socket.once('drain', onDrain);
  }

  attach(receiver: TransportReceiver): void {
    const socket = this.socket as ReceivingSocket;
    socket[RECEIVER] = receiver;
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
  }

  /**
   * Whether the peer's EOF has been read, even while the socket is paused and Node has not emitted
   * `end` yet. Node keeps reading a paused socket up to its high-water mark and has no public flag
   * for "EOF read but not emitted", so this looks at the stream's own state.
   */
  get peerEnded(): boolean {
    const state = (this.socket as unknown as { _readableState?: { ended?: boolean } })._readableState;
    return this.socket.readableEnded || state?.ended === true;
  }
}
