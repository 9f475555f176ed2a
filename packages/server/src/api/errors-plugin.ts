/**
 * The one place refusals become REST answers: a `DomainError` gets the status and the Huawei-style body
 * `{"error_code","error_msg"}` its code has in the protocol's error catalogue. Validation, body-size and
 * content-type errors are mapped to documented codes; anything unexpected is a logged 500 that changed nothing.
 */
import { ERRORS, type ErrorSpec, type RestErrorBody } from '@confpush/protocol';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import { INVALID_UTF8_CODE } from './json-body.js';

function invalidParameterFor(url: string): ErrorSpec {
  return /^\/(v\d\/usg|confpush\/v\d\/admin)\//.test(url)
    ? ERRORS.USG_INVALID_PARAMETER
    : ERRORS.MMC_INVALID_PARAMETER;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let spec: ErrorSpec | undefined;
    let detail: string | undefined;
    if (error instanceof DomainError) {
      spec = ERRORS[error.code];
      detail = error.detail;
      if (spec.status >= 500) request.log.error({ err: error }, 'request failed');
    } else if (error.validation) {
      spec = invalidParameterFor(request.url);
      const first = error.validation[0];
      const where = error.validationContext ?? 'request';
      const path = first?.instancePath ? first.instancePath.replaceAll('/', '.').slice(1) : '';
      const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      detail = `${where}${path ? `.${path}` : ''}${missing ? `.${missing}` : ''} ${first?.message ?? 'is invalid'}`;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      spec = ERRORS.PAYLOAD_TOO_LARGE;
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      spec = ERRORS.UNSUPPORTED_MEDIA_TYPE;
    } else if (error.code === INVALID_UTF8_CODE) {
      spec = invalidParameterFor(request.url);
      detail = 'body is not valid UTF-8';
    } else if (
      error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      // The JSON parser's own errors: SyntaxError, or RangeError for nesting deeper than the parser's stack.
      (error.statusCode === 400 && (error instanceof SyntaxError || error instanceof RangeError))
    ) {
      spec = invalidParameterFor(request.url);
      detail = 'body is not valid JSON';
    } else if (error.statusCode === 413) {
      spec = ERRORS.PAYLOAD_TOO_LARGE;
    } else if (error.statusCode === 415) {
      spec = ERRORS.UNSUPPORTED_MEDIA_TYPE;
    } else if (
      typeof error.code === 'string' &&
      error.code.startsWith('FST_ERR_') &&
      error.statusCode === 400
    ) {
      // Any other malformed request Fastify refuses (e.g. a Content-Length that does not match the body).
      spec = invalidParameterFor(request.url);
      detail = 'the request is malformed';
    }
    if (!spec) {
      request.log.error({ err: error }, 'unexpected error');
      spec = ERRORS.INTERNAL_ERROR;
    }
    return reply.status(spec.status).send(restErrorBody(spec, detail));
  });

  app.setNotFoundHandler((request, reply) => {
    const spec = ERRORS.NOT_FOUND;
    return reply
      .status(spec.status)
      .send(restErrorBody(spec, `${request.method} ${request.url.split('?')[0] ?? ''}`));
  });
}

/** `error_msg` is the catalogue message, followed by the detail when there is one. */
export function restErrorBody(spec: ErrorSpec, detail?: string): RestErrorBody {
  return { error_code: spec.code, error_msg: detail ? `${spec.msg}: ${detail}` : spec.msg };
}

/**
 * Fastify's `frameworkErrors`: a path that is not valid percent-encoding, or a path parameter longer than Fastify
 * accepts, is a bad parameter like any other (instead of Fastify's own error body).
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const spec = invalidParameterFor(request.url);
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : 'the URL is not valid';
  void reply.status(spec.status).send(restErrorBody(spec, detail));
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is a request (malformed request
 * line or headers, headers over 16 KiB, a request that did not arrive in time) is answered with a documented
 * Huawei-style body too, and the connection is closed, as Node does.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const spec =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ERRORS.HEADERS_TOO_LARGE
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ERRORS.REQUEST_TIMEOUT
        : ERRORS.BAD_REQUEST;
  const body = JSON.stringify(restErrorBody(spec));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${spec.status} ${STATUS_CODES[spec.status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
