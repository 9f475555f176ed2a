/**
 * Real participants for the bridge tests: Debian's headless Chromium (driven by playwright-core, never a
 * downloaded browser) inside the test's network namespace, a page with janus.js that joins a VideoRoom room as an
 * audio publisher with the answer of the join API. The microphone is a generated WAV file (a tone, then silence,
 * looped by Chromium): Chromium's own fake microphone beeps too briefly to ever count as talking.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADAPTER_JS, JANUS_JS, type Namespace } from './harness.js';

export const TONE_SECONDS = 3;
export const SILENCE_SECONDS = 3;

/** 16-bit mono PCM: `toneSeconds` of 220 Hz + 660 Hz at about −12 dBFS, then `silenceSeconds` of silence. */
export function toneWav(toneSeconds: number, silenceSeconds: number, rate = 48_000): Buffer {
  const samples = (toneSeconds + silenceSeconds) * rate;
  const data = Buffer.alloc(samples * 2);
  const amplitude = 0.25 * 32767; // two partials of −12 dBFS each peak together below full scale
  for (let i = 0; i < toneSeconds * rate; i++) {
    const t = i / rate;
    const value = amplitude * (Math.sin(2 * Math.PI * 220 * t) + Math.sin(2 * Math.PI * 660 * t));
    data.writeInt16LE(Math.round(value), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export interface JoinAnswer {
  janusUrl: string;
  room: number;
  token: string;
  display: string;
  participantID: string;
  opaqueId: string;
  subscriberOpaqueId: string;
  role: number;
  waiting: boolean;
}

/** What the page saw of the room (VideoRoom messages and the state of its PeerConnection). */
export interface PageState {
  joined: boolean;
  published: boolean;
  /** Its subscriber handle's PeerConnection is up (pages joined with `subscribe`). */
  subscribed?: boolean;
  messages: Record<string, unknown>[];
  errors: string[];
}

/**
 * Runs in the page: joins the room with janus.js and publishes the microphone without capture processing (and, with
 * `video`, the fake camera at 320x240).
 */
const PAGE_JOIN = `async (answer) => {
  const state = (window.confpushState = { joined: false, published: false, messages: [], errors: [] });
  await new Promise((resolve) => Janus.init({ debug: false, callback: resolve }));
  const janus = await new Promise((resolve, reject) => {
    const session = new Janus({ server: answer.janusUrl, success: () => resolve(session), error: (e) => { state.errors.push(String(e)); reject(new Error(String(e))); } });
  });
  window.confpushJanus = janus;
  janus.attach({
    plugin: 'janus.plugin.videoroom',
    opaqueId: answer.opaqueId,
    success: (handle) => {
      window.confpushHandle = handle;
      handle.send({ message: { request: 'join', ptype: 'publisher', room: answer.room, id: Number(answer.participantID), display: answer.display, token: answer.token } });
    },
    error: (e) => state.errors.push(String(e)),
    onmessage: (msg, jsep) => {
      state.messages.push(msg);
      const handle = window.confpushHandle;
      if (msg.videoroom === 'joined') {
        state.joined = true;
        handle.createOffer({
          tracks: [{ type: 'audio', capture: { echoCancellation: false, noiseSuppression: false, autoGainControl: false }, recv: false }]
            .concat(answer.video ? [{ type: 'video', capture: { width: 320, height: 240 }, recv: false }] : []),
          success: (offer) => handle.send({ message: { request: 'publish', audio: true, video: !!answer.video }, jsep: offer }),
          error: (e) => state.errors.push('offer: ' + String(e)),
        });
      }
      if (jsep) handle.handleRemoteJsep({ jsep });
    },
    webrtcState: (on) => {
      state.published = on;
      if (on && answer.subscribe) subscribe();
    },
  });
  // With \`subscribe\`: a subscriber handle (its own opaque ID) receiving the page's own feed back, as a page watching
  // the others does; Janus measures the round-trip time on it.
  function subscribe() {
    janus.attach({
      plugin: 'janus.plugin.videoroom',
      opaqueId: answer.subscriberOpaqueId,
      success: (sub) => {
        window.confpushSubscriber = sub;
        sub.send({ message: { request: 'join', ptype: 'subscriber', room: answer.room, streams: [{ feed: Number(answer.participantID) }] } });
      },
      error: (e) => state.errors.push('subscriber: ' + String(e)),
      onmessage: (msg, jsep) => {
        state.messages.push({ subscriber: true, ...msg });
        const sub = window.confpushSubscriber;
        if (jsep)
          sub.createAnswer({
            jsep,
            tracks: [{ type: 'audio', capture: false, recv: true }],
            success: (reply) => sub.send({ message: { request: 'start' }, jsep: reply }),
            error: (e) => state.errors.push('subscriber answer: ' + String(e)),
          });
      },
      webrtcState: (on) => { state.subscribed = on; },
    });
  }
}`;

export class Participants {
  readonly #browser: Browser;
  readonly #dir: string;
  readonly #pageUrl: string;

  private constructor(browser: Browser, dir: string, origin: string) {
    this.#browser = browser;
    this.#dir = dir;
    this.#pageUrl = `${origin}/confpush-participant.html`;
  }

  /**
   * Launches Chromium inside the namespace, its microphone the tone file. Pages of Janus's origin and of
   * `otherOrigins` (e.g. the console of the server under test, which signs with WebCrypto) are secure contexts.
   */
  static async launch(ns: Namespace, janusUrl: string, otherOrigins: string[] = []): Promise<Participants> {
    const origin = janusUrl.replace(/^ws/, 'http');
    const dir = mkdtempSync(join(tmpdir(), 'confpush-chromium-'));
    const wav = join(dir, 'tone.wav');
    writeFileSync(wav, toneWav(TONE_SECONDS, SILENCE_SECONDS));
    // playwright-core starts the executable it is given: this one enters the namespace first.
    const wrapper = join(dir, 'chromium-in-netns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns.name} chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    const browser = await chromium.launch({
      executablePath: wrapper,
      headless: true,
      args: [
        '--no-sandbox',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}`,
        '--autoplay-policy=no-user-gesture-required',
        `--unsafely-treat-insecure-origin-as-secure=${[origin, ...otherOrigins].join(',')}`,
        '--disable-features=LocalNetworkAccessChecks',
      ],
    });
    return new Participants(browser, dir, origin);
  }

  /** A page that joins with a join API answer; resolves once its PeerConnection is up. */
  async join(answer: JoinAnswer, options: { video?: boolean; subscribe?: boolean } = {}): Promise<Page> {
    const page = await this.#open({
      ...answer,
      video: options.video === true,
      subscribe: options.subscribe === true,
    });
    try {
      // Published, or refused by Janus (an error answer): a refusal fails at once instead of timing out.
      await page.waitForFunction(
        () => {
          const state = (globalThis as unknown as { confpushState: PageState }).confpushState;
          return state.published || state.messages.some((m) => m['error_code'] !== undefined);
        },
        undefined,
        { timeout: 15_000 },
      );
      const state = await Participants.state(page);
      if (!state.published) throw new Error(JSON.stringify(state));
    } catch (error) {
      const state = await Participants.state(page).catch(() => undefined);
      await page.context().close();
      throw new Error(`the page did not publish: ${JSON.stringify(state)}`, { cause: error });
    }
    return page;
  }

  /** Any other page (a new context), e.g. the console of the server under test. */
  async open(url: string): Promise<Page> {
    const context = await this.#browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  /** A page whose join Janus refuses: resolves with the VideoRoom error it got (the page is closed). */
  async refused(answer: JoinAnswer): Promise<Record<string, unknown>> {
    const page = await this.#open(answer);
    try {
      const handle = await page.waitForFunction(
        () =>
          (globalThis as unknown as { confpushState: PageState }).confpushState.messages.find(
            (m) => m['error_code'] !== undefined,
          ),
        undefined,
        { timeout: 10_000 },
      );
      return (await handle.jsonValue()) as Record<string, unknown>;
    } finally {
      await page.context().close();
    }
  }

  async #open(answer: JoinAnswer & { video?: boolean; subscribe?: boolean }): Promise<Page> {
    const context = await this.#browser.newContext();
    const page = await context.newPage();
    // The page comes from Janus's own origin (answered here, never fetched), which the browser was told to treat
    // as secure: media capture needs a secure context.
    await page.route(this.#pageUrl, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><title>confpush janus participant</title>',
      }),
    );
    await page.goto(this.#pageUrl);
    await page.addScriptTag({ path: ADAPTER_JS });
    await page.addScriptTag({ path: JANUS_JS });
    await page.evaluate(`(${PAGE_JOIN})(${JSON.stringify(answer)})`);
    return page;
  }

  static state(page: Page): Promise<PageState> {
    return page.evaluate(() => (globalThis as unknown as { confpushState: PageState }).confpushState);
  }

  /** Waits until the page has received a VideoRoom message with these fields. */
  static async message(
    page: Page,
    fields: Record<string, unknown>,
    timeoutMs = 10_000,
    times = 1,
  ): Promise<void> {
    await page.waitForFunction(
      ([expected, n]) =>
        (globalThis as unknown as { confpushState: PageState }).confpushState.messages.filter((m) =>
          Object.entries(expected).every(([k, v]) => m[k] === v),
        ).length >= n,
      [fields, times] as const,
      { timeout: timeoutMs },
    );
  }

  async close(): Promise<void> {
    await this.#browser.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
