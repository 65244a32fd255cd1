import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { watchAcceptErrors } from './accept-errors.ts';
import type { EdgeSettings } from './edge-settings.ts';
import { normalizeAddress } from './ip-address.ts';
import { readProxyHeader, refuseProxyHeader } from './proxy-header-reader.ts';

export interface TcpListenOptions {
  host: string;
  /** 0 picks a free port; {@link TcpListener.port} says which. */
  port: number;
  /** Keep writing after the client ended its side (answers to what it sent). */
  allowHalfOpen?: boolean;
  noDelay?: boolean;
}

/**
 * A connection ready for its protocol: TLS already negotiated when TLS is on, the PROXY header
 * already read when the peer is a trusted proxy. `clientAddress` is the one to use for limits,
 * throttling, logs and metrics.
 */
export type TcpConnectionHandler = (socket: Socket, clientAddress: string) => void;

export interface TcpListener {
  readonly port: number;
  /**
   * Stops accepting; connections still in their preamble (PROXY header, TLS handshake) are
   * dropped. Resolves once every accepted connection has closed, so call it first and close
   * the protocol's connections while it waits.
   */
  close(): Promise<void>;
}

/**
 * The one TCP listener of every TCP protocol: plain or TLS (the certificate of the moment, so a
 * reload applies to new connections only), the PROXY protocol from trusted proxies (mandatory
 * from them, refused from anyone else), one deadline for that preamble, and accept errors that
 * never stop the server.
 */
export async function listenTcp(
  settings: EdgeSettings,
  options: TcpListenOptions,
  onConnection: TcpConnectionHandler,
): Promise<TcpListener> {
  const { logger, trustProxy, tls, descriptors } = settings;
  const allowHalfOpen = options.allowHalfOpen ?? false;
  /** Accepted sockets that have not reached their protocol yet, with their deadline. */
  const preamble = new Map<Socket, NodeJS.Timeout>();
  let closing = false;

  const startPreamble = (socket: Socket, what: string) => {
    const timer = setTimeout(() => {
      logger.debug({ what }, 'connection closed: preamble past its deadline');
      socket.destroy();
    }, settings.preambleTimeoutMs);
    timer.unref();
    preamble.set(socket, timer);
  };
  const endPreamble = (socket: Socket) => {
    clearTimeout(preamble.get(socket));
    preamble.delete(socket);
  };

  const secure = (raw: Socket, clientAddress: string) => {
    endPreamble(raw);
    // The TLS socket takes allowHalfOpen from the raw one.
    const socket = new TLSSocket(raw, { isServer: true, secureContext: tls!.context });
    startPreamble(socket, 'tls handshake');
    socket.on('error', (error) => logger.debug({ err: error, clientAddress }, 'tls connection error'));
    socket.once('close', () => endPreamble(socket));
    socket.once('secure', () => {
      endPreamble(socket);
      if (closing) return void socket.destroy();
      onConnection(socket, clientAddress);
    });
  };

  const hand = (raw: Socket, clientAddress: string, proxied: boolean) => {
    if (tls) return secure(raw, clientAddress);
    endPreamble(raw);
    if (!proxied)
      refuseProxyHeader(raw, () =>
        logger.debug({ clientAddress }, 'PROXY header from an untrusted address refused'),
      );
    onConnection(raw, clientAddress);
  };

  const server: Server = createServer({ allowHalfOpen, noDelay: options.noDelay ?? false }, (raw) => {
    descriptors.track(raw);
    const peer = raw.remoteAddress;
    if (peer === undefined || closing) return void raw.destroy();
    const peerAddress = normalizeAddress(peer);
    if (!trustProxy.contains(peerAddress)) return hand(raw, peerAddress, false);

    startPreamble(raw, 'PROXY header');
    raw.once('close', () => endPreamble(raw));
    const onError = (error: Error) =>
      logger.debug({ err: error, proxy: peerAddress }, 'proxy connection error');
    raw.on('error', onError);
    readProxyHeader(raw).then(
      (source) => {
        raw.off('error', onError);
        if (closing || raw.destroyed) return void raw.destroy();
        // Paused by the reader; it flows again as soon as its protocol listens for data.
        (raw as { readableFlowing: boolean | null }).readableFlowing = null;
        hand(raw, source ? normalizeAddress(source.address) : peerAddress, true);
      },
      (error: Error) => {
        logger.debug(
          { proxy: peerAddress, reason: error.message },
          'connection without a valid PROXY header closed',
        );
        raw.destroy();
      },
    );
  });

  server.listen(options.port, options.host);
  await once(server, 'listening');
  watchAcceptErrors(server, logger, descriptors);

  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of preamble.keys()) socket.destroy();
      return closed;
    },
  };
}
