import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CoarseTimer, TimerWheel } from '@switchboard/core';

/**
 * The deadline of the plain-HTTP part of a WebSocket port: a connection must send a whole request
 * within `ms` of connecting (and of each response it got, when kept alive), or it is destroyed.
 * Silent or half-sent requests would otherwise hold a descriptor for Node's own 60 s header
 * timeout, checked only every 30 s. Upgrades leave the deadline when the adapter takes the socket
 * ({@link HttpDeadline.release}), since the WebSocket side has deadlines of its own; nothing of
 * the deadline stays on an upgraded socket (its timer and listener go), so it costs an idle
 * WebSocket nothing.
 */
export class HttpDeadline {
  readonly #timers: TimerWheel;
  readonly #ms: number;
  readonly #pending = new Map<Socket, CoarseTimer>();
  /** One listener for every socket (`this` is the socket), removed again on release. */
  readonly #onSocketClose: (this: Socket) => void;

  constructor(server: Server, timers: TimerWheel, ms: number) {
    this.#timers = timers;
    this.#ms = ms;
    const deadline = this;
    this.#onSocketClose = function (this: Socket) {
      deadline.#forget(this);
    };
    // Over TLS, 'connection' is the raw socket and requests come on the TLS one: watch that
    // (the handshake before it has the server's own handshake timeout).
    const accepted = 'setSecureContext' in server ? 'secureConnection' : 'connection';
    server.on(accepted, (socket: Socket) => this.#watch(socket));
    // A request answered in full: a kept-alive connection gets a fresh deadline for its next one.
    server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      response.once('finish', onResponseFinished);
    });
    const pending = this.#pending;
    function onResponseFinished(this: ServerResponse): void {
      pending.get(this.req.socket)?.reset();
    }
  }

  /** The socket was upgraded: its deadlines are the WebSocket side's from now on. */
  release(socket: Socket): void {
    const timer = this.#pending.get(socket);
    if (timer === undefined) return;
    socket.removeListener('close', this.#onSocketClose);
    this.#forget(socket, timer);
  }

  #forget(socket: Socket, timer = this.#pending.get(socket)): void {
    timer?.cancel();
    this.#pending.delete(socket);
  }

  #watch(socket: Socket): void {
    const timer = this.#timers.schedule(this.#ms, () => {
      this.#pending.delete(socket);
      socket.destroy();
    });
    this.#pending.set(socket, timer);
    socket.on('close', this.#onSocketClose);
  }
}
