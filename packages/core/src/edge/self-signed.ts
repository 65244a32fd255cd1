import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsFiles } from './tls-certificate.ts';

/**
 * A fresh self-signed EC certificate for `localhost` and 127.0.0.1, made by the machine's
 * openssl (tests: every TLS test brings its own certificate, none is checked in).
 */
export function selfSignedCertificate(commonName = 'localhost', dir?: string): TlsFiles & { dir: string } {
  const where = dir ?? mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
  const cert = join(where, `${commonName}-cert.pem`);
  const key = join(where, `${commonName}-key.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  return { cert, key, dir: where };
}
