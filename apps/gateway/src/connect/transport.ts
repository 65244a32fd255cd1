import { readFileSync } from 'node:fs';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** How `switchboard connect` reaches the server: plain TCP, or TLS (`--tls`). */
export interface ClientTls {
  /** Skip certificate verification (`--insecure`): for self-signed test servers only. */
  insecure?: boolean;
  /** A PEM file of the CA (or the self-signed certificate itself) to trust besides the system's. */
  ca?: string;
}

/** What the `ws` client and `tls.connect` take from {@link ClientTls}. */
export function tlsClientOptions(tls: ClientTls): { rejectUnauthorized: boolean; ca?: Buffer } {
  return { rejectUnauthorized: !tls.insecure, ...(tls.ca && { ca: readFileSync(tls.ca) }) };
}

/**
 * A socket to HOST:PORT, TLS when asked (the certificate checked against HOST unless
 * insecure). Writes made before the handshake ends are sent after it, so the clients use it
 * as they would a plain socket; a failed verification is an `error` like a refused connection.
 */
export function openClientSocket(host: string, port: number, tls: ClientTls | undefined): Socket {
  if (!tls) return tcpConnect({ host, port });
  const socket = tlsConnect({
    host,
    port,
    // SNI carries names only; an IP address is checked against the certificate's IP entries.
    ...(isIP(host) === 0 && { servername: host }),
    ...tlsClientOptions(tls),
  });
  // Ending a TLS socket during its handshake stalls it (no answer is read, no close comes),
  // and piped input can end that early (`< /dev/null`): the end waits for the handshake.
  const end = socket.end.bind(socket) as (...args: unknown[]) => Socket;
  let secure = false;
  socket.once('secureConnect', () => {
    secure = true;
  });
  socket.end = ((...args: unknown[]) => {
    if (secure) return end(...args);
    socket.once('secureConnect', () => end(...args));
    return socket;
  }) as typeof socket.end;
  return socket;
}
