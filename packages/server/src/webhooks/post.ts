/** One HTTP(S) POST of a webhook, to the checked address, bounded by a timeout covering the whole exchange. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { checkUrl, resolveTarget, type AddressPolicy } from './address-guard.js';

export interface PostOptions extends AddressPolicy {
  timeoutMs: number;
  /** Extra trusted CAs (besides Node's, which include `NODE_EXTRA_CA_CERTS`). */
  ca?: readonly string[] | undefined;
}

export interface PostResult {
  status: number;
  body: string;
}

const MAX_ANSWER_BYTES = 64 * 1024;

export async function postWebhook(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<PostResult> {
  const url = checkUrl(rawUrl, options);
  const target = await resolveTarget(url, options);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        lookup: (_host, lookupOptions, callback) => {
          const cb = callback as (...args: unknown[]) => void;
          if ((lookupOptions as { all?: boolean }).all) cb(null, [target]);
          else cb(null, target.address, target.family);
        },
        // Passing `ca` replaces Node's roots: keep them and add the configured ones.
        ...(options.ca ? { ca: [...rootCertificates, ...options.ca] } : {}),
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs, () =>
      req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
    );
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
    req.end(body);
  });
}
