/**
 * `#/webhooks`: the enterprise event push of the signed-in administrator's enterprise — its configuration, the
 * newest delivery attempts, the pending count and the dead events, which can be replayed.
 */
import { ConfpushApiError } from '@confpush/client';
import { ACCESS_TOKEN_INVALID, describeError } from '../api.js';
import { currentAuth } from '../auth.js';
import type { AppContext } from '../context.js';
import { busy, h, replaceChildren } from '../dom.js';
import { replayDead, webhookConfig, webhookLog, type WebhookAttempt } from '../webhooks-api.js';

const STATUS_LABELS: Readonly<Record<number, string>> = { 0: 'enabled', 1: 'not enabled', 2: 'locked' };

export function renderWebhooks(root: HTMLElement, ctx: AppContext): void {
  const body = h(
    'div',
    { class: 'panel-body', 'aria-live': 'polite' },
    h('p', { class: 'empty' }, 'Loading…'),
  );
  const error = h('p', { class: 'form-error', role: 'alert', testid: 'webhooks-error' });
  const refresh = h('button', { type: 'button', class: 'btn', testid: 'webhooks-refresh' }, 'Refresh');

  const onFailure = (err: unknown) => {
    if (err instanceof ConfpushApiError && err.errorCode === ACCESS_TOKEN_INVALID) return ctx.authLost();
    replaceChildren(error, describeError(err));
  };

  const attemptRow = (a: WebhookAttempt) =>
    h(
      'tr',
      {},
      h('td', { class: 'nowrap' }, new Date(a.at).toLocaleString()),
      h('td', {}, a.event),
      h('td', {}, h('code', {}, a.confId)),
      h('td', { class: 'num' }, String(a.attempt)),
      h(
        'td',
        {},
        h('span', { class: `badge badge-${a.outcome === 'delivered' ? 'good' : 'warn'}` }, a.outcome),
      ),
      h('td', {}, a.error ?? (a.status !== undefined ? `HTTP ${a.status}` : '')),
      h('td', { class: 'num' }, `${a.durationMs} ms`),
      h('td', {}, h('code', {}, a.requestId)),
    );

  const load = async () => {
    const auth = currentAuth();
    if (!auth) return ctx.authLost();
    replaceChildren(error);
    try {
      const config = await webhookConfig(auth.accessToken);
      if (!config.id) {
        replaceChildren(
          body,
          h(
            'p',
            { class: 'empty', testid: 'webhooks-none' },
            'No event push configuration. Set one with POST /v1/mmc/management/webhook/link-config (docs/webhooks.md).',
          ),
        );
        return;
      }
      const id = config.id;
      const log = await webhookLog(auth.accessToken, id);
      const replay: HTMLButtonElement = h(
        'button',
        {
          type: 'button',
          class: 'btn btn-small',
          testid: 'webhooks-replay',
          disabled: log.dead.length === 0 ? '' : null,
          onclick: () =>
            void busy(replay, 'Replaying…', async () => {
              try {
                const n = await replayDead(auth.accessToken, id);
                ctx.flash(`${n} dead event(s) queued again.`);
                await load();
              } catch (err) {
                onFailure(err);
              }
            }),
        },
        'Replay dead events',
      );
      replaceChildren(
        body,
        h(
          'dl',
          { class: 'facts', testid: 'webhooks-config' },
          h('dt', {}, 'Receiver'),
          h('dd', {}, h('code', {}, config.url ?? '')),
          h('dt', {}, 'Subscriber ID'),
          h('dd', {}, config.subscriberId ?? ''),
          h('dt', {}, 'Status'),
          h('dd', {}, STATUS_LABELS[config.status ?? 1] ?? String(config.status)),
          h('dt', {}, 'Pending'),
          h('dd', { testid: 'webhooks-pending' }, String(log.pending)),
          h('dt', {}, 'Dead'),
          h('dd', { testid: 'webhooks-dead' }, String(log.dead.length), ' ', replay),
        ),
        log.attempts.length === 0
          ? h('p', { class: 'empty' }, 'No delivery attempts yet.')
          : h(
              'div',
              { class: 'table-scroll' },
              h(
                'table',
                { class: 'table', testid: 'webhooks-attempts' },
                h('caption', { class: 'visually-hidden' }, 'Newest delivery attempts'),
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    [
                      'Time',
                      'Event',
                      'Meeting',
                      'Attempt',
                      'Outcome',
                      'Error',
                      'Duration',
                      'X-Request-ID',
                    ].map((label) => h('th', { scope: 'col' }, label)),
                  ),
                ),
                h('tbody', {}, log.attempts.map(attemptRow)),
              ),
            ),
      );
    } catch (err) {
      replaceChildren(body);
      onFailure(err);
    }
  };
  refresh.addEventListener('click', () => void busy(refresh, 'Refreshing…', load));

  root.append(
    h(
      'section',
      { class: 'page', testid: 'webhooks-page' },
      h(
        'div',
        { class: 'page-head' },
        h('h1', { tabindex: '-1' }, 'Event push'),
        h('div', { class: 'toolbar' }, refresh),
      ),
      error,
      h('div', { class: 'panel' }, body),
    ),
  );
  void load();
}
