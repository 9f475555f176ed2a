/**
 * The JSON body parser of every REST route: the body must be UTF-8 (RFC 8259) — bytes that are not are refused
 * with `INVALID_PARAMETER` instead of being decoded into replacement characters and stored — and is parsed with
 * Fastify's secure parser, which refuses `__proto__` and `constructor.prototype` keys. The size limit
 * (`maxBodyBytes`) is enforced while the body is read: a request whose `Content-Length` is larger is answered 413
 * before any of it is read, and a chunked one as soon as it passes the limit.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';

/** `code` of the error a body that is not UTF-8 fails with (errors-plugin.ts maps it to INVALID_PARAMETER). */
export const INVALID_UTF8_CODE = 'CONFPUSH_INVALID_UTF8';

export interface JsonBodyOptions {
  /** An empty body is no body (Huawei's clients send `Content-Type: application/json` on body-less calls). */
  emptyIsNoBody: boolean;
}

/** Replaces the `application/json` parser of `app` (and of the plugins it encapsulates). */
export function useJsonBody(app: FastifyInstance, options: JsonBodyOptions): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0 && options.emptyIsNoBody) {
      done(null, undefined);
      return;
    }
    if (!isUtf8(bytes)) {
      done(Object.assign(new Error('body is not valid UTF-8'), { statusCode: 400, code: INVALID_UTF8_CODE }));
      return;
    }
    parseJson(request, bytes.toString('utf8'), done);
  });
}
