import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';

export interface TlsFiles {
  /** PEM certificate chain. */
  cert: string;
  /** PEM private key. */
  key: string;
}

/** The key pair as read from disk, for servers that take options rather than a context (https). */
export interface TlsKeyPair {
  cert: Buffer;
  key: Buffer;
}

/**
 * The serving certificate, read from its files and swappable: `reload()` reads them again and
 * every connection accepted afterwards gets the new one, while connections already open keep
 * the session they negotiated. A reload that fails (missing file, key that does not match)
 * throws and leaves the current certificate in place.
 */
export class TlsCertificate {
  readonly #files: TlsFiles;
  #pair: TlsKeyPair;
  #context: SecureContext;
  readonly #listeners = new Set<(pair: TlsKeyPair) => void>();

  constructor(files: TlsFiles) {
    this.#files = files;
    [this.#pair, this.#context] = TlsCertificate.#load(files);
  }

  get context(): SecureContext {
    return this.#context;
  }

  get pair(): TlsKeyPair {
    return this.#pair;
  }

  reload(): void {
    [this.#pair, this.#context] = TlsCertificate.#load(this.#files);
    for (const listener of this.#listeners) listener(this.#pair);
  }

  /** Servers that hold their own context (https) follow reloads through this. */
  onReload(listener: (pair: TlsKeyPair) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  static #load(files: TlsFiles): [TlsKeyPair, SecureContext] {
    const pair = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
    // createSecureContext checks that the key belongs to the certificate.
    return [pair, createSecureContext(pair)];
  }
}
