/**
 * A self-signed certificate for 127.0.0.1 written into `dir`, made with the openssl command (TLS tests, the webhook
 * receiver of the tests and of bench/webhooks.ts). Free of test-runner imports so that benchmarks can use it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function selfSignedIn(dir: string): { cert: string; key: string; ca: Buffer } {
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
    throw new Error(`a self-signed certificate needs the openssl command: ${(error as Error).message}`);
  }
  return { cert, key, ca: readFileSync(cert) };
}
