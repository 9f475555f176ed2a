/**
 * `#/meeting/<id>`: asks for the host password (unless this tab created or listed the meeting), joins with
 * `ConfpushClient`, and hands the session to the live view. A meeting not in progress can be started from here.
 */
import { ConfpushApiError, ConfpushClient, type MeetingSession } from '@confpush/client';
import {
  ACCESS_TOKEN_INVALID,
  describeError,
  MeetingControl,
  NOT_RUNNING_CODES,
  startMeeting,
} from '../api.js';
import { currentAuth, forgetHostPassword, hostPasswordOf, rememberHostPassword } from '../auth.js';
import type { AppContext } from '../context.js';
import { busy, h, replaceChildren } from '../dom.js';
import { LiveView } from '../live/view.js';
import { field, submitButton } from '../forms.js';
import { narrowPage } from '../layout.js';

/** Mounts the page; returns what ends it (closes the session). */
export function mountLive(root: HTMLElement, ctx: AppContext, conferenceID: string): () => void {
  const page = h('div', { class: 'live-root' });
  root.append(page);
  let disposed = false;
  let session: MeetingSession | undefined;
  let view: LiveView | undefined;

  const end = () => {
    session?.close();
    session = undefined;
    view?.dispose();
    view = undefined;
  };

  const askPassword = (message?: string) => {
    const input = h('input', {
      name: 'password',
      type: 'password',
      required: true,
      autocomplete: 'off',
      testid: 'host-password',
    });
    const submit = submitButton('Open live view', 'host-password-submit');
    const form = h(
      'form',
      { class: 'card form', testid: 'host-password-form' },
      field('Host password', input, 'The chair password of the meeting; the live view controls it as host.'),
      h('p', { class: 'form-error', role: 'alert', testid: 'host-password-error' }, message ?? ''),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '#/meetings', class: 'btn btn-ghost' }, 'Cancel'),
        submit,
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      rememberHostPassword(conferenceID, input.value);
      void connect(input.value);
    });
    replaceChildren(page, narrowPage('live-password-page', ['Meeting ', h('code', {}, conferenceID)], form));
    input.focus();
  };

  const notRunning = (password: string, error: unknown) => {
    const auth = currentAuth();
    const start = h(
      'button',
      { type: 'button', class: 'btn btn-primary', testid: 'start-meeting' },
      'Start meeting',
    );
    const problem = h('p', { class: 'form-error', role: 'alert' });
    start.addEventListener(
      'click',
      () =>
        void busy(start, 'Starting…', async () => {
          try {
            await startMeeting(currentAuth()?.accessToken ?? '', conferenceID, password);
            await connect(password);
          } catch (err) {
            if (err instanceof ConfpushApiError && err.errorCode === ACCESS_TOKEN_INVALID)
              return ctx.authLost();
            replaceChildren(problem, describeError(err));
          }
        }),
    );
    replaceChildren(
      page,
      narrowPage(
        'live-not-running',
        ['Meeting ', h('code', {}, conferenceID)],
        h(
          'div',
          { class: 'card' },
          h('p', {}, 'This meeting is not in progress. ', h('span', { class: 'sub' }, describeError(error))),
          problem,
          h(
            'div',
            { class: 'form-actions' },
            h('a', { href: '#/meetings', class: 'btn btn-ghost' }, 'Back to meetings'),
            auth ? start : null,
          ),
        ),
      ),
    );
  };

  const connect = async (password: string) => {
    end();
    const client = new ConfpushClient({ baseUrl: location.origin, WebSocket });
    const current = client.createSession({ conferenceID, hostPassword: password });
    const control = new MeetingControl(conferenceID, () => current.connection.controlToken?.token);
    const currentView = new LiveView(conferenceID, control, { reconnect: () => void connect(password) });
    let closedCode: number | undefined;
    current.on('closed', (code) => (closedCode = code));
    currentView.attach(current);
    session = current;
    view = currentView;
    replaceChildren(page, currentView.element);
    try {
      await current.start();
    } catch (error) {
      if (disposed || session !== current) return;
      end();
      const notInProgress =
        closedCode === 4005 || (error instanceof ConfpushApiError && NOT_RUNNING_CODES.has(error.errorCode));
      if (notInProgress) return notRunning(password, error);
      if (error instanceof ConfpushApiError && error.status !== 0 && error.status < 500) {
        forgetHostPassword(conferenceID);
        return askPassword(describeError(error));
      }
      return askPassword(`Could not connect: ${describeError(error)}`);
    }
  };

  const known = hostPasswordOf(conferenceID);
  if (known) void connect(known);
  else askPassword();

  return () => {
    disposed = true;
    end();
  };
}
