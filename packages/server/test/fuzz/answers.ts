/** What every REST answer must be: a documented status and, for an error, a documented Huawei-style body. */
import { ERRORS, type ErrorSpec } from '@confpush/protocol';

const BY_CODE = new Map<string, ErrorSpec>(Object.values(ERRORS).map((e) => [e.code, e]));

/** Successful statuses the API documents (the console's and the API docs' redirects, revalidation included). */
const SUCCESS = new Set([200, 201, 202, 204, 301, 302, 304]);

export interface Answer {
  status: number;
  text: string;
}

/** Undefined when the answer is documented; otherwise why it is not. */
export function undocumented(answer: Answer, method: string): string | undefined {
  const { status, text } = answer;
  if (SUCCESS.has(status)) return undefined;
  if (status >= 500) return `server error ${status}: ${text.slice(0, 300)}`;
  if (method === 'HEAD') return status >= 400 ? undefined : `undocumented status ${status}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${status} without a JSON body: ${JSON.stringify(text.slice(0, 200))}`;
  }
  const keys = body !== null && typeof body === 'object' ? Object.keys(body).sort() : [];
  if (keys.join() !== 'error_code,error_msg')
    return `status ${status}, body not {error_code, error_msg}: ${text.slice(0, 200)}`;
  const { error_code: code, error_msg: msg } = body as { error_code: unknown; error_msg: unknown };
  if (typeof code !== 'string' || typeof msg !== 'string') return `error_code/error_msg not strings: ${text}`;
  const spec = BY_CODE.get(code);
  if (!spec) return `error_code ${code} is not in ERRORS`;
  if (spec.status !== status) return `${code} answered with ${status}, documented ${spec.status}`;
  if (!msg.startsWith(spec.msg))
    return `${code}: error_msg ${JSON.stringify(msg.slice(0, 80))} does not start with ${spec.msg}`;
  return undefined;
}

export function errorCodeOf(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error_code?: string }).error_code;
  } catch {
    return undefined;
  }
}
