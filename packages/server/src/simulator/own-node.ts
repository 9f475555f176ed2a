/**
 * How the demo reaches the node it runs in, whatever that node serves: REST calls go to the node's app in-process
 * (no TLS, no listening address involved), and the push socket connects to the node's own listening address,
 * trusting exactly the node's own certificate when it serves WSS (pinned by fingerprint, so a self-signed
 * certificate, or one whose names do not include the loopback address, works).
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { WebSocketConstructor } from '@confpush/client';
import { WebSocket, type ClientOptions } from 'ws';
import type { Api } from '../api/context.js';

export interface NodeTransport {
  fetch: typeof fetch;
  WebSocket: WebSocketConstructor;
}

export interface OwnNode {
  api: Api;
  /** Where the node listens, e.g. `https://127.0.0.1:8080`. */
  url: string;
  /** The base URL `wsURL` is built from (the public URL, or `url`). */
  publicUrl: string;
  /** PEM of the certificate the node serves (undefined: plain HTTP). */
  certificate: Buffer | undefined;
  /** Sent with every REST request of the demo (marks them for the request log). */
  requestHeaders?: Record<string, string>;
}

const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/** A `fetch` that hands each request to the node's app in-process. */
export function inProcessFetch(api: Api, extraHeaders: Record<string, string> = {}): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headersIn: Record<string, string> = {};
    request.headers.forEach((value, name) => (headersIn[name] = value));
    Object.assign(headersIn, extraHeaders);
    const res = await api.inject({
      method: request.method as 'GET',
      url: `${url.pathname}${url.search}`,
      headers: headersIn,
      ...(payload ? { payload } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of [value ?? []].flat()) headers.append(name, String(v));
    }
    const body =
      NULL_BODY_STATUSES.has(res.statusCode) || request.method === 'HEAD'
        ? null
        : new Uint8Array(res.rawPayload);
    return new Response(body, { status: res.statusCode, headers });
  };
}

function wsBase(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws').replace(/\/+$/, '');
}

/** A `ws` WebSocket that connects to the node's own address and accepts only the node's own certificate. */
export function ownNodeWebSocket(node: Omit<OwnNode, 'api'>): WebSocketConstructor {
  const publicBase = wsBase(node.publicUrl);
  const localBase = wsBase(node.url);
  const pinned = node.certificate ? new X509Certificate(node.certificate).fingerprint256 : undefined;
  const tls: ConnectionOptions = node.certificate
    ? {
        ca: [...rootCertificates, node.certificate.toString('utf8')],
        checkServerIdentity: (_host: string, peer: PeerCertificate) =>
          peer.fingerprint256 === pinned
            ? undefined
            : new Error('the push socket did not present this node’s own certificate'),
      }
    : {};
  return class OwnNodeWebSocket extends WebSocket {
    constructor(url: string) {
      const local = url.startsWith(publicBase) ? `${localBase}${url.slice(publicBase.length)}` : url;
      // ws hands its options to tls.connect; its typings declare checkServerIdentity returning a boolean.
      super(local, tls as ClientOptions);
    }
  };
}

export function ownNodeTransport(node: OwnNode): NodeTransport {
  return { fetch: inProcessFetch(node.api, node.requestHeaders), WebSocket: ownNodeWebSocket(node) };
}
