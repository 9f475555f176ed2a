/**
 * A `ConfControl` request sent upstream from a node that does not follow the meeting (in a relay cluster, another
 * node holds its upstream socket): a short-lived upstream connection of its own, with the host password the
 * mirrored record keeps — control token, one-time WebSocket token, `Subscribe` to one category, the request, its
 * reply, close. Costly (four round trips), and only for what the REST control API cannot carry (live captions).
 */
import { PushConnection, type ConfControlReply, type WebSocketConstructor } from '@confpush/client';
import type { UpstreamApi } from './upstream-api.js';

export interface UpstreamConfControl {
  api: UpstreamApi;
  conferenceID: string;
  /** The meeting's host password upstream. */
  hostPassword: string;
  type: string;
  data: Readonly<Record<string, unknown>>;
  WebSocket?: WebSocketConstructor | undefined;
}

/** Resolves with the upstream's reply; rejects when the connection or the reply fails. */
export async function sendConfControlUpstream(request: UpstreamConfControl): Promise<ConfControlReply> {
  const connection = new PushConnection({
    rest: request.api.rest,
    conferenceID: request.conferenceID,
    password: request.hostPassword,
    // The smallest subscription Huawei accepts: one category, whose full message is ignored.
    categories: ['ConfBasicInfoNotify'],
    resume: false,
    acceptGapsWithoutExtensions: true,
    maxInitialAttempts: 1,
    ...(request.WebSocket ? { WebSocket: request.WebSocket } : {}),
  });
  try {
    await connection.start();
    return await connection.confControl(request.type, request.data);
  } finally {
    connection.close();
  }
}
