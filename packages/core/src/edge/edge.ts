import type { IncomingMessage, RequestListener, Server } from 'node:http';
import { type Logger, silentLogger } from '../ports/logger.ts';
import { CidrSet } from './cidr.ts';
import { descriptorSoftLimit } from './descriptor-limit.ts';
import { DescriptorWatch } from './descriptor-watch.ts';
import type { EdgeSettings } from './edge-settings.ts';
import { forwardedClientAddress } from './forwarded.ts';
import { createEdgeHttpServer } from './http-server.ts';
import { normalizeAddress } from './ip-address.ts';
import {
  listenTcp,
  type TcpConnectionHandler,
  type TcpListener,
  type TcpListenOptions,
} from './tcp-listener.ts';
import { TlsCertificate, type TlsFiles } from './tls-certificate.ts';

/** A PROXY header and a TLS handshake each get this long by default. */
export const DEFAULT_PREAMBLE_TIMEOUT_MS = 10_000;

/**
 * Where an adapter meets the network. An adapter asks it for its listener and learns each
 * client's address from it; TLS, the PROXY protocol, forwarded headers and running out of file
 * descriptors are handled here, the same way for every protocol.
 */
export interface Edge {
  /** Whether this adapter's listeners serve TLS (wss:// for the WebSocket ones). */
  readonly secure: boolean;
  listenTcp(options: TcpListenOptions, onConnection: TcpConnectionHandler): Promise<TcpListener>;
  /** An HTTP or HTTPS server; the caller listens on it (fastify: its `serverFactory`). */
  httpServer(handler?: RequestListener): Server;
  /** An HTTP request's client: the peer, or what a trusted proxy in front of it forwarded. */
  clientAddress(request: IncomingMessage): string;
}

export interface EdgeOptions {
  logger?: Logger;
  /** CIDR ranges of the proxies whose PROXY headers and forwarded headers are believed. */
  trustProxy?: readonly string[];
  tls?: TlsFiles | null;
  preambleTimeoutMs?: number;
  /** The descriptor soft limit; read from the process when absent. */
  descriptorLimit?: number | null;
}

/**
 * The process's edge: one certificate (reloaded on SIGHUP), one trusted-proxy list and one
 * count of open connections, shared by every adapter. Each adapter gets its own {@link Edge}
 * through {@link forAdapter}, with TLS unless it opted out.
 */
export class EdgeRuntime {
  readonly #trustProxy: CidrSet;
  readonly #tls: TlsCertificate | null;
  readonly #preambleTimeoutMs: number;
  readonly #descriptors: DescriptorWatch;
  readonly #logger: Logger;

  /** Throws when a range is not CIDR or the certificate or key cannot be read. */
  constructor(options: EdgeOptions = {}) {
    this.#logger = options.logger ?? silentLogger;
    this.#trustProxy = new CidrSet(options.trustProxy ?? []);
    this.#tls = options.tls ? new TlsCertificate(options.tls) : null;
    this.#preambleTimeoutMs = options.preambleTimeoutMs ?? DEFAULT_PREAMBLE_TIMEOUT_MS;
    const limit = options.descriptorLimit === undefined ? descriptorSoftLimit() : options.descriptorLimit;
    this.#descriptors = new DescriptorWatch(limit, this.#logger);
  }

  get tlsEnabled(): boolean {
    return this.#tls !== null;
  }

  /** Connections open on every listener of this edge. */
  get openConnections(): number {
    return this.#descriptors.open;
  }

  /**
   * Reads the certificate and key again; new connections get them, open ones keep theirs.
   * Throws (leaving the current certificate in place) when they cannot be read or do not match.
   */
  reloadTls(): void {
    this.#tls?.reload();
  }

  forAdapter(options: { logger?: Logger; tls?: boolean } = {}): Edge {
    const settings: EdgeSettings = Object.freeze({
      logger: options.logger ?? this.#logger,
      trustProxy: this.#trustProxy,
      tls: options.tls === false ? null : this.#tls,
      preambleTimeoutMs: this.#preambleTimeoutMs,
      descriptors: this.#descriptors,
    });
    const trustProxy = this.#trustProxy;
    return Object.freeze({
      secure: settings.tls !== null,
      listenTcp: (listen: TcpListenOptions, onConnection: TcpConnectionHandler) =>
        listenTcp(settings, listen, onConnection),
      httpServer: (handler?: RequestListener) => createEdgeHttpServer(settings, handler),
      clientAddress: (request: IncomingMessage) => {
        const peer = request.socket.remoteAddress;
        if (peer === undefined) return 'unknown';
        return trustProxy.size === 0
          ? normalizeAddress(peer)
          : forwardedClientAddress(peer, request.headers, trustProxy);
      },
    });
  }
}

/** Plain listeners, no trusted proxies: what an adapter started without a gateway gets. */
export function defaultEdge(logger: Logger = silentLogger): Edge {
  return new EdgeRuntime({ logger }).forAdapter();
}
