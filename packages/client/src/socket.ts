/**
 * The WebSocket the connection uses: `options.WebSocket`, else `globalThis.WebSocket` (browsers, Node 22+),
 * else the `ws` package, imported lazily and only in Node so that browser bundles never see a Node module.
 */

/** What the connection uses of a WebSocket: the subset shared by the browser API and `ws`. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/**
 * A WebSocket constructor: the browser's `WebSocket`, `ws`'s `WebSocket`, or anything built like them (used as
 * `new WebSocket(url)` and then through `WebSocketLike`).
 */
export type WebSocketConstructor = new (url: string) => object;

export const WS_OPEN = 1;

/** The minimal shape of the `ws` module this file reads (no Node types needed). */
interface WsModule {
  default?: unknown;
  WebSocket?: unknown;
}

let nodeWebSocket: Promise<WebSocketConstructor> | undefined;

export async function resolveWebSocket(
  explicit: WebSocketConstructor | undefined,
): Promise<WebSocketConstructor> {
  if (explicit) return explicit;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof global === 'function') return global;
  if (!isNode()) throw new Error('no WebSocket implementation: pass options.WebSocket');
  nodeWebSocket ??= importWs();
  return nodeWebSocket;
}

async function importWs(): Promise<WebSocketConstructor> {
  // A computed specifier keeps bundlers from following this import into browser builds.
  const specifier = 'ws';
  const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as WsModule;
  const ctor = typeof mod.WebSocket === 'function' ? mod.WebSocket : mod.default;
  if (typeof ctor !== 'function') throw new Error('the "ws" package does not export a WebSocket class');
  return ctor as WebSocketConstructor;
}

function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof process?.versions?.node === 'string';
}

export function openSocket(Ctor: WebSocketConstructor, url: string): WebSocketLike {
  return new Ctor(url) as WebSocketLike;
}

/** Sends `frame` as JSON if the socket is open; the error of a send that threw, else undefined. */
export function sendFrame(socket: WebSocketLike, frame: Record<string, unknown>): Error | undefined {
  if (socket.readyState !== WS_OPEN) return undefined;
  try {
    socket.send(JSON.stringify(frame));
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Closes a socket that is still connecting or open with 1000 and `reason`. */
export function closeQuietly(socket: WebSocketLike, reason: string): void {
  if (socket.readyState > WS_OPEN) return;
  try {
    socket.close(1000, reason);
  } catch {
    // Closing a socket that is already going away cannot fail in a way that matters here.
  }
}

/** A received message as a JSON object; undefined when it is anything else. */
export function parseFrame(data: unknown): Record<string, unknown> | undefined {
  const text = messageText(data);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The text of a message event: a string, or UTF-8 bytes from implementations that deliver them. */
function messageText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  return undefined;
}
