import type { Socket } from 'node:net';

/**
 * Outgoing bytes of one connection, written once per event-loop turn: every send a delivery
 * triggers in this turn leaves in one write. It keeps the generator's syscalls per message low,
 * so the generator is not the bottleneck (the servers still parse every message on its own).
 * Every frame the generator writes is ASCII/latin1 text, so joining strings is exact.
 */
export class OutBuffer {
  readonly #socket: Socket;
  #parts: string[] = [];

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  push(data: string): void {
    if (this.#parts.length === 0) dirty.push(this);
    this.#parts.push(data);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushAll);
    }
  }

  flush(): void {
    const data = this.#parts.length === 1 ? this.#parts[0]! : this.#parts.join('');
    this.#parts = [];
    if (!this.#socket.destroyed) this.#socket.write(data, 'latin1');
  }
}

let dirty: OutBuffer[] = [];
let scheduled = false;

function flushAll(): void {
  const buffers = dirty;
  dirty = [];
  scheduled = false;
  for (const buffer of buffers) buffer.flush();
}
