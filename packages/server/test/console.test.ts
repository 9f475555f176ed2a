/**
 * The web console (`/console/`): the bundle is served and browser-only, and, end to end in real headless Chromium
 * (Debian's `chromium`, driven by playwright-core), a person signs in with the app credential, creates a meeting,
 * watches a simulated participant join and speak, mutes it, and sees the muted state arrive through the push
 * stream. A full-page screenshot is saved to `test-artifacts/console.png` at the repository root.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from './helpers.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = `${REPO_ROOT}test-artifacts/`;

/** How long one browser-side wait may take: generous for a loaded CI machine, still bounded. */
const STEP_MS = 15_000;

/** `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`, else `chromium` on the PATH. */
function chromiumPath(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(
        `CHROMIUM_PATH=${fromEnv} does not exist. Point it at a Chromium binary, or unset it after ` +
          '`apt-get install chromium`.',
      );
    }
    return fromEnv;
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    const found = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    // not on the PATH either
  }
  throw new Error(
    'Chromium is required for the web console end-to-end test and was not found. Install it with ' +
      '`apt-get install chromium` (or set CHROMIUM_PATH to a Chromium binary).',
  );
}

const browsers: Browser[] = [];
afterEach(async () => {
  while (browsers.length > 0) await browsers.pop()?.close();
});

async function launch(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
  browsers.push(browser);
  return browser;
}

/** Every message the page logs as an error, and every uncaught exception, fail the test at the end. */
function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

async function participantOf(server: TestServer, confId: string, pid: string) {
  const runtime = await server.node.engine.load(confId);
  return runtime?.committed.streams.ParticipantsNotify.items.get(pid) as
    { pinfoMap: Record<string, string> } | undefined;
}

describe('web console', () => {
  it('serves the page, the stylesheet and a browser-only bundle', async () => {
    const server = await startTestServer();

    const bare = await fetch(`${server.url}/console`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(new URL(bare.headers.get('location')!, `${server.url}/console`).pathname).toBe('/console/');

    const page = await fetch(`${server.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('src="main.js"');
    expect(html).toContain('href="console.css"');

    const css = await fetch(`${server.url}/console/console.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);

    const script = await fetch(`${server.url}/console/main.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const bundle = await script.text();
    expect(bundle.length).toBeGreaterThan(10_000);
    // No Node module and no `ws`, statically or dynamically imported.
    expect(bundle).not.toMatch(/["'`]node:/);
    expect(bundle).not.toMatch(/(from|import)\s*\(?\s*["'`]ws["'`]/);
    expect(bundle).not.toMatch(/\brequire\s*\(/);

    // Revalidation answers 304 with the same ETag.
    const etag = script.headers.get('etag')!;
    const again = await fetch(`${server.url}/console/main.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('signs in, creates a meeting, shows a participant join and speak, and mutes it through the push stream', async () => {
    const server = await startTestServer();
    const browser = await launch();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const pageErrors = collectPageErrors(page);
    const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

    // Sign in with the server's app credential (the request is signed in the page with WebCrypto).
    await page.goto(`${server.url}/console/`);
    await byTestId('signin-app-id').fill(server.appId);
    await byTestId('signin-app-key').fill(server.appKey);
    await byTestId('signin-submit').click();
    await byTestId('meetings-page').waitFor();
    await byTestId('whoami').waitFor();

    // Create an instant meeting: the page opens its live view and joins it as host.
    await byTestId('new-meeting').click();
    await byTestId('create-subject').fill('Console end-to-end');
    await byTestId('create-attendees').fill('Bob Invited, +8610000002');
    await byTestId('create-submit').click();
    await page.locator('[data-testid="connection-indicator"][data-state="live"]').waitFor();
    const confId = (await byTestId('live-conference-id').textContent())!.trim();
    expect(confId).toMatch(/^\d+$/);
    await expect
      .poll(() => byTestId('live-title').textContent(), { timeout: STEP_MS })
      .toBe('Console end-to-end');

    // A participant joins through the media plane and appears in the roster.
    const pid = 'e2e-alice';
    await server.node.engine.execute(confId, {
      type: 'join',
      site: { pid, name: 'Alice Example', tel: '+8610000001' },
    });
    const row = byTestId(`roster-row-${pid}`);
    await row.waitFor();
    expect(await byTestId(`roster-name-${pid}`).textContent()).toBe('Alice Example');
    expect(await row.getAttribute('data-muted')).toBe('false');

    // She speaks: the row is highlighted and she is in the speakers strip.
    await server.node.engine.execute(confId, { type: 'speakers', volumes: [{ pid, volume: 60 }] });
    await page.locator(`[data-testid="roster-row-${pid}"][data-speaking="true"].speaking`).waitFor();
    await byTestId(`speaker-${pid}`).waitFor();

    // Media quality, a caption and a guest in the waiting room reach their panels too.
    await server.node.engine.execute(confId, {
      type: 'netQuality',
      reports: [{ pid, delay: 35, jitter: 4, lostPacketRate: 20 }],
    });
    await page.locator(`[data-testid="net-${pid}"][data-quality="good"]`).waitFor();
    await server.node.engine.execute(confId, { type: 'subtitles', on: true });
    await page.locator('[data-testid="status-captions"][data-value="on"]').waitFor();
    await server.node.engine.execute(confId, {
      type: 'caption',
      caption: { pid, text: 'Hello from the end-to-end test.' },
    });
    await byTestId('caption-line').filter({ hasText: 'Hello from the end-to-end test.' }).waitFor();
    await server.node.engine.execute(confId, {
      type: 'join',
      site: { pid: 'e2e-guest', name: 'Carol Guest', tel: '+8610000003', viaWaitingRoom: true },
    });
    await byTestId('waiting-row-e2e-guest').waitFor();

    // Mute her from the page: the row shows muted only once the change arrived through the push stream.
    const mute = byTestId(`mute-${pid}`);
    expect(await mute.textContent()).toBe('Mute');
    await mute.click();
    await page.locator(`[data-testid="roster-row-${pid}"][data-muted="true"]`).waitFor();
    await expect.poll(() => byTestId(`mic-${pid}`).textContent(), { timeout: STEP_MS }).toBe('Muted');
    await expect.poll(() => mute.textContent(), { timeout: STEP_MS }).toBe('Unmute');
    expect((await participantOf(server, confId, pid))?.pinfoMap['MUTE']).toBe('1');

    // Admit the guest from the waiting room: she joins the roster.
    await byTestId('admit-e2e-guest').click();
    await byTestId('roster-row-e2e-guest').waitFor();
    await byTestId('waiting-row-e2e-guest').waitFor({ state: 'detached' });

    // Lock the meeting: the status bar follows the pushed status.
    await byTestId('lock-toggle').click();
    await page.locator('[data-testid="status-lock"][data-value="locked"]').waitFor();
    await eventually(async () => {
      const runtime = await server.node.engine.load(confId);
      return String(runtime?.committed.streams.ConfDynamicInfoNotify.fields['lock']) === '1'
        ? true
        : undefined;
    }, STEP_MS);

    // The live indicator still says live: nothing of the above needed a reconnect.
    expect(await byTestId('connection-indicator').getAttribute('data-state')).toBe('live');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}console.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
