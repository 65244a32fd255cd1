import type { Logger } from '../ports/logger.ts';
import type { CidrSet } from './cidr.ts';
import type { DescriptorWatch } from './descriptor-watch.ts';
import type { TlsCertificate } from './tls-certificate.ts';

/** What one adapter's listeners share: resolved once by the edge, read on every accept. */
export interface EdgeSettings {
  readonly logger: Logger;
  readonly trustProxy: CidrSet;
  /** The certificate to serve, or null for plain TCP/HTTP. */
  readonly tls: TlsCertificate | null;
  /** How long a connection has for its PROXY header and its TLS handshake, each. */
  readonly preambleTimeoutMs: number;
  readonly descriptors: DescriptorWatch;
}
