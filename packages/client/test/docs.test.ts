/** docs/client.md lists what the SDK has: every option with its default, every counter, every close code (drift test). */
import { CLOSE_CODES } from '@confpush/protocol';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfpushClient, defaultOptions } from '../src/index.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'client.md');

/** The rows (cells without backticks) of the first table after `heading` (a whole heading line). */
function tableRows(heading: string): string[][] {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/client.md has no "${heading}" heading`);
  const lines = text.slice(start + heading.length + 2).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const table: string[] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    table.push(line);
  }
  return table.slice(2).map((l) =>
    l
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim().replaceAll('`', '')),
  );
}

describe('docs/client.md', () => {
  it('lists every client option with its default', () => {
    const rows = tableRows('### new ConfpushClient(options)');
    expect(rows.map(([name]) => name)).toEqual(['baseUrl', ...Object.keys(defaultOptions)]);
    for (const [name, , documented] of rows) {
      const value = (defaultOptions as Record<string, unknown>)[name!];
      if (typeof value === 'number' || typeof value === 'boolean') {
        expect(documented, name).toBe(String(value));
      }
    }
  });

  it('lists every connection counter', () => {
    const session = new ConfpushClient({ baseUrl: 'http://127.0.0.1:9' }).createSession({
      conferenceID: '1',
      hostPassword: 'x',
    });
    const rows = tableRows('### connection.stats');
    expect(rows.map(([name]) => name).sort()).toEqual(Object.keys(session.stats).sort());
  });

  it('says what the SDK does for every close code', () => {
    const rows = tableRows('### Close codes');
    const codes = Object.values(CLOSE_CODES);
    expect(rows.map(([code, reason]) => [Number(code), reason])).toEqual(
      codes.map((c) => [c.code, c.reason]),
    );
    for (const [code, , action] of rows) {
      const advice = codes.find((c) => c.code === Number(code))!.advice;
      const expected = { terminal: /^Fatal/, 'refresh-token': /^New control token/, reconnect: /^Reconnect/ }[
        advice
      ];
      expect(action, code).toMatch(expected);
    }
  });
});
