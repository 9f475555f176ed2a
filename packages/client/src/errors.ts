/**
 * The errors the SDK reports. Each says what went wrong in the terms of the protocol (HTTP status and Huawei
 * error code, WebSocket close code, `Subscribe` return code), so callers can branch on codes, not messages.
 */

/** A REST call of the token chain failed. */
export class ConfpushApiError extends Error {
  override readonly name = 'ConfpushApiError';
  /** HTTP status; 0 when no response arrived (network failure, timeout). */
  readonly status: number;
  /** Huawei-style `error_code` (for example `MMC.111072065`); `NETWORK_ERROR` or `BAD_RESPONSE` from the SDK. */
  readonly errorCode: string;
  /** `error_msg` of the response body. */
  readonly errorMsg: string;

  constructor(init: { status: number; errorCode: string; errorMsg: string; cause?: unknown }) {
    super(`${init.errorCode}: ${init.errorMsg} (HTTP ${init.status})`, { cause: init.cause });
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.errorMsg = init.errorMsg;
  }
}

/** The server closed the push socket with a code that ends the connection. */
export class ConfpushCloseError extends Error {
  override readonly name = 'ConfpushCloseError';

  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`push socket closed with ${code}${reason ? ` ${reason}` : ''}`);
  }
}

/** The server answered `Subscribe` with a non-zero `returnCode`. */
export class ConfpushSubscribeError extends Error {
  override readonly name = 'ConfpushSubscribeError';

  constructor(
    readonly returnCode: number,
    readonly returnDesc: string,
  ) {
    super(`Subscribe refused: ${returnCode} ${returnDesc}`);
  }
}

/** The server broke the protocol contract (unparsable frame, timeout, inconsistent resume answer). */
export class ConfpushProtocolError extends Error {
  override readonly name = 'ConfpushProtocolError';
}
