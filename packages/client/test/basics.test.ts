/** Small parts: the emitter, backoff, frame sequences, socket URL, options, and the browser-safety of src/. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUSH_CATEGORIES } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  ConfpushClient,
  defaultOptions,
  nextSequence,
  pushSocketUrl,
  TypedEmitter,
} from '../src/index.js';

describe('TypedEmitter', () => {
  class Emitter extends TypedEmitter<{ ping: [n: number] }> {
    fire(n: number) {
      this.emit('ping', n);
    }
  }

  it('calls listeners in order, supports once and unsubscribe', () => {
    const emitter = new Emitter();
    const seen: string[] = [];
    const off = emitter.on('ping', (n) => seen.push(`on${n}`));
    emitter.once('ping', (n) => seen.push(`once${n}`));
    emitter.fire(1);
    emitter.fire(2);
    off();
    emitter.fire(3);
    expect(seen).toEqual(['on1', 'once1', 'on2']);
    expect(emitter.listenerCount('ping')).toBe(0);
  });

  it('keeps calling the other listeners when one throws, and rethrows asynchronously', async () => {
    const emitter = new Emitter();
    const seen: number[] = [];
    const boom = new Error('listener bug');
    const rethrown = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    emitter.on('ping', () => {
      throw boom;
    });
    emitter.on('ping', (n) => seen.push(n));
    emitter.fire(7);
    expect(seen).toEqual([7]);
    expect(await rethrown).toBe(boom);
  });
});

describe('backoffDelay', () => {
  const options = {
    initialDelayMs: 100,
    maxDelayMs: 1000,
    multiplier: 2,
    jitter: 0.5,
    maxAttempts: Infinity,
  };
  it('grows exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, options, 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
  it('takes off at most the jitter fraction', () => {
    expect(backoffDelay(1, options, 0.999)).toBeGreaterThanOrEqual(50);
    expect(backoffDelay(5, options, 0.5)).toBe(750);
    expect(backoffDelay(3, { ...options, jitter: 0 }, 0.9)).toBe(400);
  });
});

describe('nextSequence', () => {
  it('is a 30-digit zero-padded ms timestamp, strictly increasing', () => {
    const a = nextSequence(1611993655770);
    const b = nextSequence(1611993655770);
    expect(a).toMatch(/^0{17}\d{13}$/);
    expect(BigInt(b)).toBeGreaterThan(BigInt(a));
  });
});

describe('pushSocketUrl', () => {
  it('appends the documented path and query to wsURL', () => {
    expect(pushSocketUrl('wss://100.94.23.40:443/', '900726255', 'cnr6e8')).toBe(
      'wss://100.94.23.40:443/cms/open/websocket/confctl/increment/conn?confID=900726255&tmpToken=cnr6e8',
    );
  });
});

describe('options', () => {
  it('documents defaults and merges the given options over them', () => {
    expect(defaultOptions).toMatchObject({
      heartbeatIntervalMs: 60_000,
      resume: true,
      categories: PUSH_CATEGORIES,
    });
    const client = new ConfpushClient({ baseUrl: 'http://x', heartbeatIntervalMs: 5, fetch: undefined });
    expect(client.options).toMatchObject({
      baseUrl: 'http://x',
      heartbeatIntervalMs: 5,
      subscribeTimeoutMs: 15_000,
    });
    expect(Object.isFrozen(client.options)).toBe(true);
    expect(() => new ConfpushClient({ baseUrl: '' })).toThrow(/baseUrl/);
  });
});

describe('browser safety of src/', () => {
  const srcDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports no Node module statically', (file) => {
    const text = readFileSync(join(srcDir, file), 'utf8');
    expect(text).not.toMatch(/from ['"](node:|ws['"]|events['"]|http|crypto['"]|buffer['"])/);
    expect(text).not.toMatch(/import\(['"]ws['"]\)/);
    expect(text).not.toMatch(/\bBuffer\b|\bprocess\.|console\./);
  });
});
