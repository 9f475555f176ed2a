/** The code tables in the docs and in codes.ts list the same codes (a drift test). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, ERRORS, REPLY_CODES, type ErrorSpec } from '../src/index.js';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs');

function tableRows(file: string, heading: string): string[][] {
  const text = readFileSync(join(DOCS, file), 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 4);
  const section = text.slice(start, end < 0 ? undefined : end);
  return section
    .split('\n')
    .filter((l) => /^\|\s*[^-\s|]/.test(l))
    .slice(1)
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replaceAll('`', '')),
    );
}

describe('code tables', () => {
  it('docs/protocol.md lists exactly the close codes', () => {
    const rows = tableRows('protocol.md', 'Close codes').map(([code, reason, advice]) => [
      Number(code),
      reason,
      advice,
    ]);
    const codes = Object.values(CLOSE_CODES).map((c) => [c.code, c.reason, c.advice]);
    expect(rows).toEqual(codes);
  });

  it('docs/protocol.md lists exactly the reply codes', () => {
    const rows = tableRows('protocol.md', 'Reply codes').map(([code, desc]) => [Number(code), desc]);
    expect(rows).toEqual(Object.values(REPLY_CODES).map((c) => [c.code, c.desc]));
  });

  it('docs/rest-api.md lists exactly the errors, with their socket reply code and advice', () => {
    const rows = tableRows('rest-api.md', 'Error codes').map(([status, code, msg, reply, advice]) => [
      Number(status),
      code,
      msg,
      reply === '—' ? undefined : Number(reply),
      advice,
    ]);
    const errors: ErrorSpec[] = Object.values(ERRORS);
    expect(rows).toEqual(errors.map((e) => [e.status, e.code, e.msg, e.reply?.code, e.advice]));
  });

  it('maps errors only to reply codes the socket documents', () => {
    const replies = new Set<unknown>(Object.values(REPLY_CODES));
    const errors: ErrorSpec[] = Object.values(ERRORS);
    for (const e of errors) if (e.reply) expect(replies.has(e.reply), e.code).toBe(true);
  });

  it('never uses one code twice', () => {
    const close = Object.values(CLOSE_CODES).map((c) => c.code);
    const reply = Object.values(REPLY_CODES).map((c) => c.code);
    const rest = Object.values(ERRORS).map((e) => e.code);
    expect(new Set(close).size).toBe(close.length);
    expect(new Set(reply).size).toBe(reply.length);
    expect(new Set(rest).size).toBe(rest.length);
  });
});
