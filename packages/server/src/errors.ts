import { REST_ERRORS, type RestErrorName, type RestErrorSpec } from '@confpush/protocol';

/**
 * A refused REST call. Thrown where the fault is found; the API's error handler turns it into the Huawei-style
 * body `{"error_code","error_msg"}` with the spec's HTTP status. Nothing is changed by a call that throws one.
 */
export class ApiError extends Error {
  readonly spec: RestErrorSpec;

  constructor(name: RestErrorName, detail?: string) {
    const spec = REST_ERRORS[name];
    super(detail ?? spec.msg);
    this.name = 'ApiError';
    this.spec = spec;
  }

  get status(): number {
    return this.spec.status;
  }

  /** `error_msg`: the catalogue message, followed by the detail when there is one. */
  get body(): { error_code: string; error_msg: string } {
    const detail = this.message !== this.spec.msg ? `: ${this.message}` : '';
    return { error_code: this.spec.code, error_msg: `${this.spec.msg}${detail}` };
  }
}
