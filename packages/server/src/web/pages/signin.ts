/** `#/signin`: App ID + App Key (+ user ID), signed in the browser, or account + password. */
import { signInWithAccount, signInWithApp, type SignInMode } from '../auth.js';
import { describeError } from '../api.js';
import type { AppContext } from '../context.js';
import { busy, fieldValue, h, replaceChildren } from '../dom.js';
import { field, submitButton } from '../forms.js';
import { lede, narrowPage } from '../layout.js';

/** The fields of one way of signing in (one form at a time, so password managers see one password). */
function fieldsOf(mode: SignInMode): HTMLElement[] {
  if (mode === 'app') {
    return [
      field(
        'App ID',
        h('input', {
          name: 'appId',
          required: true,
          autocomplete: 'username',
          spellcheck: 'false',
          testid: 'signin-app-id',
        }),
      ),
      field(
        'App Key',
        h('input', {
          name: 'appKey',
          type: 'password',
          required: true,
          autocomplete: 'current-password',
          testid: 'signin-app-key',
        }),
        'Signs the request in this browser; the key itself is never sent.',
      ),
      field(
        'User ID (optional)',
        h('input', { name: 'userId', spellcheck: 'false', testid: 'signin-user-id' }),
        'Empty: the enterprise administrator of the app.',
      ),
    ];
  }
  return [
    field(
      'Account',
      h('input', { name: 'account', required: true, autocomplete: 'username', testid: 'signin-account' }),
    ),
    field(
      'Password',
      h('input', {
        name: 'password',
        type: 'password',
        required: true,
        autocomplete: 'current-password',
        testid: 'signin-password',
      }),
    ),
  ];
}

export function renderSignIn(root: HTMLElement, ctx: AppContext, next: string, signedIn: () => void): void {
  const card = h('div', { class: 'card form' });
  let mode: SignInMode = 'app';

  const modeRadio = (value: SignInMode, label: string) =>
    h(
      'label',
      { class: 'segment' },
      h('input', {
        type: 'radio',
        name: 'mode',
        value,
        testid: `signin-mode-${value}`,
        checked: value === mode,
      }),
      h('span', {}, label),
    );
  const modes = h(
    'fieldset',
    { class: 'segmented' },
    h('legend', { class: 'visually-hidden' }, 'Sign in with'),
    modeRadio('app', 'App ID'),
    modeRadio('account', 'Account'),
  );

  const renderForm = () => {
    const error = h('p', { class: 'form-error', role: 'alert', testid: 'signin-error' });
    const submit = submitButton('Sign in', 'signin-submit', 'btn-block');
    const form = h(
      'form',
      { class: 'form', testid: 'signin-form', 'data-mode': mode },
      fieldsOf(mode),
      error,
      submit,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      replaceChildren(error);
      const secret = form.querySelector<HTMLInputElement>('input[type="password"]');
      void busy(submit, 'Signing in…', async () => {
        try {
          if (mode === 'app') {
            await signInWithApp({
              appId: fieldValue(form, 'appId'),
              appKey: secret?.value ?? '',
              userId: fieldValue(form, 'userId'),
            });
          } else {
            await signInWithAccount({ account: fieldValue(form, 'account'), password: secret?.value ?? '' });
          }
        } catch (err) {
          replaceChildren(error, describeError(err));
          return;
        }
        if (secret) secret.value = '';
        signedIn();
        ctx.navigate(next.startsWith('#/signin') ? '#/meetings' : next);
      });
    });
    replaceChildren(card, modes, form);
    form.querySelector('input')?.focus();
  };

  modes.addEventListener('change', (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.name === 'mode') {
      mode = target.value as SignInMode;
      renderForm();
      modes.querySelector<HTMLInputElement>(`input[value="${mode}"]`)?.focus();
    }
  });

  root.append(
    narrowPage(
      'signin-page',
      'Sign in',
      lede(
        'Use an app credential (printed by ',
        h('code', {}, 'npm start'),
        ') or an account of your enterprise.',
      ),
      card,
    ),
  );
  renderForm();
}
