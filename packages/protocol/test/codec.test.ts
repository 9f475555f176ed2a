import { describe, expect, it } from 'vitest';
import { buildReply, encodeHeartBeat, parseClientFrame, REPLY_CODES } from '../src/index.js';
import { vector, vectorNames, vectorText } from './vectors.js';

describe('parseClientFrame', () => {
  it.each(vectorNames('client-Subscribe'))('accepts the documented Subscribe example %s', (name) => {
    const result = parseClientFrame(vectorText(name));
    expect(result.ok).toBe(true);
    if (!result.ok || result.frame.action !== 'Subscribe') throw new Error('not a Subscribe');
    expect(result.frame.sequence).toBe(vector(name)['sequence']);
    expect(result.frame.data.subscribeType).toContain('ConfBasicInfoNotify');
    expect(result.frame.data.confToken).toMatch(/^Basic /);
  });

  it('accepts data as an object as well as a JSON string', () => {
    const frame = {
      action: 'Subscribe',
      sequence: '1',
      data: { subscribeType: ['AttendeesNotify'], confToken: 't' },
    };
    const result = parseClientFrame(JSON.stringify(frame));
    expect(result.ok && result.frame.action === 'Subscribe' && result.frame.data.subscribeType).toEqual([
      'AttendeesNotify',
    ]);
  });

  it('accepts keys with trailing spaces', () => {
    const text = '{"action ":"HeartBeat","sequence ":"1611993655770"}';
    const result = parseClientFrame(text);
    expect(result).toEqual({ ok: true, frame: { action: 'HeartBeat', sequence: '1611993655770' } });
  });

  it('accepts a numeric sequence on a Subscribe frame', () => {
    const result = parseClientFrame(
      '{"action":"Subscribe","sequence":1611993655770,"data":{"subscribeType":[],"confToken":"t"}}',
    );
    expect(result.ok && result.frame.sequence).toBe('1611993655770');
  });

  it.each([
    ['no sequence', '{"action":"HeartBeat"}', undefined],
    ['a null sequence', '{"action":"HeartBeat","sequence":null}', undefined],
    ['a numeric sequence', '{"action":"HeartBeat","sequence":1611993655770}', '1611993655770'],
    ['a boolean sequence', '{"action":"HeartBeat","sequence":true}', undefined],
    ['an array sequence', '{"action":"HeartBeat","sequence":["1"]}', undefined],
    ['an object sequence', '{"action":"HeartBeat","sequence":{"a":"1"}}', undefined],
  ])('answers a HeartBeat with %s with INVALID_SEQUENCE (119000008)', (_label, text, echoed) => {
    const result = parseClientFrame(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fault).toMatchObject({ kind: 'reply', action: 'HeartBeat', code: { code: 119000008 } });
    expect(result.fault.kind === 'reply' ? result.fault.sequence : 'closed').toBe(echoed);
  });

  it('accepts the documented HeartBeat and ConfControl examples', () => {
    expect(parseClientFrame(vectorText('client-HeartBeat.json'))).toEqual({
      ok: true,
      frame: { action: 'HeartBeat', sequence: '000000000000000001611993655770' },
    });
    for (const name of vectorNames('client-ConfControl')) {
      const result = parseClientFrame(vectorText(name));
      expect(result.ok, name).toBe(true);
      if (result.ok && result.frame.action === 'ConfControl')
        expect(result.frame.type).toBe(vector(name)['type']);
    }
  });

  it.each([
    ['not JSON', '{"action":'],
    ['an array', '[1,2]'],
    ['a string', '"HeartBeat"'],
    ['no action', '{"sequence":"1"}'],
    ['a numeric action', '{"action":1}'],
  ])('asks to close the socket for %s', (_label, text) => {
    const result = parseClientFrame(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fault.kind).toBe('close');
  });

  it.each([
    ['missing data', { action: 'Subscribe', sequence: 's' }],
    ['data not JSON', { action: 'Subscribe', sequence: 's', data: '{oops' }],
    [
      'subscribeType not an array',
      { action: 'Subscribe', sequence: 's', data: { subscribeType: 'x', confToken: 't' } },
    ],
    ['no confToken', { action: 'Subscribe', sequence: 's', data: { subscribeType: [] } }],
    [
      'subscribeType of numbers',
      { action: 'Subscribe', sequence: 's', data: { subscribeType: [1], confToken: 't' } },
    ],
  ])('answers INVALID_DATA for a Subscribe with %s', (_label, frame) => {
    const result = parseClientFrame(JSON.stringify(frame));
    expect(result.ok).toBe(false);
    if (!result.ok && result.fault.kind === 'reply') {
      expect(result.fault.code).toBe(REPLY_CODES.INVALID_DATA);
      expect(result.fault.sequence).toBe('s');
    } else {
      throw new Error('expected a reply fault');
    }
  });

  it('answers UNKNOWN_ACTION for an unknown action, echoing the sequence', () => {
    const result = parseClientFrame('{"action":"Unsubscribe","sequence":"42"}');
    expect(result).toMatchObject({
      ok: false,
      fault: { kind: 'reply', code: REPLY_CODES.UNKNOWN_ACTION, sequence: '42' },
    });
  });

  it('keeps a "__proto__" key as plain data', () => {
    const result = parseClientFrame(
      '{"action":"Subscribe","sequence":"1","data":{"subscribeType":[],"confToken":"t","__proto__":{"polluted":true}}}',
    );
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('replies', () => {
  it('shapes a Subscribe success like the documented reply', () => {
    const reply = buildReply('Subscribe', '000000000000000001611747313677', REPLY_CODES.SUCCESS);
    const doc = vector('reply-Subscribe.json') as { data: Record<string, unknown> };
    expect(reply.action).toBe('Subscribe');
    expect(reply.sequence).toBe('000000000000000001611747313677');
    expect(reply.data.returnCode).toBe(doc.data['returnCode']);
    expect(reply.data.returnDesc).toBe(doc.data['returnDesc ']);
  });

  it('echoes a heartbeat byte for byte', () => {
    expect(encodeHeartBeat('000000000000000001611993655770')).toBe(
      JSON.stringify(JSON.parse(vectorText('client-HeartBeat.json'))),
    );
  });
});
