/** `#/create`: a new instant meeting (opened live at once) or a scheduled one. */
import { ConfpushApiError } from '@confpush/client';
import {
  ACCESS_TOKEN_INVALID,
  chairPasswordOf,
  createMeeting,
  describeError,
  type CreateMeetingInput,
} from '../api.js';
import { currentAuth, rememberHostPassword } from '../auth.js';
import type { AppContext } from '../context.js';
import { busy, fieldValue, h, replaceChildren } from '../dom.js';
import { utcMinuteFromLocal } from '../format.js';
import { field, submitButton } from '../forms.js';
import { lede, narrowPage } from '../layout.js';

/** `Name, number` per line. */
function parseAttendees(text: string): CreateMeetingInput['attendees'] {
  const attendees: CreateMeetingInput['attendees'] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const comma = line.lastIndexOf(',');
    const name = comma < 0 ? '' : line.slice(0, comma).trim();
    const phone = comma < 0 ? '' : line.slice(comma + 1).trim();
    if (!name || !phone) throw new Error(`Attendee line ${index + 1}: write "Name, number".`);
    attendees.push({ name, phone });
  });
  return attendees;
}

export function renderCreate(root: HTMLElement, ctx: AppContext): void {
  const error = h('p', { class: 'form-error', role: 'alert', testid: 'create-error' });
  const typeRadio = (value: 'instant' | 'scheduled', label: string) =>
    h(
      'label',
      { class: 'segment' },
      h('input', {
        type: 'radio',
        name: 'kind',
        value,
        testid: `create-type-${value}`,
        checked: value === 'instant',
      }),
      h('span', {}, label),
    );
  const start = h('input', { type: 'datetime-local', name: 'start', testid: 'create-start' });
  const length = h('input', {
    type: 'number',
    name: 'length',
    min: '15',
    max: '1440',
    step: '15',
    value: '60',
    testid: 'create-length',
  });
  const schedule = h(
    'div',
    { class: 'field-row' },
    field('Starts at (your time)', start),
    field('Length (minutes)', length),
  );
  schedule.hidden = true;
  const submit = submitButton('Create meeting', 'create-submit');

  const form = h(
    'form',
    { class: 'card form', testid: 'create-form' },
    field(
      'Subject',
      h('input', {
        name: 'subject',
        maxlength: '128',
        required: true,
        placeholder: 'Weekly sync',
        testid: 'create-subject',
      }),
    ),
    h(
      'fieldset',
      { class: 'segmented' },
      h('legend', { class: 'field-label' }, 'When'),
      typeRadio('instant', 'Now'),
      typeRadio('scheduled', 'Scheduled'),
    ),
    schedule,
    field(
      'Attendees',
      h('textarea', {
        name: 'attendees',
        rows: '4',
        placeholder: 'Alice Example, +8610000001\nBob Example, +8610000002',
        testid: 'create-attendees',
      }),
      'One per line: name, number (SIP or phone).',
    ),
    error,
    h(
      'div',
      { class: 'form-actions' },
      h('a', { href: '#/meetings', class: 'btn btn-ghost' }, 'Cancel'),
      submit,
    ),
  );

  form.addEventListener('change', (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.name === 'kind') {
      schedule.hidden = target.value !== 'scheduled';
      start.required = target.value === 'scheduled';
    }
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    replaceChildren(error);
    const auth = currentAuth();
    if (!auth) return ctx.authLost();
    const scheduled = fieldValue(form, 'kind') === 'scheduled';
    let input: CreateMeetingInput;
    try {
      input = {
        subject: fieldValue(form, 'subject'),
        attendees: parseAttendees(fieldValue(form, 'attendees')),
      };
      if (scheduled) {
        const startTime = utcMinuteFromLocal(start.value);
        if (!startTime) throw new Error('Choose when the meeting starts.');
        input.startTime = startTime;
        input.length = Number(length.value) || 60;
      }
    } catch (err) {
      replaceChildren(error, describeError(err));
      return;
    }
    void busy(submit, 'Creating…', async () => {
      try {
        const info = await createMeeting(auth.accessToken, input);
        const chairPwd = chairPasswordOf(info);
        if (chairPwd) rememberHostPassword(info.conferenceID, chairPwd);
        if (scheduled) {
          ctx.flash(`Meeting ${info.conferenceID} scheduled.`);
          ctx.navigate('#/meetings');
        } else {
          ctx.navigate(`#/meeting/${encodeURIComponent(info.conferenceID)}`);
        }
      } catch (err) {
        if (err instanceof ConfpushApiError && err.errorCode === ACCESS_TOKEN_INVALID) return ctx.authLost();
        replaceChildren(error, describeError(err));
      }
    });
  });

  root.append(
    narrowPage(
      'create-page',
      'New meeting',
      lede('A meeting created for now is in progress at once and opens in the live view.'),
      form,
    ),
  );
}
