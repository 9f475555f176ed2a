/** `#/meetings`: the meetings not ended that the signed-in user may see, with links to their live views. */
import {
  ACCESS_TOKEN_INVALID,
  chairPasswordOf,
  describeError,
  listMeetings,
  startMeeting,
  type ConferenceSummary,
} from '../api.js';
import { currentAuth, hostPasswordOf, rememberHostPassword } from '../auth.js';
import type { AppContext } from '../context.js';
import { busy, h, replaceChildren } from '../dom.js';
import { localFromUtcMinute, meetingStateLabel } from '../format.js';
import { ConfpushApiError } from '@confpush/client';

/** Owner of the meetings a relay mirrors from upstream (src/relay/record.ts, docs/relay.md). */
const MIRRORED_OWNER = 'confpush-relay';

export function renderMeetings(root: HTMLElement, ctx: AppContext): void {
  const body = h(
    'div',
    { class: 'panel-body', 'aria-live': 'polite', 'aria-busy': 'true' },
    h('p', { class: 'empty' }, 'Loading meetings…'),
  );
  const refresh = h('button', { type: 'button', class: 'btn', testid: 'meetings-refresh' }, 'Refresh');
  const error = h('p', { class: 'form-error', role: 'alert', testid: 'meetings-error' });

  const onFailure = (err: unknown) => {
    if (err instanceof ConfpushApiError && err.errorCode === ACCESS_TOKEN_INVALID) return ctx.authLost();
    replaceChildren(error, describeError(err));
  };

  const row = (m: ConferenceSummary) => {
    const state = meetingStateLabel(m.conferenceState);
    const chairPwd = chairPasswordOf(m);
    if (chairPwd) rememberHostPassword(m.conferenceID, chairPwd);
    const actions = h('td', { class: 'actions' });
    if (m.conferenceState === 'Schedule' && (chairPwd ?? hostPasswordOf(m.conferenceID))) {
      const start: HTMLButtonElement = h(
        'button',
        {
          type: 'button',
          class: 'btn btn-small',
          testid: `meeting-start-${m.conferenceID}`,
          onclick: () =>
            void busy(start, 'Starting…', async () => {
              const auth = currentAuth();
              if (!auth) return ctx.authLost();
              try {
                await startMeeting(auth.accessToken, m.conferenceID, hostPasswordOf(m.conferenceID) ?? '');
                ctx.navigate(`#/meeting/${encodeURIComponent(m.conferenceID)}`);
              } catch (err) {
                onFailure(err);
              }
            }),
        },
        'Start',
      );
      actions.append(start);
    }
    actions.append(
      h(
        'a',
        {
          class: 'btn btn-small btn-primary',
          href: `#/meeting/${encodeURIComponent(m.conferenceID)}`,
          testid: `meeting-open-${m.conferenceID}`,
          'aria-label': `Open the live view of ${m.subject || m.conferenceID}`,
        },
        'Live view',
      ),
    );
    return h(
      'tr',
      { testid: `meeting-row-${m.conferenceID}` },
      h(
        'td',
        {},
        h('span', { class: 'strong' }, m.subject || '(no subject)'),
        h('span', { class: 'sub' }, m.scheduserName ?? ''),
      ),
      h('td', {}, h('code', {}, m.conferenceID)),
      h(
        'td',
        {},
        h('span', { class: `badge badge-${state.tone}` }, state.label),
        ...(m.userUUID === MIRRORED_OWNER
          ? [
              h(
                'span',
                { class: 'badge badge-info', title: 'Mirrored from the upstream service' },
                'mirrored',
              ),
            ]
          : []),
      ),
      h('td', { class: 'nowrap' }, localFromUtcMinute(m.startTime)),
      h('td', { class: 'num' }, String(m.size ?? 0)),
      actions,
    );
  };

  const load = async () => {
    const auth = currentAuth();
    if (!auth) return ctx.authLost();
    replaceChildren(error);
    body.setAttribute('aria-busy', 'true');
    try {
      const list = await listMeetings(auth.accessToken);
      if (list.data.length === 0) {
        replaceChildren(
          body,
          h(
            'p',
            { class: 'empty', testid: 'meetings-empty' },
            'No meetings yet. ',
            h('a', { href: '#/create' }, 'Create one'),
            '.',
          ),
        );
      } else {
        replaceChildren(
          body,
          h(
            'div',
            { class: 'table-scroll' },
            h(
              'table',
              { class: 'table', testid: 'meetings-table' },
              h('caption', { class: 'visually-hidden' }, 'Meetings not ended'),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Subject', 'Meeting ID', 'State', 'Start', 'Attendees', 'Actions'].map((label) =>
                    h('th', { scope: 'col', class: label === 'Attendees' ? 'num' : null }, label),
                  ),
                ),
              ),
              h('tbody', {}, list.data.map(row)),
            ),
          ),
        );
      }
    } catch (err) {
      replaceChildren(body);
      onFailure(err);
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  };
  refresh.addEventListener('click', () => void busy(refresh, 'Refreshing…', load));

  root.append(
    h(
      'section',
      { class: 'page', testid: 'meetings-page' },
      h(
        'div',
        { class: 'page-head' },
        h('h1', { tabindex: '-1' }, 'Meetings'),
        h(
          'div',
          { class: 'toolbar' },
          refresh,
          h('a', { href: '#/create', class: 'btn btn-primary', testid: 'new-meeting' }, 'New meeting'),
        ),
      ),
      error,
      h('div', { class: 'panel' }, body),
    ),
  );
  void load();
}
