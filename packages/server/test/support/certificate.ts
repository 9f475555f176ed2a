/** A self-signed certificate for 127.0.0.1, made with openssl at test time (TLS and demo tests). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';

export function selfSigned(): { cert: string; key: string; ca: Buffer } {
  const dir = tempDir('confpush-tls-');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  try {
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
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    throw new Error(
      `a TLS test needs the openssl command to make a self-signed certificate: ${(error as Error).message}`,
    );
  }
  return { cert, key, ca: readFileSync(cert) };
}
