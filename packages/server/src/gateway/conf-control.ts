/**
 * `ConfControl` frames on the push socket: `REALTIMESUBTITLE` (switch live captions on or off, Huawei §8.8) and
 * `REFRESHTOKEN` (keep the meeting-control token alive in band, as Huawei's WeLink gateway does). Each frame gets
 * exactly one reply `{"action":"ConfControl","sequence","type","data":{"returnCode","returnDesc",…}}`.
 *
 * A request that changes the meeting is first offered to `forward` (a relay sends a mirrored meeting's requests
 * upstream, docs/relay.md): its answer is the reply, and nothing is decided here. `REFRESHTOKEN` concerns this
 * node's own token and is always answered here.
 */
import {
  buildReply,
  REPLY_CODES,
  toNumber,
  type ConfControlFrame,
  type ReplyCodeSpec,
  type ReplyFrame,
} from '@confpush/protocol';
import type { MeetingTokens } from '../auth/meeting-tokens.js';
import type { Engine } from '../engine/engine.js';
import type { ConfControlAnswer, ConfControlRequest } from '../sources/source.js';
import type { ConfToken } from '../store/types.js';
import { replyCodeOf } from './refusals.js';

export interface ConfControlContext {
  confId: string;
  tokens: MeetingTokens;
  engine: Engine;
  /** Told about a control token kept alive by REFRESHTOKEN. */
  onTokenRenewed?: (token: ConfToken) => void;
  /** Takes a request of a meeting decided elsewhere; undefined: decide it here. */
  forward?: ((request: ConfControlRequest) => Promise<ConfControlAnswer | undefined>) | undefined;
}

export async function handleConfControl(
  frame: ConfControlFrame,
  ctx: ConfControlContext,
): Promise<ReplyFrame> {
  const { sequence, type, data } = frame;
  const reply = (code: ReplyCodeSpec, extra: Record<string, unknown> = {}) =>
    buildReply('ConfControl', sequence, code, { type, ...extra });
  try {
    if (data.conferenceID !== undefined && data.conferenceID !== '' && data.conferenceID !== ctx.confId) {
      return reply(REPLY_CODES.CONF_TOKEN_WRONG_MEETING, {
        message: 'conferenceID is not the meeting of this socket',
      });
    }
    switch (type) {
      case 'REALTIMESUBTITLE': {
        await ctx.tokens.checkConfToken(data.confToken, ctx.confId);
        const on = (toNumber(data['isSubtitle']) ?? 1) !== 0;
        const ids = data['id'];
        const subtitleType = toNumber(data['subtitleType']) ?? 0;
        if (ids !== undefined && (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string'))) {
          return reply(REPLY_CODES.INVALID_DATA, { message: 'data.id must be an array of participant IDs' });
        }
        const { conferenceID: _id, confToken: _token, ...request } = data;
        const forwarded = await ctx.forward?.({ conferenceID: ctx.confId, type, data: request });
        if (forwarded) {
          const { returnCode, returnDesc, message } = forwarded;
          return buildReply(
            'ConfControl',
            sequence,
            { code: returnCode, desc: returnDesc, description: '' },
            {
              type,
              ...(message !== undefined ? { message } : {}),
            },
          );
        }
        // subtitleType 0 captions the loudest speakers; any other mode captions the listed ones.
        const speakers = ids !== undefined ? (ids as string[]) : subtitleType !== 0 ? [] : undefined;
        await ctx.engine.execute(ctx.confId, { type: 'subtitles', on, ...(speakers ? { speakers } : {}) });
        return reply(REPLY_CODES.SUCCESS);
      }
      case 'REFRESHTOKEN': {
        const renewed = await ctx.tokens.keepAlive(data.confToken, ctx.confId);
        ctx.onTokenRenewed?.(renewed);
        return reply(REPLY_CODES.SUCCESS, { confToken: renewed.token, expireTime: renewed.expiresAt });
      }
      default:
        return reply(REPLY_CODES.UNKNOWN_CONTROL_TYPE, {
          message: `ConfControl type "${type.slice(0, 64)}" is not supported`,
        });
    }
  } catch (error) {
    const code = replyCodeOf(error);
    if (!code) throw error;
    return reply(code, { message: error instanceof Error ? error.message : String(error) });
  }
}
