/**
 * The live view of one meeting, driven only by the SDK's events: every change event schedules one render of the
 * session's typed views (participants, speakers, status, network, waiting room), and the events themselves feed
 * the captions and the activity log. Control buttons call the REST API; their result arrives through the push.
 */
import type { MeetingChange, MeetingSession, Participant, PushConnection } from '@confpush/client';
import { describeError, type MeetingControl } from '../api.js';
import { busy, fieldValue, h, replaceChildren, setText } from '../dom.js';
import type { Tone } from './bits.js';
import {
  ActivityLog,
  Captions,
  ConnectionIndicator,
  SpeakersStrip,
  StatusBar,
  WaitingRoom,
} from './panels.js';
import { Roster } from './roster.js';
import { field, submitButton } from '../forms.js';

type ConnectionState = PushConnection['state'];

export interface LiveViewHandlers {
  /** Start a new session after the connection ended (not after the meeting ended). */
  reconnect(): void;
}

const REBUILT_NOTICE_MS = 6000;

export class LiveView {
  readonly element: HTMLElement;
  readonly connection = new ConnectionIndicator();
  readonly #control: MeetingControl;
  readonly #handlers: LiveViewHandlers;
  readonly #title = h('h1', { tabindex: '-1', testid: 'live-title' }, 'Meeting');
  readonly #banner = h('div', { class: 'banner', role: 'alert', testid: 'live-banner', hidden: true });
  readonly #error = h('p', { class: 'form-error', role: 'alert', testid: 'action-error' });
  readonly #status: StatusBar;
  readonly #speakers = new SpeakersStrip();
  readonly #roster: Roster;
  readonly #waiting: WaitingRoom;
  readonly #captions = new Captions();
  readonly #log = new ActivityLog();
  readonly #pending = new Set<string>();
  readonly #inviteSubmit = submitButton('Invite', 'invite-submit');
  #session: MeetingSession | undefined;
  #everLive = false;
  #enabled = false;
  #scheduled = false;
  #rebuiltTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(conferenceID: string, control: MeetingControl, handlers: LiveViewHandlers) {
    this.#control = control;
    this.#handlers = handlers;
    this.#status = new StatusBar({
      lock: (locked) => this.#run('lock', () => control.lock(locked)),
      muteAll: (mute) => this.#run('muteAll', () => control.muteAll(mute)),
    });
    this.#roster = new Roster({
      mute: (p, mute) => this.#run(`mute:${p.pid}`, () => control.mute(p.pid, mute)),
      hangUp: (p) => this.#run(`hangup:${p.pid}`, () => control.hangUp(p.pid)),
    });
    this.#waiting = new WaitingRoom({
      admit: (pid) => this.#run(`admit:${pid}`, () => control.admit(pid)),
    });
    this.element = h(
      'section',
      { class: 'page page-wide live', testid: 'live-page' },
      h(
        'div',
        { class: 'live-head' },
        h(
          'div',
          { class: 'live-title' },
          this.#title,
          h('p', { class: 'sub' }, 'Meeting ID ', h('code', { testid: 'live-conference-id' }, conferenceID)),
        ),
        h(
          'div',
          { class: 'toolbar' },
          this.connection.element,
          h('a', { href: '#/meetings', class: 'btn btn-ghost' }, 'All meetings'),
        ),
      ),
      this.#banner,
      this.#status.element,
      this.#speakers.element,
      this.#error,
      h(
        'div',
        { class: 'live-grid' },
        h('div', { class: 'live-main' }, this.#roster.element, this.#captions.element),
        h(
          'aside',
          { class: 'live-side', 'aria-label': 'Meeting tools' },
          this.#waiting.element,
          this.#inviteForm(),
          this.#log.element,
        ),
      ),
    );
    this.#render();
  }

  /** Follows a session (not started yet, so that the first full messages are seen too). */
  attach(session: MeetingSession): void {
    this.#session = session;
    session.on('state', ({ newState }) => this.#onState(newState));
    session.on('change', (change) => this.#onChange(change));
    session.on('rebuilt', (category, reason) => {
      if (reason === 'initial') return;
      this.#log.add(`${category} rebuilt from a full message (${reason})`, 'warn');
      this.connection.set('rebuilt', 'Live · state rebuilt', `${category}: ${reason}`);
      clearTimeout(this.#rebuiltTimer);
      this.#rebuiltTimer = setTimeout(() => {
        if (this.connection.kind === 'rebuilt') this.#onState(session.state);
      }, REBUILT_NOTICE_MS);
    });
    session.on('resumed', (category, from, to) =>
      this.#log.add(
        `${category} resumed: ${to - from} missed change${to - from === 1 ? '' : 's'} replayed`,
        'info',
      ),
    );
    session.on('error', (error, fatal) => {
      if (!fatal && this.#everLive) this.#log.add(`Connection problem: ${describeError(error)}`, 'warn');
    });
    session.on('closed', (code) => this.#onClosed(code));
  }

  /** Stops timers (the session is closed by its owner). */
  dispose(): void {
    clearTimeout(this.#rebuiltTimer);
  }

  #onState(state: ConnectionState): void {
    this.#enabled = state === 'live';
    if (state === 'live') {
      this.#everLive = true;
      if (this.connection.kind !== 'rebuilt') this.connection.set('live', 'Live');
      this.#banner.hidden = true;
    } else if (
      state === 'reconnecting' ||
      ((state === 'connecting' || state === 'subscribing') && this.#everLive)
    ) {
      this.connection.set('reconnecting', 'Reconnecting…');
    } else if (state === 'connecting' || state === 'subscribing') {
      this.connection.set('connecting', 'Connecting…');
    }
    this.#schedule();
  }

  #onClosed(code: number): void {
    this.#enabled = false;
    clearTimeout(this.#rebuiltTimer);
    if (code === 4005) {
      this.connection.set('ended', 'Meeting ended');
      replaceChildren(
        this.#banner,
        h('p', {}, 'This meeting has ended.'),
        h('a', { href: '#/meetings', class: 'btn' }, 'Back to meetings'),
      );
    } else {
      this.connection.set('closed', 'Disconnected');
      replaceChildren(
        this.#banner,
        h('p', {}, 'The connection to the meeting was closed.'),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-primary',
            testid: 'reconnect',
            onclick: () => this.#handlers.reconnect(),
          },
          'Reconnect',
        ),
      );
    }
    this.#banner.hidden = !this.#everLive;
    this.#schedule();
  }

  #onChange(change: MeetingChange): void {
    const session = this.#session;
    if (change.type === 'subtitle') {
      const pid = change.subtitle.participantID;
      const speaker = pid ? session?.participants.get(pid) : undefined;
      this.#captions.add(change.subtitle, speaker ? nameOf(speaker) : (pid ?? 'Unknown speaker'));
    }
    // The first full messages describe the meeting as it is, not what just happened.
    if (this.#everLive || change.via === 'incremental') this.#logChange(change);
    this.#schedule();
  }

  #logChange(change: MeetingChange): void {
    const entry = describeChange(change);
    if (entry) this.#log.add(entry[0], entry[1]);
  }

  /** One render per burst of events. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#render();
    });
  }

  #render(): void {
    const session = this.#session;
    const participants = session?.participants ?? new Map<string, Participant>();
    const speakers = session?.speakers ?? [];
    const title = session?.basicInfo?.title;
    if (title) setText(this.#title, title);
    this.#status.render(session?.status, this.#pending, this.#enabled);
    this.#speakers.render(speakers, participants);
    this.#roster.render({
      participants,
      speaking: new Set(speakers.map((s) => s.pid)),
      net: session?.netConditions ?? new Map(),
      pending: this.#pending,
      enabled: this.#enabled,
    });
    this.#waiting.render(session?.waitingList ?? new Map(), this.#pending, this.#enabled);
    this.#captions.setEnabled(session?.status?.realTimeSubtitle);
    if (this.#inviteSubmit.getAttribute('aria-busy') !== 'true') this.#inviteSubmit.disabled = !this.#enabled;
  }

  /** A control call: its button shows progress; the new state arrives through the push stream (and the log). */
  #run(key: string, action: () => Promise<unknown>): void {
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    replaceChildren(this.#error);
    this.#render();
    action()
      .catch((error: unknown) => {
        const message = describeError(error);
        replaceChildren(this.#error, message);
        this.#log.add(`Failed: ${message}`, 'bad');
      })
      .finally(() => {
        this.#pending.delete(key);
        this.#render();
      });
  }

  #inviteForm(): HTMLElement {
    const submit = this.#inviteSubmit;
    const form = h(
      'form',
      { class: 'invite-form', testid: 'invite-form' },
      field(
        'Name',
        h('input', {
          name: 'name',
          required: true,
          maxlength: '96',
          testid: 'invite-name',
          autocomplete: 'off',
        }),
      ),
      field(
        'Number',
        h('input', {
          name: 'number',
          required: true,
          maxlength: '127',
          testid: 'invite-number',
          inputmode: 'tel',
          autocomplete: 'off',
          placeholder: '+8610000001',
        }),
      ),
      submit,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const name = fieldValue(form, 'name');
      const number = fieldValue(form, 'number');
      replaceChildren(this.#error);
      void busy(submit, 'Inviting…', async () => {
        try {
          await this.#control.invite(name, number);
          form.reset();
        } catch (error) {
          replaceChildren(this.#error, describeError(error));
        }
      });
    });
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': 'invite-heading' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'invite-heading' }, 'Invite')),
      form,
    );
  }
}

