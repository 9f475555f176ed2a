/**
 * The confpush web console: sign in, list and create meetings, and watch and control a live meeting. Plain DOM,
 * hash routes, and the client SDK for everything live:
 *
 *   #/signin              App ID + App Key (signed with WebCrypto) or account + password
 *   #/meetings            meetings not ended (GET /v1/mmc/management/conferences)
 *   #/create              a new instant or scheduled meeting
 *   #/meeting/<id>        the live view (ConfpushClient.join with the host password)
 *   #/webhooks            the enterprise event push: configuration, delivery log, replay of dead events
 */
import { currentAuth, signOut } from './auth.js';
import { h, replaceChildren } from './dom.js';
import type { AppContext } from './context.js';
import { renderCreate } from './pages/create.js';
import { mountLive } from './pages/live.js';
import { renderMeetings } from './pages/meetings.js';
import { renderSignIn } from './pages/signin.js';
import { renderWebhooks } from './pages/webhooks.js';

type Route =
  | { page: 'signin'; next?: string }
  | { page: 'meetings' }
  | { page: 'create' }
  | { page: 'webhooks' }
  | { page: 'meeting'; conferenceID: string };

const main = document.getElementById('app') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;
const flashArea = document.getElementById('flash') as HTMLElement;

let dispose: (() => void) | undefined;
let pendingFlash: { text: string; kind: 'info' | 'error' } | undefined;
let firstRender = true;

function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [head, ...rest] = path.split('/');
  if (head === 'meeting' && rest[0]) return { page: 'meeting', conferenceID: decodeURIComponent(rest[0]) };
  if (head === 'create') return { page: 'create' };
  if (head === 'webhooks') return { page: 'webhooks' };
  if (head === 'signin') {
    const next = new URLSearchParams(query).get('next');
    return next?.startsWith('#/') ? { page: 'signin', next } : { page: 'signin' };
  }
  return { page: 'meetings' };
}

const context: AppContext = {
  navigate(hash) {
    if (location.hash === hash) void route();
    else location.hash = hash;
  },
  flash(text, kind = 'info') {
    pendingFlash = { text, kind };
  },
  authLost(message) {
    signOut();
    context.flash(message ?? 'Your session has expired. Please sign in again.', 'error');
    context.navigate(`#/signin?next=${encodeURIComponent(location.hash || '#/meetings')}`);
  },
};

function renderChrome(route: Route): void {
  const auth = currentAuth();
  const link = (href: string, label: string, current: boolean, testid: string) =>
    h('a', { href, testid, 'aria-current': current ? 'page' : null }, label);
  replaceChildren(
    nav,
    auth
      ? [
          link('#/meetings', 'Meetings', route.page === 'meetings', 'nav-meetings'),
          link('#/create', 'New meeting', route.page === 'create', 'nav-create'),
          link('#/webhooks', 'Event push', route.page === 'webhooks', 'nav-webhooks'),
        ]
      : [],
  );
  replaceChildren(
    account,
    auth
      ? [
          h(
            'span',
            {
              class: 'who',
              testid: 'whoami',
              title: `Signed in with ${auth.mode === 'app' ? 'App ID' : 'account'}`,
            },
            auth.label,
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-ghost btn-small',
              testid: 'sign-out',
              onclick: () => {
                signOut();
                context.flash('Signed out.');
                context.navigate('#/signin');
              },
            },
            'Sign out',
          ),
        ]
      : route.page === 'signin'
        ? []
        : [h('a', { href: '#/signin', class: 'btn btn-small', testid: 'nav-signin' }, 'Sign in')],
  );
}

function showFlash(): void {
  const flash = pendingFlash;
  pendingFlash = undefined;
  replaceChildren(
    flashArea,
    flash ? h('p', { class: `flash flash-${flash.kind}`, testid: 'flash' }, flash.text) : null,
  );
}

async function route(): Promise<void> {
  dispose?.();
  dispose = undefined;
  let current = parseRoute(location.hash);
  // The live view needs only the host password; listing and creating meetings need an access token.
  if (
    (current.page === 'meetings' || current.page === 'create' || current.page === 'webhooks') &&
    !currentAuth()
  ) {
    current = { page: 'signin', next: location.hash || '#/meetings' };
  }
  renderChrome(current);
  showFlash();
  main.replaceChildren();
  switch (current.page) {
    case 'signin':
      document.title = 'Sign in · confpush console';
      renderSignIn(main, context, current.next ?? '#/meetings', () =>
        renderChrome(parseRoute(location.hash)),
      );
      break;
    case 'meetings':
      document.title = 'Meetings · confpush console';
      renderMeetings(main, context);
      break;
    case 'create':
      document.title = 'New meeting · confpush console';
      renderCreate(main, context);
      break;
    case 'webhooks':
      document.title = 'Event push · confpush console';
      renderWebhooks(main, context);
      break;
    case 'meeting':
      document.title = `Meeting ${current.conferenceID} · confpush console`;
      dispose = mountLive(main, context, current.conferenceID);
      break;
  }
  if (!firstRender) main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: false });
  firstRender = false;
}

window.addEventListener('hashchange', () => void route());
window.addEventListener('pagehide', () => dispose?.());
void route();
