import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CoarseTimer, TimerWheel } from '@switchboard/core';

/**
 * The deadline of the plain-HTTP part of a WebSocket port: a connection must send a whole request
 * within `ms` of connecting (and of each response it got, when kept alive), or it is destroyed.
 * Silent or half-sent requests would otherwise hold a descriptor for Node's own 60 s header
 * timeout, checked only every 30 s. Upgrades leave the deadline when the adapter takes the socket
 * ({@link HttpDeadline.release}), since the WebSocket side has deadlines of its own.
 *
 * Nothing of it stays on an upgraded socket, and it adds no listener to the socket at all: a
 * 'close' listener added and removed again leaves the socket's listener array grown for good
 * (~130 B per idle WebSocket). A socket that closes before its deadline is therefore not noticed;
 * its timer holds it only weakly and fires harmlessly.
 */
export class HttpDeadline {
  readonly #timers: TimerWheel;
  readonly #ms: number;
  readonly #pending = new WeakMap<Socket, CoarseTimer>();

  constructor(server: Server, timers: TimerWheel, ms: number) {
    this.#timers = timers;
    this.#ms = ms;
    // Over TLS, 'connection' is the raw socket and requests come on the TLS one: watch that
    // (the handshake before it has the server's own handshake timeout).
    const accepted = 'setSecureContext' in server ? 'secureConnection' : 'connection';
    server.on(accepted, (socket: Socket) => this.#watch(socket));
    // A request answered in full: a kept-alive connection gets a fresh deadline for its next one.
    const pending = this.#pending;
    function onResponseFinished(this: ServerResponse): void {
      pending.get(this.req.socket)?.reset();
    }
    server.on('request', (_request, response: ServerResponse) => {
      response.once('finish', onResponseFinished);
    });
  }

  /** The socket was upgraded: its deadlines are the WebSocket side's from now on. */
  release(socket: Socket): void {
    const timer = this.#pending.get(socket);
    if (timer === undefined) return;
    timer.cancel();
    this.#pending.delete(socket);
  }

  #watch(socket: Socket): void {
    const ref = new WeakRef(socket);
    const timer = this.#timers.schedule(this.#ms, () => ref.deref()?.destroy());
    this.#pending.set(socket, timer);
  }
}