function nameOf(p: { name?: string; pid: string }): string {
  return p.name || p.pid;
}

/** A line of the activity log for the changes worth telling. */
function describeChange(change: MeetingChange): [string, Tone] | undefined {
  switch (change.type) {
    case 'participantJoined':
      return [
        `${nameOf(change.participant)} ${change.participant.state === 'calling' ? 'is being called' : 'joined'}`,
        'good',
      ];
    case 'participantLeft':
      return [`${nameOf(change.participant)} left`, 'muted'];
    case 'muted':
      return [`${nameOf(change.participant)} was muted`, 'info'];
    case 'unmuted':
      return [`${nameOf(change.participant)} was unmuted`, 'info'];
    case 'handRaised':
      return [`${nameOf(change.participant)} raised a hand`, 'warn'];
    case 'handLowered':
      return [`${nameOf(change.participant)} lowered the hand`, 'muted'];
    case 'roleChanged':
      return [`${nameOf(change.participant)} is now ${change.to}`, 'info'];
    case 'inviteResult': {
      const r = change.result;
      if (r.succeeded) return [`${r.callNumber} answered`, 'good'];
      return [`${r.callNumber}: ${r.leaveReason ?? `call failed (${r.resultCode ?? 'unknown'})`}`, 'warn'];
    }
    case 'waitingListChanged':
      return change.added.length > 0
        ? [
            `${change.added.map(nameOf).join(', ')} ${change.added.length === 1 ? 'is' : 'are'} waiting`,
            'warn',
          ]
        : undefined;
    case 'statusChanged': {
      const s = change.status;
      if (!change.previous) return undefined;
      if (change.changed.includes('lock')) return [s.lock ? 'Meeting locked' : 'Meeting unlocked', 'info'];
      if (change.changed.includes('mute')) return [s.mute ? 'Everyone muted' : 'Microphones opened', 'info'];
      if (change.changed.includes('recording'))
        return [s.recording ? 'Recording started' : 'Recording stopped', 'info'];
      if (change.changed.includes('realTimeSubtitle'))
        return [s.realTimeSubtitle ? 'Captions on' : 'Captions off', 'info'];
      return undefined;
    }
    case 'meetingEnded':
      return ['The meeting ended', 'bad'];
    default:
      return undefined;
  }
}
