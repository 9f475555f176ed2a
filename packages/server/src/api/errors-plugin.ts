/**
 * The one place REST errors become Huawei-style bodies `{"error_code","error_msg"}`. Validation, body-size and
 * content-type errors are mapped to documented codes; anything unexpected is a logged 500 that changed nothing.
 */
import { REST_ERRORS, type RestErrorSpec } from '@confpush/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';

function invalidParameterFor(url: string): RestErrorSpec {
  return /^\/(v\d\/usg|confpush\/v\d\/admin)\//.test(url)
    ? REST_ERRORS.USG_INVALID_PARAMETER
    : REST_ERRORS.MMC_INVALID_PARAMETER;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.status(error.status).send(error.body);
    }
    let spec: RestErrorSpec | undefined;
    let detail: string | undefined;
    if (error.validation) {
      spec = invalidParameterFor(request.url);
      const first = error.validation[0];
      const where = error.validationContext ?? 'request';
      const path = first?.instancePath ? first.instancePath.replaceAll('/', '.').slice(1) : '';
      const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      detail = `${where}${path ? `.${path}` : ''}${missing ? `.${missing}` : ''} ${first?.message ?? 'is invalid'}`;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      spec = REST_ERRORS.PAYLOAD_TOO_LARGE;
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      spec = REST_ERRORS.UNSUPPORTED_MEDIA_TYPE;
    } else if (
      error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (error.statusCode === 400 && error instanceof SyntaxError)
    ) {
      spec = invalidParameterFor(request.url);
      detail = 'body is not valid JSON';
    }
    if (!spec) {
      request.log.error({ err: error }, 'unexpected error');
      spec = REST_ERRORS.INTERNAL_ERROR;
    }
    return reply
      .status(spec.status)
      .send({ error_code: spec.code, error_msg: detail ? `${spec.msg}: ${detail}` : spec.msg });
  });

  app.setNotFoundHandler((request, reply) => {
    const spec = REST_ERRORS.NOT_FOUND;
    return reply.status(spec.status).send({
      error_code: spec.code,
      error_msg: `${spec.msg}: ${request.method} ${request.url.split('?')[0] ?? ''}`,
    });
  });
}
