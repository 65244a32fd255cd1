import type { Socket } from 'node:net';
import { type ProxiedAddress, parseProxyHeader, proxySignature } from './proxy-protocol.ts';

export class ProxyHeaderError extends Error {
  override name = 'ProxyHeaderError';
}

/**
 * Reads the PROXY header a trusted proxy must start its connection with. Resolves with the
 * address it names (null: the proxy speaks for itself) once the header is whole; the bytes after
 * it are put back into the socket, which is left paused for its protocol to take. Rejects on a
 * bad header or on a connection that ends before the header is whole; the caller closes the
 * socket, and enforces the deadline by destroying it. Memory is bounded by the header limits (107 bytes, 2 KiB for v2).
 */
export function readProxyHeader(socket: Socket): Promise<ProxiedAddress | null> {
  return new Promise((resolve, reject) => {
    let received: Buffer = Buffer.alloc(0);
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    const fail = (reason: string) => {
      cleanup();
      reject(new ProxyHeaderError(reason));
    };
    const onData = (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const header = parseProxyHeader(received);
      if (header.kind === 'incomplete') return;
      if (header.kind === 'invalid') return fail(header.reason);
      cleanup();
      socket.pause();
      if (received.length > header.length) socket.unshift(received.subarray(header.length));
      resolve(header.source);
    };
    const onEnd = () => fail('connection ended before its PROXY header was whole');
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/**
 * An untrusted peer must not speak for anyone else: a connection whose first bytes are a PROXY
 * signature is closed before its protocol sees them (`onRefused` says so). The protocol gets the
 * socket at once, so servers that speak first (tcp-rooms' prompt) are not held up; only the
 * first `data` event is looked at, and a first chunk shorter than the signature is held until
 * it is told apart. Everything after is untouched.
 */
export function refuseProxyHeader(socket: Socket, onRefused: () => void): void {
  let held: Buffer | null = null;
  const emit = socket.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
  // An own `emit` shadows the prototype's until the first data event has been looked at; then
  // the original is put back as the own property (assigned, not deleted: a delete would turn
  // the socket into a slow dictionary-mode object for the rest of its life).
  const restore = () => {
    socket.emit = emit as typeof socket.emit;
  };
  socket.emit = function guardedEmit(this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data' && Buffer.isBuffer(args[0])) {
      const chunk = held ? Buffer.concat([held, args[0]]) : args[0];
      held = null;
      const verdict = proxySignature(chunk);
      if (verdict === 'maybe') {
        held = chunk;
        return true;
      }
      restore();
      if (verdict === 'yes') {
        onRefused();
        socket.destroy();
        return false;
      }
      return emit.call(this, 'data', chunk);
    }
    if (event === 'data' || event === 'close' || event === 'error') restore();
    if (event === 'end' && held) {
      // The stream ended inside what looked like a signature: those bytes were the client's.
      const chunk = held;
      held = null;
      restore();
      emit.call(this, 'data', chunk);
    }
    return emit.call(this, event, ...args);
  } as typeof socket.emit;
}
