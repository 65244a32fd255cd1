/** One load-generator connection, whatever its protocol. */
export type ClientProtocol = 'json-ws' | 'soh' | 'tcp-rooms' | 'rs-us' | 'sessions' | 'irc' | 'socket.io';

export interface ClientSpec {
  protocol: ClientProtocol;
  host: string;
  port: number;
  /** Source address (127.0.0.x), so one address's ephemeral ports never run out. */
  localAddress: string;
  name: string;
  /** For protocols that log in (tcp-rooms signs up when the name is new; rs-us needs an account). */
  password?: string;
}

export interface ClientEvents {
  /** A delivery's send stamp (µs), found in its text. */
  onStamp(micros: number): void;
  /** The connection closed or failed after it was ready. */
  onLost(reason: string): void;
}

export interface Client {
  /** Settles once the connection is identified (for soh, which never answers: once the name is written). */
  readonly ready: Promise<void>;
  sendDirect(to: string, text: string): void;
  sendBroadcast(text: string): void;
  close(): void;
}

/** Rejects `ready` if it has not settled in time, so a stuck handshake fails the run instead of hanging it. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
