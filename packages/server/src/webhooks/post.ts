/** One HTTP(S) POST of a webhook, to the checked address, bounded by a timeout covering the whole exchange. */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
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

/**
 * Connections are kept alive and reused per (address, port), and the CA list is made into a TLS context once: a new
 * TLS handshake and a context of some 140 roots per event would cost far more than the event.
 */
interface Transport {
  http: HttpAgent;
  https: HttpsAgent;
  secureContext: SecureContext | undefined;
}
const transports = new WeakMap<PostOptions, Transport>();

/** Closes the kept-alive connections of these options (the sink stops). */
export function closeConnections(options: PostOptions): void {
  const transport = transports.get(options);
  transport?.http.destroy();
  transport?.https.destroy();
  transports.delete(options);
}

function transportOf(options: PostOptions): Transport {
  let transport = transports.get(options);
  if (!transport) {
    transport = {
      http: new HttpAgent({ keepAlive: true, maxSockets: 256 }),
      https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
      // Passing CAs replaces Node's roots: keep them and add the configured ones.
      secureContext: options.ca
        ? createSecureContext({ ca: [...rootCertificates, ...options.ca] })
        : undefined,
    };
    transports.set(options, transport);
  }
  return transport;
}

export async function postWebhook(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<PostResult> {
  const url = checkUrl(rawUrl, options);
  const target = await resolveTarget(url, options);
  const secure = url.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  const transport = transportOf(options);
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
        ...(secure && transport.secureContext ? { secureContext: transport.secureContext } : {}),
        agent: secure ? transport.https : transport.http,
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

/** The headers of a pushed request (reference §6.3). */
export function headersOf(d: { requestId: string }): Record<string, string> {
  return {
    'Content-Type': 'application/json;charset=UTF-8',
    'X-Request-ID': d.requestId,
    Date: new Date().toUTCString(),
    Connection: 'keep-alive',
    Pragma: 'No-cache',
    'Cache-Control': 'no-cache',
  };
}
