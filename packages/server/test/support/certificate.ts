/** A self-signed certificate for 127.0.0.1 in a test's temporary directory (TLS and demo tests). */
import { tempDir } from '../helpers.js';
import { selfSignedIn } from './openssl-certificate.js';

export function selfSigned(): { cert: string; key: string; ca: Buffer } {
  return selfSignedIn(tempDir('confpush-tls-'));
}
